using System.Text.Json.Serialization;
using ZtStream.Contracts.Alerts;
using ZtStream.Contracts.Events;
using ZtStream.Verifier.Scoring;
using ZtStream.Verifier.Simulation;

namespace ZtStream.Verifier.Evaluation;

/// <summary>How one scenario fared.</summary>
internal sealed record ScenarioResult(
    [property: JsonPropertyName("detected")] bool Detected,
    [property: JsonPropertyName("severity")] string Severity,
    [property: JsonPropertyName("events_to_detection")] int? EventsToDetection,
    [property: JsonIgnore] string Principal);

/// <summary>The evaluation summary <c>replay --json</c> prints as its last line.</summary>
internal sealed record EvaluationReport(
    [property: JsonPropertyName("scenarios")] SortedDictionary<string, ScenarioResult> Scenarios,
    [property: JsonPropertyName("false_positives_per_1000_principal_days")] double FalsePositivesPer1000PrincipalDays,
    [property: JsonPropertyName("events")] long Events,
    [property: JsonPropertyName("alerts")] int Alerts)
{
    /// <summary>Shown in the table, not in the JSON line (whose shape is fixed).</summary>
    [JsonIgnore]
    public int FalsePositiveAlerts { get; init; }

    [JsonIgnore]
    public double BenignPrincipalDays { get; init; }
}

/// <summary>
/// Scores detection against ground truth. A scenario is detected when one of its events scores high or above
/// on the labelled principal; events to detection counts that scenario's events up to and including it.
/// A false positive is a distinct alert none of whose evidence is attack traffic; the rate is per 1,000
/// benign principal-days (principals never attacked × days spanned by the events).
/// </summary>
internal sealed class Evaluator
{
    private readonly Dictionary<string, (string Scenario, int Index)> attackEvents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ScenarioLabel> labels = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int?> detectedAt = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> worstSeverity = new(StringComparer.Ordinal);
    private readonly HashSet<string> attacked = new(StringComparer.Ordinal);
    private readonly HashSet<string> principals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> alerts = new(StringComparer.Ordinal);
    private long events;
    private DateTimeOffset first = DateTimeOffset.MaxValue;
    private DateTimeOffset last = DateTimeOffset.MinValue;

    public Evaluator(IEnumerable<ScenarioLabel> groundTruth)
    {
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

        var isAttack = attackEvents.TryGetValue(e.Id, out var attack);
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
                    if (attackEvents.ContainsKey(id))
                    {
                        truePositive = true;
                        break;
                    }
                }
            }

            alerts[alert.Id] = alerts.GetValueOrDefault(alert.Id) || truePositive;
        }
    }

    public EvaluationReport Report()
    {
        var scenarios = new SortedDictionary<string, ScenarioResult>(StringComparer.Ordinal);
        foreach (var (name, label) in labels)
        {
            var detected = detectedAt.TryGetValue(name, out var at);
            var sev = worstSeverity.TryGetValue(name, out var rank) ? RankName(rank) : "none";
            scenarios[name] = new ScenarioResult(detected, sev, detected ? at : null, label.Principal);
        }

        var fp = 0;
        foreach (var tp in alerts.Values)
        {
            fp += tp ? 0 : 1;
        }

        var days = events == 0 ? 0 : Math.Max(1, Math.Ceiling((last - first).TotalDays));
        var benign = Math.Max(0, principals.Count - attacked.Count) * days;
        var rate = benign == 0 ? 0 : Math.Round(fp * 1000.0 / benign, 3);
        return new EvaluationReport(scenarios, rate, events, alerts.Count) { FalsePositiveAlerts = fp, BenignPrincipalDays = benign };
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
