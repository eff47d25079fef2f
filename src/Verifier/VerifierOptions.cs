namespace ZtStream.Verifier;

/// <summary>Section <c>Verifier</c>: policy, windows and thresholds of the scoring (see docs/detection.md).</summary>
internal sealed record VerifierOptions
{
    public const string Section = "Verifier";

    /// <summary>Upper bound of <see cref="Workers"/>: far above any useful count (one loop per core, at most one per partition).</summary>
    public const int MaxWorkers = 64;

    /// <summary>Zero-trust policy YAML; null runs without policy rules (baselines and model only).</summary>
    public string? PolicyPath { get; init; }

    /// <summary>Risk score from which an alert is raised.</summary>
    public int AlertThreshold { get; init; } = 60;

    /// <summary>Event time a principal must be known before its baselines may fire.</summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromHours(16);

    /// <summary>Minimum events a principal must have before its baselines may fire.</summary>
    public int WarmUpEvents { get; init; } = 20;

    /// <summary>Rate, breadth and denial windows.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Alerts with the same principal, detector and resource class within this gap update one alert.</summary>
    public TimeSpan DedupWindow { get; init; } = TimeSpan.FromHours(6);

    /// <summary>Time constant of the rolling byte statistics (an old sample weighs e^-1 after this long).</summary>
    public TimeSpan BaselineHorizon { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Bytes of one read (or of one window) below which no volume reason fires.</summary>
    public long BytesMinimum { get; init; } = 50L * 1024 * 1024;

    /// <summary>Standard deviations (of the log-volume) above the rolling mean for a volume reason.</summary>
    public double BytesSigma { get; init; } = 5;

    /// <summary>Factor over the busiest window seen for a rate, breadth or denial reason.</summary>
    public double SpikeFactor { get; init; } = 4;

    /// <summary>Requests in one window below which no rate reason fires.</summary>
    public int RateMinimum { get; init; } = 150;

    /// <summary>Distinct resources in one window below which no breadth reason fires.</summary>
    public int BreadthMinimum { get; init; } = 25;

    /// <summary>Denials in one window below which no denial reason fires.</summary>
    public int DeniedMinimum { get; init; } = 15;

    /// <summary>
    /// OAuth client ids whose traffic is synthetic (health checks, the demo's enforcement probe): their events are
    /// counted but never scored, alerted on or learned as the principal's behaviour.
    /// </summary>
    public List<string> ProbeClients { get; init; } = [];

    /// <summary>
    /// Members of the <c>zt-verifier</c> consumer group this process runs, each with its own loop, engines, model and
    /// share of the caps below: the same as as many processes, so the group's partitions are scored on as many loops.
    /// More than the log's partitions leaves the rest idle. Default 1: a deployment scales by processes; the embedded
    /// pipeline (<c>ztstream demo</c>, <c>ztstream bench</c>) sets one per processor.
    /// </summary>
    public int Workers { get; init; } = 1;

    /// <summary>
    /// Principals this Verifier process tracks, over all its partitions (each of the <see cref="Workers"/> keeps an
    /// even share). Beyond it the least recently seen are evicted,
    /// their baselines parked in the store first (those with at least <see cref="ParkMinEvents"/> events), so a
    /// principal that returns gets its baseline back.
    /// </summary>
    public int MaxPrincipals { get; init; } = 50_000;

    /// <summary>Events a principal must have had for its state to be parked when it is evicted (a one-off principal has no baseline to keep).</summary>
    public int ParkMinEvents { get; init; } = 2;

    /// <summary>Open alerts one principal may have; further new ones are merged into that principal's one "alert flood" alert.</summary>
    public int MaxOpenAlertsPerPrincipal { get; init; } = 20;

    /// <summary>Open alerts this process keeps over all principals (each worker an even share); further new ones are merged into one instance-wide "alert flood" alert.</summary>
    public int MaxOpenAlerts { get; init; } = 5_000;

    /// <summary>Whether the ML.NET model contributes.</summary>
    public bool ModelEnabled { get; init; } = true;

    /// <summary>Event time of benign traffic collected before the first model is trained.</summary>
    public TimeSpan ModelWarmUp { get; init; } = TimeSpan.FromHours(20);

    /// <summary>Event time between retrainings.</summary>
    public TimeSpan ModelRetrainInterval { get; init; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Event time a runtime alert on a workload raises the risk of the service account it runs as (docs/detection.md,
    /// "Runtime alerts and tainted service accounts").
    /// </summary>
    public TimeSpan RuntimeTaintWindow { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Time between state checkpoints of a partition, on the monotonic clock (a step of the wall clock moves no checkpoint).</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Records after which a partition is checkpointed even before <see cref="CheckpointInterval"/>. A checkpoint
    /// serialises the partition's whole state whatever the number of records since the last one, so this bound only sets
    /// how many records a crash re-scores (50,000 is a fraction of a second of scoring); lower, it costs CPU at high rates.
    /// </summary>
    public int CheckpointEveryRecords { get; init; } = 50_000;

    /// <summary>Section <c>Verifier:Rules</c>: the detection rules that score events.</summary>
    public Rules.RuleOptions Rules { get; init; } = new();

    /// <summary>Section <c>Verifier:Authentication</c>: the sign-in and session detectors.</summary>
    public Authentication.AuthenticationOptions Authentication { get; init; } = new();
}
