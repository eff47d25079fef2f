using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZtStream.Contracts;
using ZtStream.Contracts.Alerts;
using ZtStream.Contracts.Serialization;
using ZtStream.Platform.EventLog;
using ZtStream.Verifier.Model;
using ZtStream.Verifier.Policy;
using ZtStream.Verifier.Rules;
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
    private readonly RuleSetHolder rules;
    private ModelSnapshot? unsavedModel;

    public VerifierWorker(IEventLog log, CheckpointStore checkpoints, IOptions<VerifierOptions> options, TimeProvider time, ILogger<VerifierWorker> logger, VerifierTopics? topics = null, RuleSetHolder? rules = null)
    {
        this.rules = rules ?? new RuleSetHolder(RuleSet.Empty);
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

    /// <summary>Derived link records (bindings, taints) this instance folded into its partitions' state.</summary>
    public long LinksApplied { get; private set; }

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
            }

            // Records below the checkpointed offset are already folded into the restored state.
            if (record.Offset < p.NextOffset)
            {
                return;
            }

            ScoreResult result;
            try
            {
                result = p.Engine.Score(record.Value.Span);
            }
            catch (JsonException ex)
            {
                VerifierLog.BadRecord(logger, record.Topic, record.Partition, record.Offset, ex.Message);
                throw new PoisonRecordException($"not a valid access event: {ex.Message}", ex);
            }

            if (result.Alert is { } alert)
            {
                await log.AppendAsync(topics.Alerts, [new LogRecord(alert.Principal, ContractJson.Serialize(alert))], cancellationToken);
                VerifierLog.AlertRaised(logger, alert.Id, alert.Principal, alert.Severity, alert.Score, alert.Detector, alert.Count);
            }

            await AppendLinksAsync(record.Topic, record.Partition, p, cancellationToken);
            if (result.IsLink)
            {
                LinksApplied++;
            }
            else if (!result.Duplicate)
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

    /// <summary>
    /// Appends the records the partition's engine derived for other principals (runtime links), keyed by their principal, to
    /// the events topic so the partitions owning them learn it. A log that refuses appends just now (back-pressure of the
    /// embedded log, whose backlog this very consumer drains) leaves them in the engine's outbox, which the checkpoint
    /// keeps; the next record or checkpoint retries.
    /// </summary>
    private async Task AppendLinksAsync(string topic, int partition, Partition p, CancellationToken cancellationToken)
    {
        var outbox = p.Engine.Links.Outbox;
        if (outbox.Count == 0)
        {
            return;
        }

        var records = new LogRecord[outbox.Count];
        for (var i = 0; i < records.Length; i++)
        {
            records[i] = new LogRecord(outbox[i].PrincipalKey, ContractJson.Serialize(outbox[i]));
        }

        try
        {
            await log.AppendAsync(topics.Events, records, cancellationToken);
        }
        catch (EventLogUnavailableException ex)
        {
            VerifierLog.LinksDeferred(logger, topic, partition, records.Length, ex.Message);
            return;
        }

        p.Engine.Links.Delivered(records.Length);
        VerifierLog.LinksAppended(logger, topic, partition, records.Length);
    }

    private Partition NewPartition() => new(new ScoringEngine(options, policy, model, rules)) { LastCheckpoint = time.GetUtcNow() };

    private async Task CheckpointAsync(string topic, int partition, Partition p, CancellationToken cancellationToken)
    {
        try
        {
            await AppendLinksAsync(topic, partition, p, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The outbox is part of the checkpoint below: whatever could not be appended now is appended after a restore.
            VerifierLog.LinksDeferred(logger, topic, partition, p.Engine.Links.Outbox.Count, ex.Message);
        }

        var state = p.Engine.Checkpoint();
        await checkpoints.SaveAsync(topics.Group, topic, partition, new PartitionCheckpoint(p.NextOffset, p.Engine.EventsScored, state), cancellationToken);
        p.SinceCheckpoint = 0;
        p.LastCheckpoint = time.GetUtcNow();
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
