namespace ZtStream.Verifier.Rules;

/// <summary>Decides whether one event matches a rule's condition. Implementations are immutable and thread-safe.</summary>
internal interface IRuleMatcher
{
    bool Matches(RuleEvent e);

    /// <summary>
    /// An attribute the condition cannot match without (<c>attributes.gcp.service_name</c> of every Google Cloud rule);
    /// null when none is known. The rule set asks an event for it once for every rule that names it (<see cref="RuleSet"/>).
    /// </summary>
    Detection.FieldPath? RequiredAttribute => null;
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
    /// A staged rule is evaluated and its matches are shown, flagged staged, but never count towards a live alert's score,
    /// its raising, its dedup or caps, nor any response: a new or changed rule proves itself on real traffic first. Set by
    /// a ZtStream rule's <c>staged: true</c> or by <see cref="RuleOptions.Staged"/>, for any format (docs/rules.md).
    /// </summary>
    public bool Staged { get; init; }

    /// <summary>What a match of the rule does: <c>live</c> or <c>staged</c> (the label of its match counter, <c>rules list</c>).</summary>
    public string Mode => Staged ? RuleModes.Staged : RuleModes.Live;

    /// <summary>
    /// The event kinds the rule can match (<c>k8s.audit</c> …); empty when it can match any kind. The loaded set is
    /// indexed by it, so events of other kinds never evaluate the rule.
    /// </summary>
    public IReadOnlyList<string> Kinds { get; init; } = [];

    /// <summary>Count or distinct count within an event-time window; null for a rule that matches single events.</summary>
    public RuleAggregation? Aggregation { get; init; }

    /// <summary>
    /// A Sigma correlation (<c>event_count</c>, <c>value_count</c>, <c>temporal</c>, <c>temporal_ordered</c>) over the
    /// rules it references; null for any other rule.
    /// </summary>
    public RuleCorrelation? Correlation { get; init; }

    /// <summary>
    /// False for a rule a Sigma correlation references without <c>generate: true</c>: it is loaded, listed and
    /// evaluated for its correlations, but raises nothing of its own.
    /// </summary>
    public bool Generates { get; init; } = true;

    /// <summary>Sigma's <c>name</c>, by which a correlation may reference the rule.</summary>
    public string? Name { get; init; }

    /// <summary>How the rule's field names resolve (a Sigma rule's logsource mapping): a correlation's group-by and field use it.</summary>
    public Detection.IFieldResolver? Fields { get; init; }

    /// <summary>A Sigma rule's logsource as written and its detection, which Sigma filters extend; null for other rules.</summary>
    public Sigma.SigmaSource? SigmaSource { get; init; }

    /// <summary>The Sigma filters (their ids) that exclude events from this rule, in load order.</summary>
    public IReadOnlyList<string> Filters { get; init; } = [];

    /// <summary>The rule's embedded tests.</summary>
    public IReadOnlyList<RuleTest> Tests { get; init; } = [];

    /// <summary>Sigma's <c>status</c> (stable, test, experimental …), when given.</summary>
    public string? Status { get; init; }

    /// <summary>Author attribution, kept as written.</summary>
    public string? Author { get; init; }

    /// <summary>References (URLs) given by the rule.</summary>
    public IReadOnlyList<string> References { get; init; } = [];

    /// <summary>
    /// The licence the rule is shared under: its own <c>license</c>, else its file's header, else its set's licence file
    /// (<see cref="RuleCredits"/>); null when none is declared.
    /// </summary>
    public string? License { get; init; }

    /// <summary>
    /// Who a match of this rule is owed to (the rule, and for a correlation the rules it correlates), made once when the
    /// set is loaded and put on every reason the rule gives.
    /// </summary>
    public IReadOnlyList<AlertRuleCredit> Credits { get; init; } = [];

    /// <summary>
    /// The rule's revision (<see cref="RuleRevisions"/>): a short digest of everything that decides what it matches and
    /// says, lists, macros, filters and correlated rules included. Put on every reason it gives, listed, compared on reload.
    /// </summary>
    public string Revision { get; init; } = "";

    /// <summary>
    /// The file it came from, relative to the configured path that holds it (a folder's file as its path within the
    /// folder, a file configured by itself as its name, a built-in one as <c>builtin:NAME</c>).
    /// </summary>
    public string RelativeFile { get; init; } = "";

    /// <summary>The score a match contributes: the rule's own, else its severity's.</summary>
    public int EffectiveScore => Score ?? RuleScores.FromSeverity(Severity);
}

/// <summary>What a rule's match does: <see cref="Live"/> scores and may act, <see cref="Staged"/> is only shown and counted.</summary>
internal static class RuleModes
{
    public const string Live = "live";
    public const string Staged = "staged";
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
