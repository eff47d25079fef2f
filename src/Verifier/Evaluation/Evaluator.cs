namespace ZtStream.Verifier.Evaluation;

/// <summary>How one scenario fared.</summary>
/// <param name="Detected">One of its events scored high or above on the labelled principal.</param>
/// <param name="Severity">The worst severity its events scored on the labelled principal.</param>
/// <param name="EventsToDetection">Its events up to and including the one that detected it.</param>
/// <param name="Principal">The labelled principal.</param>
/// <param name="Alerted">One of its events scored at or above the alert threshold on the labelled principal.</param>
internal sealed record ScenarioResult(
    [property: JsonPropertyName("detected")] bool Detected,
    [property: JsonPropertyName("severity")] string Severity,
    [property: JsonPropertyName("events_to_detection")] int? EventsToDetection,
    [property: JsonIgnore] string Principal,
    [property: JsonPropertyName("alerted")] bool Alerted);

/// <summary>The evaluation summary <c>replay --json</c> prints as its last line.</summary>
internal sealed record EvaluationReport(
    [property: JsonPropertyName("scenarios")] SortedDictionary<string, ScenarioResult> Scenarios,
    [property: JsonPropertyName("false_positives_per_1000_principal_days")] double FalsePositivesPer1000PrincipalDays,
    [property: JsonPropertyName("events")] long Events,
    [property: JsonPropertyName("alerts")] int Alerts)
{
    /// <summary>Events no label names (benign).</summary>
    [JsonPropertyName("benign_events")]
    public long BenignEvents { get; init; }

    /// <summary>Benign events that scored at or above the alert threshold: each is an alert a benign request raised or fed.</summary>
    [JsonPropertyName("benign_events_alerted")]
    public long BenignEventsAlerted { get; init; }

    /// <summary>Shown in the table, not in the JSON line (whose shape is fixed).</summary>
    [JsonIgnore]
    public int FalsePositiveAlerts { get; init; }

    [JsonIgnore]
    public double BenignPrincipalDays { get; init; }
}

/// <summary>
/// Scores detection against ground truth. A scenario is detected when one of its events scores high or above
/// on the labelled principal, and alerted when one scores at or above the alert threshold there; events to detection
/// counts that scenario's events up to and including the detecting one. A false positive is a distinct alert none of
/// whose evidence is attack traffic; the rate is per 1,000 benign principal-days (principals never attacked × days
/// spanned by the events). Labelled data sets of single events (one case each, as held-out audit sets are) read better
/// as fractions: the report also counts benign events that scored at or above the alert threshold.
/// </summary>
internal sealed class Evaluator
{
    private readonly Dictionary<string, (string Scenario, int Index)> attackEvents = new(StringComparer.Ordinal);
    private readonly HashSet<string> attackEventIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ScenarioLabel> labels = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int?> detectedAt = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> worstSeverity = new(StringComparer.Ordinal);
    private readonly HashSet<string> attacked = new(StringComparer.Ordinal);
    private readonly HashSet<string> principals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> alerts = new(StringComparer.Ordinal);
    private readonly HashSet<string> alerted = new(StringComparer.Ordinal);
    private readonly int alertThreshold;
    private long events;
    private long benignEvents;
    private long benignAlerted;
    private DateTimeOffset first = DateTimeOffset.MaxValue;
    private DateTimeOffset last = DateTimeOffset.MinValue;

    /// <param name="groundTruth">The labels: each scenario's principal and event ids.</param>
    /// <param name="alertThreshold">The score from which an event alerts (<see cref="VerifierOptions.AlertThreshold"/>).</param>
    public Evaluator(IEnumerable<ScenarioLabel> groundTruth, int alertThreshold = 60)
    {
        this.alertThreshold = alertThreshold;
        foreach (var l in groundTruth)
        {
            labels[l.Scenario] = l;
            attacked.Add(l.Principal);
            for (var i = 0; i < l.EventIds.Count; i++)
            {
                attackEvents[l.EventIds[i]] = (l.Scenario, i + 1);
            }
        }
    }

    public void Observe(AccessEvent e, in ScoreResult result)
    {
        if (result.Duplicate)
        {
            return;
        }

        events++;
        principals.Add(e.PrincipalKey);
        first = e.Time < first ? e.Time : first;
        last = e.Time > last ? e.Time : last;

        var isAttack = attackEvents.TryGetValue(e.Id, out var attack) || (GivenId(e) is { } given && attackEvents.TryGetValue(given, out attack));
        if (isAttack)
        {
            attackEventIds.Add(e.Id);
        }
        else
        {
            benignEvents++;
            benignAlerted += result.Score >= alertThreshold ? 1 : 0;
        }

        if (isAttack && labels[attack.Scenario].Principal == e.PrincipalKey && result.Score >= alertThreshold)
        {
            alerted.Add(attack.Scenario);
        }

        if (isAttack && labels[attack.Scenario].Principal == e.PrincipalKey && result.Score > 0)
        {
            var rank = Severities.Rank(Severities.FromScore(result.Score));
            worstSeverity[attack.Scenario] = Math.Max(worstSeverity.GetValueOrDefault(attack.Scenario, -1), rank);
            if (rank >= Severities.Rank(Severities.High) && !detectedAt.ContainsKey(attack.Scenario))
            {
                detectedAt[attack.Scenario] = attack.Index;
            }
        }

        if (result.Alert is { } alert)
        {
            var truePositive = isAttack;
            if (!truePositive)
            {
                foreach (var id in alert.EvidenceEventIds)
                {
                    if (attackEvents.ContainsKey(id) || attackEventIds.Contains(id))
                    {
                        truePositive = true;
                        break;
                    }
                }
            }

            alerts[alert.Id] = alerts.GetValueOrDefault(alert.Id) || truePositive;
        }
    }

    /// <summary>
    /// The id the record gave, when the event id is not it: a Kubernetes audit event's id digests its <c>auditID</c> with
    /// the request (a caller may choose the <c>auditID</c>), and a labelled audit set names its events by <c>auditID</c>.
    /// </summary>
    private static string? GivenId(AccessEvent e) =>
        e.Attributes is { } a && a.TryGetValue("k8s.audit_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;

    public EvaluationReport Report()
    {
        var scenarios = new SortedDictionary<string, ScenarioResult>(StringComparer.Ordinal);
        foreach (var (name, label) in labels)
        {
            var detected = detectedAt.TryGetValue(name, out var at);
            var sev = worstSeverity.TryGetValue(name, out var rank) ? RankName(rank) : "none";
            scenarios[name] = new ScenarioResult(detected, sev, detected ? at : null, label.Principal, alerted.Contains(name));
        }

        var fp = 0;
        foreach (var tp in alerts.Values)
        {
            fp += tp ? 0 : 1;
        }

        var days = events == 0 ? 0 : Math.Max(1, Math.Ceiling((last - first).TotalDays));
        var benign = Math.Max(0, principals.Count - attacked.Count) * days;
        var rate = benign == 0 ? 0 : Math.Round(fp * 1000.0 / benign, 3);
        return new EvaluationReport(scenarios, rate, events, alerts.Count)
        {
            FalsePositiveAlerts = fp, BenignPrincipalDays = benign, BenignEvents = benignEvents, BenignEventsAlerted = benignAlerted,
        };
    }

    private static string RankName(int rank) => rank switch
    {
        3 => Severities.Critical,
        2 => Severities.High,
        1 => Severities.Medium,
        0 => Severities.Low,
        _ => "none",
    };
}
