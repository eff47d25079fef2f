namespace ZtStream.Verifier.Rules;

/// <summary>Decides whether one event matches a rule's condition. Implementations are immutable and thread-safe.</summary>
internal interface IRuleMatcher
{
    bool Matches(RuleEvent e);
}

/// <summary>Where a rule was defined: the file and the 1-based line of its definition.</summary>
internal sealed record RuleOrigin(string File, int Line)
{
    public override string ToString() => $"{File}:{Line}";
}

/// <summary>
/// A loaded rule of any format (ztstream, sigma, falco): what it is, how bad a match is, which ATT&amp;CK techniques
/// it evidences, and its compiled condition.
/// </summary>
/// <param name="Id">Unique id within the loaded set (a Sigma rule's <c>id</c>, a Falco rule's name, a ZtStream rule's <c>id</c>).</param>
/// <param name="Title">Human title.</param>
/// <param name="Format">ztstream, sigma or falco (see <see cref="RuleFormats"/>).</param>
/// <param name="Severity">low, medium, high or critical.</param>
/// <param name="Techniques">ATT&amp;CK technique ids such as T1611 or T1552.007.</param>
/// <param name="Tactics">ATT&amp;CK tactic names such as privilege-escalation.</param>
/// <param name="Description">Longer description, when the rule has one.</param>
/// <param name="Origin">The file and line it came from.</param>
/// <param name="Condition">The compiled match condition.</param>
internal sealed record Rule(
    string Id,
    string Title,
    string Format,
    string Severity,
    IReadOnlyList<string> Techniques,
    IReadOnlyList<string> Tactics,
    string? Description,
    RuleOrigin Origin,
    IRuleMatcher Condition);

/// <summary>Rule file formats.</summary>
internal static class RuleFormats
{
    public const string ZtStream = "ztstream";
    public const string Sigma = "sigma";
    public const string Falco = "falco";
}

/// <summary>A rule (or file) that could not be loaded: where, which rule if known, and why. Never skipped silently.</summary>
internal sealed record RuleLoadError(string File, int Line, string? RuleId, string Reason)
{
    public override string ToString() => RuleId is null ? $"{File}:{Line}: {Reason}" : $"{File}:{Line}: rule '{RuleId}': {Reason}";
}

/// <summary>What loading a set of rule files gave: the rules that loaded and every error.</summary>
internal sealed record RuleLoadResult(IReadOnlyList<Rule> Rules, IReadOnlyList<RuleLoadError> Errors);
