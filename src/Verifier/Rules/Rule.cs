namespace ZtStream.Verifier.Rules;

/// <summary>Decides whether one event matches a rule's condition. Implementations are immutable and thread-safe.</summary>
internal interface IRuleMatcher
{
    bool Matches(RuleEvent e);
}

/// <summary>
/// A condition that can say what it matched, in words, for the alert's reason (Falco rules render their
/// <c>output</c>). Conditions without it are explained by the rule's title and the event's resource.
/// </summary>
internal interface IRuleExplainer
{
    string Explain(RuleEvent e);
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
    IRuleMatcher Condition)
{
    /// <summary>The rule's own score 0–100; null scores by <see cref="Severity"/> (see <see cref="RuleScores"/>).</summary>
    public int? Score { get; init; }

    /// <summary>Free tags (not ATT&amp;CK): the rule file's <c>tags</c>, a Sigma rule's non-ATT&amp;CK tags.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>A disabled rule is loaded (listed, tested) but never scores events.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// The event kinds the rule can match (<c>k8s.audit</c> …); empty when it can match any kind. The loaded set is
    /// indexed by it, so events of other kinds never evaluate the rule.
    /// </summary>
    public IReadOnlyList<string> Kinds { get; init; } = [];

    /// <summary>Count or distinct count within an event-time window; null for a rule that matches single events.</summary>
    public RuleAggregation? Aggregation { get; init; }

    /// <summary>The rule's embedded tests.</summary>
    public IReadOnlyList<RuleTest> Tests { get; init; } = [];

    /// <summary>Sigma's <c>status</c> (stable, test, experimental …), when given.</summary>
    public string? Status { get; init; }

    /// <summary>Author attribution, kept as written.</summary>
    public string? Author { get; init; }

    /// <summary>References (URLs) given by the rule.</summary>
    public IReadOnlyList<string> References { get; init; } = [];

    /// <summary>The score a match contributes: the rule's own, else its severity's.</summary>
    public int EffectiveScore => Score ?? RuleScores.FromSeverity(Severity);
}

/// <summary>
/// A rule's aggregation: matching events are counted (or the distinct values of <see cref="Field"/>) per group of
/// <see cref="GroupBy"/> values within <see cref="Window"/> of event time; the rule matches an event that brings its
/// group to <see cref="Threshold"/> or above.
/// </summary>
/// <param name="Function"><c>count</c> or <c>distinct_count</c>.</param>
/// <param name="Field">The field whose distinct values are counted (distinct_count only).</param>
/// <param name="GroupBy">Fields whose values form the group.</param>
/// <param name="Window">Event-time window.</param>
/// <param name="Threshold">The count from which the rule matches.</param>
internal sealed record RuleAggregation(string Function, Detection.FieldPath? Field, IReadOnlyList<Detection.FieldPath> GroupBy, TimeSpan Window, int Threshold)
{
    public const string Count = "count";
    public const string DistinctCount = "distinct_count";

    /// <summary>Identifies the definition, so state kept for an older definition of the same rule id is not reused.</summary>
    public string Fingerprint => string.Join('|', Function, Field?.Text ?? "", string.Join(',', GroupBy.Select(g => g.Text)), Window.Ticks, Threshold);
}

/// <summary>One embedded test: its input events (canonical, or a source's payload mapped by that source's reader) and the expected outcome.</summary>
/// <param name="Name">Test name.</param>
/// <param name="ExpectMatch">match (true) or no_match (false).</param>
/// <param name="Input">Where the events come from.</param>
/// <param name="Line">Line of the test in the rule file.</param>
internal sealed record RuleTest(string Name, bool ExpectMatch, RuleTestInput Input, int Line);

/// <summary>A test's input: canonical events as JSON, or a payload in a source's own format (<c>k8s-audit</c>, <c>falco</c>).</summary>
/// <param name="Format"><c>events</c> for canonical events, else the source reader's format name.</param>
/// <param name="Json">UTF-8 JSON: an array of canonical events, or the source payload.</param>
internal sealed record RuleTestInput(string Format, byte[] Json)
{
    public const string Events = "events";
}

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
