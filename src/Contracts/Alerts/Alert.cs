namespace ZtStream.Contracts.Alerts;

/// <summary>
/// An explained alert from the Verifier. Deduplicated: the same principal, detector and resource
/// class within a window keeps one <see cref="DedupKey"/>; later occurrences raise <see cref="Count"/>
/// and <see cref="LastSeen"/> on the same <see cref="Id"/>.
/// </summary>
public sealed record Alert
{
    /// <summary>Schema version.</summary>
    public int Schema { get; init; } = SchemaVersions.Current;

    /// <summary>Alert id; stable across updates of a deduplicated alert.</summary>
    public required string Id { get; init; }

    /// <summary>
    /// principal | detector | resource class | window start, then | <see cref="PrincipalCluster"/> when there is one;
    /// equal keys are one alert.
    /// </summary>
    public required string DedupKey { get; init; }

    /// <summary>Principal (subject id, else workload id).</summary>
    public required string Principal { get; init; }

    /// <summary>
    /// The cluster <see cref="Principal"/> is an identity of, when it exists once per cluster (a service account, a node,
    /// the API server's own users, a workload) and the evidence names its cluster (<c>attributes["k8s.cluster"]</c>):
    /// <c>system:serviceaccount:kube-system:default</c> of two clusters is two principals, each with its own alerts. Null
    /// for a person (one principal in every cluster) and for evidence naming no cluster.
    /// </summary>
    public string? PrincipalCluster { get; init; }

    /// <summary>The detector that contributed most (see <see cref="Detectors"/>).</summary>
    public required string Detector { get; init; }

    /// <summary>Risk score 0–100.</summary>
    public required int Score { get; init; }

    /// <summary>low, medium, high, critical (see <see cref="Severities"/>).</summary>
    public required string Severity { get; init; }

    /// <summary>Why it fired, in words and numbers.</summary>
    public required IReadOnlyList<AlertReason> Reasons { get; init; }

    /// <summary>The ids of the events that produced it.</summary>
    public required IReadOnlyList<string> EvidenceEventIds { get; init; }

    /// <summary>The sources that delivered the evidence (at most a few).</summary>
    public IReadOnlyList<string>? EvidenceSources { get; init; }

    /// <summary>
    /// What every evidence event's source vouched for (<see cref="AccessEvent.SourceScope"/>: <c>subject</c>,
    /// <c>workload</c>); empty or null when any of it came from a source without such a scope. The Responder acts on a
    /// subject or a workload automatically only when the evidence vouches for it.
    /// </summary>
    public IReadOnlyList<string>? EvidenceScope { get; init; }

    /// <summary>Subject id, when the principal is a subject.</summary>
    public string? SubjectId { get; init; }

    /// <summary>The workload involved.</summary>
    public AlertWorkload? Workload { get; init; }

    /// <summary>The token involved.</summary>
    public AlertToken? Token { get; init; }

    /// <summary>Resource class (data class, or resource type) the alert is about.</summary>
    public string? ResourceClass { get; init; }

    /// <summary>Event time of the first evidence.</summary>
    public required DateTimeOffset FirstSeen { get; init; }

    /// <summary>Event time of the latest evidence.</summary>
    public required DateTimeOffset LastSeen { get; init; }

    /// <summary>How many times this deduplicated alert fired.</summary>
    public int Count { get; init; } = 1;

    /// <summary>
    /// True for an alert of staged detection rules only (docs/rules.md, "Staged rules"): every reason is a staged rule's
    /// match, its score is what those rules alone would add, it is deduplicated on its own (its <see cref="DedupKey"/> ends
    /// in <c>|staged</c>) and counts against no cap of live alerts, and the Responder stores and lists it but never acts
    /// on it or notifies about it. Written only when true, so other alerts read as they always did.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Staged { get; init; }

    /// <summary>Alerts raised by the Responder itself (e.g. response storm) set this; Verifier alerts leave it null.</summary>
    public string? RaisedBy { get; init; }

    /// <summary>
    /// The workload the alert's actions would act on when it is not the actor's own: the pod a user or service account
    /// exec'd into, for example. Null when the alert is about the actor's own workload (<see cref="Workload"/>).
    /// </summary>
    public AlertWorkload? TargetWorkload { get; init; }

    // Alerts stored before evidence, techniques or tactics existed read them as empty lists, not null.
    /// <summary>
    /// A bounded summary of evidence events (at most <see cref="AlertEvidence.MaxPerAlert"/>, in the order they were
    /// seen), for triage without the event log. Empty for alerts raised before summaries existed.
    /// </summary>
    public IReadOnlyList<AlertEvidence> Evidence { get => field ?? []; init; }

    /// <summary>
    /// The MITRE ATT&amp;CK technique ids (such as <c>T1609</c> or <c>T1552.007</c>) of all its reasons, sorted and without
    /// repeats; empty when no reason names one.
    /// </summary>
    public IReadOnlyList<string> Techniques { get => field ?? []; init; }

    /// <summary>The ATT&amp;CK tactics (such as <c>execution</c> or <c>privilege-escalation</c>) of all its reasons, sorted and without repeats.</summary>
    public IReadOnlyList<string> Tactics { get => field ?? []; init; }
}

/// <summary>One reason behind an alert.</summary>
/// <param name="Detector">The detector that produced it.</param>
/// <param name="Rule">Rule or feature name within the detector.</param>
/// <param name="Score">Contribution to the risk score, 0–100.</param>
/// <param name="Text">The explanation with its numbers.</param>
public sealed record AlertReason(string Detector, string Rule, int Score, string Text)
{
    // Reasons stored before techniques, tactics or credits existed read them as empty lists, not null.
    /// <summary>
    /// The MITRE ATT&amp;CK (Enterprise / Containers) technique ids this reason is evidence of, such as <c>T1609</c> or
    /// <c>T1552.007</c>; empty when the reason maps to none.
    /// </summary>
    public IReadOnlyList<string> Techniques { get => field ?? []; init; }

    /// <summary>The ATT&amp;CK tactics (short names such as <c>execution</c> or <c>credential-access</c>) the reason is evidence of.</summary>
    public IReadOnlyList<string> Tactics { get => field ?? []; init; }

    /// <summary>
    /// The detection rules behind this reason, credited as their files give them (author, licence, references): the
    /// rule itself, and for a correlation the rules it correlates. Empty for a reason no rule file gave, and for reasons
    /// stored before credits existed.
    /// </summary>
    public IReadOnlyList<AlertRuleCredit> Credits { get => field ?? []; init; }

    /// <summary>
    /// For a reason a detection rule gave, the rule's revision: a 12-hex-digit digest of everything that decides what it
    /// matches and says (its text as parsed, and the lists, macros, filters and correlated rules it uses), so the text that
    /// raised an alert can be found again after the rule changed. Null for other reasons and reasons stored before it existed.
    /// </summary>
    public string? RuleRevision { get; init; }

    /// <summary>For a reason a detection rule gave, its file, relative to the configured rule path that holds it (<c>builtin:NAME</c> for the built-in library).</summary>
    public string? RuleFile { get; init; }
}

/// <summary>The workload named by an alert.</summary>
/// <param name="Id">Workload id.</param>
/// <param name="Namespace">Namespace.</param>
/// <param name="Name">Name.</param>
public sealed record AlertWorkload(string Id, string? Namespace, string? Name)
{
    /// <summary>
    /// The cluster the workload runs in, as its evidence names it (<c>attributes["k8s.cluster"]</c>); null when the
    /// evidence names none. <c>prod/web</c> in two clusters is two workloads: an action acts only in this one.
    /// </summary>
    public string? Cluster { get; init; }
}

/// <summary>The token named by an alert.</summary>
/// <param name="Jti">Token id.</param>
/// <param name="SessionId">Session id.</param>
/// <param name="ClientId">OAuth client id.</param>
public sealed record AlertToken(string? Jti, string? SessionId, string? ClientId)
{
    /// <summary>When the token expires (its <c>exp</c>), when the evidence said: a revocation of it need not outlive it.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}

/// <summary>Detector names.</summary>
public static class Detectors
{
    /// <summary>Deterministic zero-trust policy rules.</summary>
    public const string Policy = "policy";
    /// <summary>The Verifier about itself: its caps (rule <c>alert_flood</c>: open alerts past a cap, merged into one).</summary>
    public const string Verifier = "verifier";
    /// <summary>Per-principal statistical baselines.</summary>
    public const string Baseline = "baseline";
    /// <summary>The ML.NET anomaly model.</summary>
    public const string Model = "model";
    /// <summary>Runtime security alerts (Falco) and what they imply for the workload's service account.</summary>
    public const string Runtime = "runtime";
    /// <summary>Sign-in and session detectors over identity-provider and access events (per principal, event time).</summary>
    public const string Identity = "identity";
    /// <summary>The Responder's own safety alerts.</summary>
    public const string Responder = "responder";
    /// <summary>Detection rules (ZtStream, Sigma and Falco rule files); the reason's rule is the rule id.</summary>
    public const string Rule = "rule";
}

/// <summary>Severity names and their score bands.</summary>
public static class Severities
{
    /// <summary>Score below 40.</summary>
    public const string Low = "low";
    /// <summary>Score 40–69.</summary>
    public const string Medium = "medium";
    /// <summary>Score 70–89.</summary>
    public const string High = "high";
    /// <summary>Score 90 and above.</summary>
    public const string Critical = "critical";

    /// <summary>The severity band of a score.</summary>
    public static string FromScore(int score) => score switch
    {
        >= 90 => Critical,
        >= 70 => High,
        >= 40 => Medium,
        _ => Low,
    };

    /// <summary>Order of a severity name (low = 0 … critical = 3, unknown = -1).</summary>
    public static int Rank(string? severity) => severity switch
    {
        Low => 0,
        Medium => 1,
        High => 2,
        Critical => 3,
        _ => -1,
    };
}

/// <summary>An analyst's verdict on an alert, fed back to the Verifier over <c>zt.feedback.v1</c>.</summary>
public sealed record AlertFeedback
{
    /// <summary>Schema version.</summary>
    public int Schema { get; init; } = SchemaVersions.Current;
    /// <summary>Feedback id.</summary>
    public required string Id { get; init; }
    /// <summary>The alert judged.</summary>
    public required string AlertId { get; init; }
    /// <summary>false_positive or true_positive.</summary>
    public required string Verdict { get; init; }
    /// <summary>Principal the verdict applies to.</summary>
    public required string Principal { get; init; }
    /// <summary>Detector/rule scopes to suppress (e.g. <c>baseline/first_resource</c>; <c>*</c> for every rule).</summary>
    public required IReadOnlyList<string> Rules { get; init; }
    /// <summary>Resource class scope; null means any.</summary>
    public string? ResourceClass { get; init; }
    /// <summary>Who gave the verdict.</summary>
    public required string By { get; init; }
    /// <summary>When given.</summary>
    public required DateTimeOffset At { get; init; }
    /// <summary>When the suppression lapses.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>
    /// The suppression this message sets, replaces (a narrowed one keeps its id) or lifts. Null in messages written
    /// before suppressions had ids: the feedback <see cref="Id"/> is then the suppression's id.
    /// </summary>
    public string? SuppressionId { get; init; }

    /// <summary>
    /// True when the message lifts suppression <see cref="SuppressionId"/> (or, without one, every suppression made from
    /// <see cref="AlertId"/>) rather than setting it. A <c>true_positive</c> verdict also lifts the alert's suppressions.
    /// </summary>
    public bool Lifted { get; init; }

    /// <summary>Namespace scope: only events whose workload is in this namespace are suppressed; null means any.</summary>
    public string? Namespace { get; init; }

    /// <summary>
    /// The cluster the suppression holds in: only events naming it (<c>attributes["k8s.cluster"]</c>) are suppressed. A
    /// suppression made from an alert whose principal exists once per cluster (<see cref="Alert.PrincipalCluster"/>) names
    /// that cluster, so staging's <c>system:serviceaccount:ci:deployer</c> judged benign stays scored in prod. Null (and in
    /// messages written before clusters were named) means every cluster.
    /// </summary>
    public string? Cluster { get; init; }

    /// <summary>The <see cref="Principal"/> value that means every principal (a scope only responders may set).</summary>
    public const string AllPrincipals = "*";
}
