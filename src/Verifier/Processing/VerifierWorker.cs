using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZtStream.Contracts;
using ZtStream.Contracts.Alerts;
using ZtStream.Contracts.Serialization;
using ZtStream.Platform.EventLog;
using ZtStream.Platform.Telemetry;
using ZtStream.Verifier.Telemetry;
using ZtStream.Verifier.Model;
using ZtStream.Verifier.Policy;
using ZtStream.Verifier.Scoring;
using ZtStream.Verifier.State;

namespace ZtStream.Verifier.Processing;

/// <summary>
/// The Verifier role: consumes <c>zt.events.v1</c> in group <c>zt-verifier</c>, one <see cref="ScoringEngine"/>
/// per assigned partition, and appends alerts to <c>zt.alerts.v1</c> (key = principal). Each partition's state is
/// checkpointed to the store together with the offset of the next record it has not folded in; on assignment the
/// checkpoint is restored and consumption resumes from that offset, so a rebalance or crash loses no baseline and
/// double-counts nothing (re-scored records give the same alert ids). Feedback (<c>zt.feedback.v1</c>) is read by
/// every instance (its own group) and applied to whichever partition holds the principal.
/// </summary>
internal sealed class VerifierWorker : BackgroundService, IRecordHandler
{
    public const string ConsumerGroup = "zt-verifier";

    private readonly VerifierTopics topics;
    private readonly IEventLog log;
    private readonly CheckpointStore checkpoints;
    private readonly VerifierOptions options;
    private readonly ZeroTrustPolicy policy;
    private readonly TimeProvider time;
    private readonly ILogger<VerifierWorker> logger;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Dictionary<(string Topic, int Partition), Partition> partitions = [];
    private readonly List<AlertFeedback> feedback = [];
    private readonly ModelHost? model;
    private readonly VerifierTelemetry? telemetry;
    private ModelSnapshot? unsavedModel;
    private PartitionGauge[] gauges = [];

    public VerifierWorker(
        IEventLog log,
        CheckpointStore checkpoints,
        IOptions<VerifierOptions> options,
        TimeProvider time,
        ILogger<VerifierWorker> logger,
        VerifierTopics? topics = null,
        VerifierTelemetry? telemetry = null)
    {
        this.telemetry = telemetry;
        telemetry?.Watch(() => Volatile.Read(ref gauges));
        this.topics = topics ?? VerifierTopics.Default;
        this.log = log;
        this.checkpoints = checkpoints;
        this.options = options.Value;
        this.time = time;
        this.logger = logger;
        policy = this.options.PolicyPath is { } path ? PolicyLoader.LoadFile(path) : DefaultPolicy.Load();
        if (this.options.ModelEnabled)
        {
            model = new ModelHost(this.options);
            model.Trained += m => unsavedModel = m;
        }
    }

    /// <summary>Events scored by this instance since it started (all partitions).</summary>
    public long EventsScored { get; private set; }

    /// <summary>Feedback verdicts this instance applied.</summary>
    public int FeedbackApplied { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (model is not null && await checkpoints.LatestModelAsync(stoppingToken) is { } stored)
        {
            model.Load(stored);
            VerifierLog.ModelLoaded(logger, stored.Version);
        }

        var feedbackHandler = new FeedbackHandler(this);
        await Task.WhenAll(
            log.ConsumeAsync(new ConsumerSpec(topics.Group, [topics.Events]), this, stoppingToken),
            log.ConsumeAsync(new ConsumerSpec($"{topics.Group}-feedback-{Guid.NewGuid():N}", [topics.Feedback]), feedbackHandler, stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var ((topic, partition), p) in partitions)
            {
                await CheckpointAsync(topic, partition, p, cancellationToken);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask<long?> OnPartitionAssignedAsync(string topic, int partition, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var p = NewPartition();
            var saved = await checkpoints.LoadAsync(topics.Group, topic, partition, cancellationToken);
            if (saved is not null)
            {
                p.Engine.Restore(saved.State);
                p.NextOffset = saved.NextOffset;
                VerifierLog.PartitionRestored(logger, topic, partition, p.Engine.PrincipalCount, saved.NextOffset);
            }
            else
            {
                VerifierLog.PartitionCold(logger, topic, partition);
            }

            foreach (var f in feedback)
            {
                p.Engine.ApplyFeedback(f);
            }

            partitions[(topic, partition)] = p;
            RefreshGauges();
            return saved?.NextOffset;
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask OnPartitionRevokedAsync(string topic, int partition, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(CancellationToken.None);
        try
        {
            if (partitions.Remove((topic, partition), out var p))
            {
                await CheckpointAsync(topic, partition, p, CancellationToken.None);
                VerifierLog.PartitionRevoked(logger, topic, partition, p.NextOffset);
                RefreshGauges();
            }
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task HandleAsync(ConsumedRecord record, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (!partitions.TryGetValue((record.Topic, record.Partition), out var p))
            {
                p = NewPartition();
                partitions[(record.Topic, record.Partition)] = p;
                RefreshGauges();
            }

            // Records below the checkpointed offset are already folded into the restored state.
            if (record.Offset < p.NextOffset)
            {
                return;
            }

            ScoreResult result;
            using var activity = VerifierTelemetry.Source.StartActivity("verifier.score");
            try
            {
                result = p.Engine.Score(record.Value.Span);
            }
            catch (JsonException ex)
            {
                VerifierLog.BadRecord(logger, record.Topic, record.Partition, record.Offset, ex.Message);
                activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
                throw new PoisonRecordException($"not a valid access event: {ex.Message}", ex);
            }

            telemetry?.Scored(result.Score, result.Duplicate);
            p.Principals = p.Engine.PrincipalCount;
            activity?.SetTag("ztstream.score", result.Score);
            if (result.Alert is { } alert)
            {
                activity?.SetTag("ztstream.alert.id", alert.Id);
                activity?.SetTag("ztstream.alert.severity", alert.Severity);
                using (var send = EventLogTracing.StartSend(topics.Alerts, 1))
                {
                    // The alert carries this trace to the Responder (headers only while tracing is on).
                    await log.AppendAsync(topics.Alerts, [new LogRecord(alert.Principal, ContractJson.Serialize(alert), TraceHeaders.For(send))], cancellationToken);
                }

                telemetry?.AlertPublished(alert);
                VerifierLog.AlertRaised(logger, alert.Id, alert.Principal, alert.Severity, alert.Score, alert.Detector, alert.Count);
            }

            if (!result.Duplicate)
            {
                EventsScored++;
            }

            p.NextOffset = record.Offset + 1;
            p.SinceCheckpoint++;
            if (unsavedModel is { } m)
            {
                unsavedModel = null;
                await checkpoints.SaveModelAsync(m, cancellationToken);
                VerifierLog.ModelSaved(logger, m.Version, m.Samples);
            }

            if (p.SinceCheckpoint >= options.CheckpointEveryRecords || time.GetUtcNow() - p.LastCheckpoint >= options.CheckpointInterval)
            {
                await CheckpointAsync(record.Topic, record.Partition, p, cancellationToken);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task ApplyFeedbackAsync(AlertFeedback f, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            feedback.RemoveAll(x => x.ExpiresAt <= f.At);
            feedback.Add(f);
            foreach (var p in partitions.Values)
            {
                p.Engine.ApplyFeedback(f);
            }

            FeedbackApplied++;
            VerifierLog.FeedbackApplied(logger, f.Id, f.Verdict, f.Principal, string.Join(", ", f.Rules), f.ExpiresAt);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Under the gate: the partitions as the gauges read them from another thread.</summary>
    private void RefreshGauges()
    {
        if (telemetry is null)
        {
            return;
        }

        var view = new PartitionGauge[partitions.Count];
        var i = 0;
        foreach (var ((topic, partition), p) in partitions)
        {
            view[i++] = new PartitionGauge(topic, partition, p.Principals, p.LastCheckpoint);
        }

        Volatile.Write(ref gauges, view);
    }

    private Partition NewPartition() => new(new ScoringEngine(options, policy, model)) { LastCheckpoint = time.GetUtcNow() };

    private async Task CheckpointAsync(string topic, int partition, Partition p, CancellationToken cancellationToken)
    {
        var state = p.Engine.Checkpoint();
        await checkpoints.SaveAsync(topics.Group, topic, partition, new PartitionCheckpoint(p.NextOffset, p.Engine.EventsScored, state), cancellationToken);
        p.SinceCheckpoint = 0;
        p.LastCheckpoint = time.GetUtcNow();
        RefreshGauges();
        VerifierLog.Checkpointed(logger, topic, partition, p.NextOffset, state.Length);
    }

    public override void Dispose()
    {
        gate.Dispose();
        base.Dispose();
    }

    private sealed class Partition(ScoringEngine engine)
    {
        public ScoringEngine Engine { get; } = engine;

        public long NextOffset { get; set; }

        public int SinceCheckpoint { get; set; }

        public DateTimeOffset LastCheckpoint { get; set; }

        public int Principals { get; set; }
    }

    private sealed class FeedbackHandler(VerifierWorker worker) : IRecordHandler
    {
        public Task HandleAsync(ConsumedRecord record, CancellationToken cancellationToken)
        {
            AlertFeedback f;
            try
            {
                f = ContractJson.DeserializeFeedback(record.Value.Span);
            }
            catch (JsonException ex)
            {
                throw new PoisonRecordException($"not valid feedback: {ex.Message}", ex);
            }

            return worker.ApplyFeedbackAsync(f, cancellationToken);
        }
    }
}

/// <summary>Where the worker reads and writes; tests give each run its own topics and group.</summary>
internal sealed record VerifierTopics(string Events, string Alerts, string Feedback, string Group)
{
    public static VerifierTopics Default { get; } = new(Topics.Events, Topics.Alerts, Topics.Feedback, VerifierWorker.ConsumerGroup);
}
