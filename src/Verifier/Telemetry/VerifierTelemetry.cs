using System.Diagnostics;

namespace ZtStream.Verifier.Telemetry;

/// <summary>
/// What one partition shows the gauges: principals held and when its state was last checkpointed, a monotonic
/// timestamp (<see cref="TimeProvider.GetTimestamp"/>), so the age shown is not moved by a step of the wall clock.
/// </summary>
internal readonly record struct PartitionGauge(string Topic, int Partition, int Principals, long LastCheckpoint);

/// <summary>
/// Meter and ActivitySource <c>ZtStream.Verifier</c>: events scored, the score distribution, alerts by severity and
/// detector and by ATT&amp;CK technique, principals tracked and checkpoint age per partition, the instance's caps
/// (<see cref="StateBudget"/>: principals and open alerts, what was evicted, parked and merged), and a
/// <c>verifier.score</c> span per scored record.
/// The per-event instruments take no tags or cached ones, so recording allocates nothing.
/// </summary>
internal sealed class VerifierTelemetry
{
    public const string Name = "ZtStream.Verifier";

    public static readonly ActivitySource Source = new(Name);

    private static readonly int[] ScoreBuckets = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

    private readonly Counter<long> scored;
    private readonly Counter<long> duplicates;
    private readonly Histogram<int> scores;
    private readonly Counter<long> alerts;
    private readonly Counter<long> techniques;
    private readonly Counter<long> checkpointFailures;
    private readonly TimeProvider time;
    private readonly Lock watchGate = new();

    // Copied on write: the gauges read them at collection time from another thread. One entry per worker
    // (Verifier:Workers), so the process's figures are the sum over its workers, not the last one's.
    private Func<IReadOnlyList<PartitionGauge>>[] partitions = [];
    private StateBudget[] budgets = [];

    public VerifierTelemetry(IMeterFactory meterFactory, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        this.time = time;
        var meter = meterFactory.Create(Name);
        scored = meter.CreateCounter<long>("ztstream.verifier.events.scored", "{event}", "Events scored (duplicates of an event already scored excluded).");
        duplicates = meter.CreateCounter<long>("ztstream.verifier.events.duplicate", "{event}", "Events skipped because the same event id was already scored.");
        scores = meter.CreateHistogram("ztstream.verifier.score", "{score}", "Risk score (0–100) of each scored event.", ScoreBuckets);
        alerts = meter.CreateCounter<long>("ztstream.verifier.alerts", "{alert}", "Alerts and alert updates published, by severity and detector.");
        techniques = meter.CreateCounter<long>("ztstream.verifier.alerts.techniques", "{alert}", "Alerts and alert updates published, once per MITRE ATT&CK technique they name.");
        checkpointFailures = meter.CreateCounter<long>("ztstream.verifier.checkpoint.failures", "{write}", "Checkpoint writes the store refused, per partition; each is retried with backoff until one lands.");
        meter.CreateObservableGauge("ztstream.verifier.principals", ObservePrincipals, "{principal}", "Principals whose state this instance holds, per partition.");
        meter.CreateObservableGauge("ztstream.verifier.checkpoint.age", ObserveCheckpointAge, "s", "Time since a partition's state and offset were last checkpointed to the store.");
        meter.CreateObservableGauge("ztstream.verifier.principals.limit", () => Budget(b => b.MaxPrincipals), "{principal}", "Verifier:MaxPrincipals, the cap on principals over all of this instance's partitions.");
        meter.CreateObservableCounter("ztstream.verifier.principals.evicted", () => Budget(b => b.Evicted), "{principal}", "Least recently seen principals evicted past Verifier:MaxPrincipals.");
        meter.CreateObservableCounter("ztstream.verifier.principals.parked", () => Budget(b => b.Parked), "{principal}", "Evicted principals whose baselines were parked in the store (given back when they return).");
        meter.CreateObservableGauge("ztstream.verifier.alerts.open", () => Budget(b => b.OpenAlerts), "{alert}", "Open alerts this instance holds (cap: Verifier:MaxOpenAlerts).");
        meter.CreateObservableGauge("ztstream.verifier.alerts.open.limit", () => Budget(b => b.MaxOpenAlerts), "{alert}", "Verifier:MaxOpenAlerts.");
        meter.CreateObservableCounter("ztstream.verifier.alerts.merged", () => Budget(b => b.AlertsMerged), "{alert}", "New alerts merged into an alert-flood alert past a cap on open alerts.");
    }

    /// <summary>
    /// A worker hands over its caps and how to read its partitions for the gauges (read at collection time only);
    /// disposing the result takes them back (the worker stopped).
    /// </summary>
    public IDisposable Watch(StateBudget caps, Func<IReadOnlyList<PartitionGauge>> snapshot)
    {
        ArgumentNullException.ThrowIfNull(caps);
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (watchGate)
        {
            budgets = [.. budgets, caps];
            partitions = [.. partitions, snapshot];
        }

        return new Watching(this, caps, snapshot);
    }

    public void Scored(int score, bool duplicate)
    {
        if (duplicate)
        {
            duplicates.Add(1);
            return;
        }

        scored.Add(1);
        scores.Record(score);
    }

    public void AlertPublished(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (alert.Staged)
        {
            // A staged rule's matches are counted per rule (ztstream_verifier_rules_matches_total{mode="staged"}); counted
            // here they would move the alert rates that dashboards and pages read as live detection.
            return;
        }

        alerts.Add(1, new KeyValuePair<string, object?>("severity", alert.Severity), new KeyValuePair<string, object?>("detector", alert.Detector));
        foreach (var technique in alert.Techniques)
        {
            techniques.Add(1, new KeyValuePair<string, object?>("technique", technique), new KeyValuePair<string, object?>("severity", alert.Severity));
        }
    }

    /// <summary>A partition's checkpoint write failed (it is retried): rare, so the tags are made here.</summary>
    public void CheckpointFailed(string topic, int partition) =>
        checkpointFailures.Add(1, Tags(new PartitionGauge(topic, partition, 0, default)));

    private IEnumerable<Measurement<long>> Budget(Func<StateBudget, long> read)
    {
        var watched = Volatile.Read(ref budgets);
        if (watched.Length == 0)
        {
            return [];
        }

        var sum = 0L;
        foreach (var b in watched)
        {
            sum += read(b);
        }

        return [new Measurement<long>(sum)];
    }

    private IEnumerable<PartitionGauge> Partitions()
    {
        foreach (var snapshot in Volatile.Read(ref partitions))
        {
            foreach (var p in snapshot())
            {
                yield return p;
            }
        }
    }

    private void Unwatch(StateBudget caps, Func<IReadOnlyList<PartitionGauge>> snapshot)
    {
        lock (watchGate)
        {
            budgets = [.. budgets.Where(b => !ReferenceEquals(b, caps))];
            partitions = [.. partitions.Where(p => !ReferenceEquals(p, snapshot))];
        }
    }

    private IEnumerable<Measurement<int>> ObservePrincipals()
    {
        foreach (var p in Partitions())
        {
            yield return new Measurement<int>(p.Principals, Tags(p));
        }
    }

    private IEnumerable<Measurement<double>> ObserveCheckpointAge()
    {
        foreach (var p in Partitions())
        {
            yield return new Measurement<double>(time.GetElapsedTime(p.LastCheckpoint).TotalSeconds, Tags(p));
        }
    }

    private sealed class Watching(VerifierTelemetry owner, StateBudget caps, Func<IReadOnlyList<PartitionGauge>> snapshot) : IDisposable
    {
        public void Dispose() => owner.Unwatch(caps, snapshot);
    }

    private static KeyValuePair<string, object?>[] Tags(PartitionGauge p) =>
        [new("messaging.destination.name", p.Topic), new("messaging.destination.partition.id", p.Partition)];
}
