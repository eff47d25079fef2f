using ZtStream.Contracts;
using System.Runtime.ExceptionServices;

namespace ZtStream.Verifier.Processing;

/// <summary>
/// One member of the Verifier's consumer group (a process runs <c>Verifier:Workers</c> of them, see
/// <see cref="VerifierWorkers"/>): consumes <c>zt.events.v1</c> in group <c>zt-verifier</c>, one <see cref="ScoringEngine"/>
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
    private readonly RuleSetHolder rules;
    private readonly StateBudget budget;
    private readonly IDisposable? watching;
    private readonly CheckpointHealth? checkpointHealth;
    private readonly TimeSpan retryBackoff;
    private readonly TimeSpan maxRetryBackoff;
    private ModelSnapshot? unsavedModel;
    private PartitionGauge[] gauges = [];
    private int assignedPartitions;

    // Whether the store may hold parked principals: until it does, a new principal is not looked up there.
    private bool anyParked = true;

    public VerifierWorker(
        IEventLog log,
        CheckpointStore checkpoints,
        IOptions<VerifierOptions> options,
        TimeProvider time,
        ILogger<VerifierWorker> logger,
        VerifierTopics? topics = null,
        RuleSetHolder? rules = null,
        StateBudget? budget = null,
        VerifierTelemetry? telemetry = null,
        CheckpointHealth? checkpointHealth = null,
        EventLogOptions? retry = null)
    {
        // A checkpoint write that fails is retried as a paused consumer retries its record: the event log's backoff.
        retry ??= new EventLogOptions();
        retryBackoff = retry.RetryBackoff > TimeSpan.Zero ? retry.RetryBackoff : TimeSpan.FromMilliseconds(10);
        maxRetryBackoff = retry.MaxRetryBackoff;
        this.checkpointHealth = checkpointHealth;
        this.rules = rules ?? new RuleSetHolder(RuleSet.Empty);
        this.budget = budget ?? new StateBudget(options.Value);
        this.telemetry = telemetry;
        watching = telemetry?.Watch(this.budget, () => Volatile.Read(ref gauges));
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
            model.NotTrained += (reason, samples) => VerifierLog.ModelNotTrained(logger, samples, reason);
        }
    }

    /// <summary>Events scored by this instance since it started (all partitions).</summary>
    public long EventsScored { get; private set; }

    /// <summary>Feedback verdicts this instance applied.</summary>
    public int FeedbackApplied { get; private set; }

    /// <summary>Alerts (new or updated) whose append succeeded: each once, however often its append was tried.</summary>
    public long AlertsAppended { get; private set; }

    /// <summary>The caps this instance keeps (principals, open alerts) and what they did.</summary>
    public StateBudget Budget => budget;

    /// <summary>Derived link records (bindings, taints) this instance folded into its partitions' state.</summary>
    public long LinksApplied { get; private set; }

    /// <summary>
    /// Called on the consumer's loop after each record is scored (and its alert, if any, appended); <c>ztstream bench</c>
    /// times the pipeline's stages with it. Kept cheap: it runs inside the partition's hand-off.
    /// </summary>
    internal Action<ConsumedRecord, ScoreResult>? RecordScored { get; set; }

    /// <summary>Principals held and the size of their checkpointed state, over every assigned partition (<c>ztstream bench</c>).</summary>
    internal async Task<(int Principals, long CheckpointBytes)> MeasureStateAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var principals = 0;
            var bytes = 0L;
            foreach (var p in partitions.Values)
            {
                principals += p.Engine.PrincipalCount;
                bytes += p.Engine.Checkpoint().Length;
            }

            return (principals, bytes);
        }
        finally
        {
            gate.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (model is not null && await checkpoints.LatestModelAsync(stoppingToken) is { } stored)
        {
            model.Load(stored);
            VerifierLog.ModelLoaded(logger, stored.Version);
        }

        // Parked baselines older than the baseline horizon have decayed to nothing: forget them.
        anyParked = await checkpoints.PruneParkedAsync(topics.Group, time.GetUtcNow() - options.BaselineHorizon, stoppingToken) > 0;

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
                await CheckpointNowAsync(topic, partition, p, cancellationToken);
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
                p.CheckFirstOffset = true;
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

            // Without a checkpoint no state holds any record, so every record is scored, from the first the log holds
            // (an offset below it resumes there, on Kafka through auto.offset.reset). Not the group's committed offset:
            // the log commits after each handled record, so after a crash before the first checkpoint landed it lies
            // past records whose baselines, counts and rule state no checkpoint kept.
            return saved?.NextOffset ?? 0;
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
                await ParkAsync(CancellationToken.None);
                await CheckpointNowAsync(topic, partition, p, CancellationToken.None);
                budget.Unregister(p.Engine);
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

            if (p.CheckFirstOffset)
            {
                p.CheckFirstOffset = false;
                ReconcileWithLog(record, p);
            }

            // Records below the checkpointed offset are already folded into the restored state.
            if (record.Offset < p.NextOffset)
            {
                return;
            }

            // The record's alerts were scored but their append failed: send them again (same ids) rather than
            // re-score, which would find the event id already seen and raise nothing.
            if (p.PendingAlert is { } pending && pending.Offset == record.Offset)
            {
                await AppendAlertAsync(pending.Alerts, cancellationToken);
                p.PendingAlert = null;
                await AppendLinksAsync(record.Topic, record.Partition, p, wait: false, cancellationToken);
                Advance(record, p);
                await MaybeCheckpointAsync(record, p, cancellationToken);
                return;
            }

            ScoreResult result;
            using var activity = VerifierTelemetry.Source.StartActivity("verifier.score");
            try
            {
                var e = p.Engine.Read(record.Value.Span);

                // A principal evicted earlier gets its parked baseline back before its event is scored. It was parked
                // under its state key, which names the cluster of a service account or node, not under the record's key.
                if (anyParked && record.Key.Length > 0 && p.Engine.KeyOf(e) is { Length: > 0 } key && !p.Engine.Knows(key)
                    && await checkpoints.ParkedAsync(topics.Group, key, cancellationToken) is { } parked)
                {
                    p.Engine.Adopt(key, Baselines.PrincipalState.FromBytes(parked));
                    VerifierLog.PrincipalUnparked(logger, ClusterKeys.Describe(key), record.Partition);
                }

                result = p.Engine.Score(e);
            }
            catch (JsonException ex)
            {
                VerifierLog.BadRecord(logger, record.Topic, record.Partition, record.Offset, ex.Message);
                activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
                throw new PoisonRecordException($"not a valid access event: {ex.Message}", ex);
            }

            if (!result.IsLink)
            {
                telemetry?.Scored(result.Score, result.Duplicate);
            }

            p.Principals = p.Engine.PrincipalCount;
            activity?.SetTag("ztstream.score", result.Score);
            if (result.Alert is { } raised)
            {
                activity?.SetTag("ztstream.alert.id", raised.Id);
                activity?.SetTag("ztstream.alert.severity", raised.Severity);
            }

            if (result.IsLink)
            {
                LinksApplied++;
            }
            else if (!result.Duplicate)
            {
                EventsScored++;
            }

            // A live alert and a staged one (the staged rules' matches) are two alerts, appended together.
            if (AlertsOf(result) is { } alerts)
            {
                // Kept until the append succeeded: a failure re-delivers the record, which sends these alerts again.
                p.PendingAlert = (record.Offset, alerts);
                await AppendAlertAsync(alerts, cancellationToken);
                p.PendingAlert = null;
            }

            await AppendLinksAsync(record.Topic, record.Partition, p, wait: false, cancellationToken);
            RecordScored?.Invoke(record, result);
            Advance(record, p);
            await ParkAsync(cancellationToken);
            if (unsavedModel is { } m)
            {
                // Cleared only once saved: a store that is down keeps the model for the next record's attempt.
                await checkpoints.SaveModelAsync(m, cancellationToken);
                unsavedModel = null;
                VerifierLog.ModelSaved(logger, m.Version, m.Samples);
            }

            await MaybeCheckpointAsync(record, p, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    private static void Advance(ConsumedRecord record, Partition p)
    {
        p.NextOffset = record.Offset + 1;
        p.SinceCheckpoint++;
    }

    private Task MaybeCheckpointAsync(ConsumedRecord record, Partition p, CancellationToken cancellationToken) =>
        p.SinceCheckpoint >= options.CheckpointEveryRecords || time.GetElapsedTime(p.LastCheckpoint) >= options.CheckpointInterval
            || p.Saving is { IsFaulted: true } or { IsCanceled: true } || p.SaveFailure is not null
            ? CheckpointAsync(record.Topic, record.Partition, p, cancellationToken)
            : Task.CompletedTask;

    /// <summary>The alerts a record raised (live, then staged); null when none.</summary>
    private static Alert[]? AlertsOf(in ScoreResult result) => (result.Alert, result.Staged) switch
    {
        (null, null) => null,
        ({ } live, null) => [live],
        (null, { } staged) => [staged],
        ({ } live, { } staged) => [live, staged],
    };

    private async Task AppendAlertAsync(Alert[] alerts, CancellationToken cancellationToken)
    {
        using (var send = EventLogTracing.StartSend(topics.Alerts, alerts.Length))
        {
            // The alerts carry this trace to the Responder (headers only while tracing is on).
            var headers = TraceHeaders.For(send);
            await log.AppendAsync(topics.Alerts, [.. alerts.Select(a => new LogRecord(a.Principal, ContractJson.Serialize(a), headers))], cancellationToken);
        }

        foreach (var alert in alerts)
        {
            telemetry?.AlertPublished(alert);
            AlertsAppended++;
            if ((alert.PrincipalCluster ?? (alert.TargetWorkload ?? alert.Workload)?.Cluster) is { } cluster)
            {
                VerifierLog.AlertRaisedInCluster(logger, alert.Id, alert.Principal, cluster, alert.Severity, alert.Score, alert.Detector, alert.Count);
            }
            else
            {
                VerifierLog.AlertRaised(logger, alert.Id, alert.Principal, alert.Severity, alert.Score, alert.Detector, alert.Count);
            }
        }
    }

    /// <summary>
    /// The first record after a restore tells whether the log and the checkpoint agree: the log hands the offset the
    /// checkpoint asked for unless it could not. A lower offset means the checkpoint is ahead of the log (the log was
    /// lost or cut back): those records were never scored, so scoring resumes at the log's position. A higher one
    /// means retention removed records before they were scored. Either is said loudly; no record is skipped.
    /// </summary>
    private void ReconcileWithLog(ConsumedRecord record, Partition p)
    {
        if (record.Offset < p.NextOffset)
        {
            VerifierLog.CheckpointAheadOfLog(logger, record.Topic, record.Partition, p.NextOffset, record.Offset);
            p.NextOffset = record.Offset;
        }
        else if (record.Offset > p.NextOffset)
        {
            VerifierLog.CheckpointBehindLog(logger, record.Topic, record.Partition, p.NextOffset, record.Offset, record.Offset - p.NextOffset);
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
            if (string.IsNullOrEmpty(f.Cluster))
            {
                VerifierLog.FeedbackApplied(logger, f.Id, f.Verdict, f.Principal, string.Join(", ", f.Rules), f.ExpiresAt);
            }
            else
            {
                VerifierLog.FeedbackAppliedInCluster(logger, f.Id, f.Verdict, f.Principal, f.Cluster, string.Join(", ", f.Rules), f.ExpiresAt);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Partitions this worker holds now (the group's split, as tests and the bench see it).</summary>
    internal int AssignedPartitions => Volatile.Read(ref assignedPartitions);

    /// <summary>Under the gate: the partitions as the gauges read them from another thread.</summary>
    private void RefreshGauges()
    {
        Volatile.Write(ref assignedPartitions, partitions.Count);
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

    /// <summary>
    /// Appends the records the partition's engine derived for other principals (runtime links), keyed by their principal, to
    /// the events topic so the partitions owning them learn it. After a record the append is started and not waited for:
    /// a durable log acknowledges only after its flush, and a loop waiting for that on every new workload binding (about
    /// one record in 75 of simulated traffic) sat idle through a flush each time. One append per partition is in flight,
    /// so links land in the order they were derived; what the engine derives meanwhile waits in its outbox and goes with
    /// the next append. The outbox is part of the checkpoint and a link leaves it only once its append succeeded, so a
    /// crash appends it again (links are idempotent, like re-scored records). <paramref name="wait"/> (before a
    /// checkpoint) waits for the append in flight and appends the rest. A log that refuses appends just now (back-pressure
    /// of the embedded log, whose backlog this very consumer drains) leaves them in the outbox; the next record or
    /// checkpoint retries. Any other failure is raised on the loop when it is seen, as it was when the loop waited.
    /// </summary>
    private async Task AppendLinksAsync(string topic, int partition, Partition p, bool wait, CancellationToken cancellationToken)
    {
        if (p.LinksInFlight is { } inFlight)
        {
            if (!inFlight.Append.IsCompleted && !wait)
            {
                return;
            }

            p.LinksInFlight = null;
            if (!await LinksAppendedAsync(topic, partition, p, inFlight.Append, inFlight.Count))
            {
                return;
            }
        }

        var outbox = p.Engine.Links.Outbox;
        if (outbox.Count == 0)
        {
            return;
        }

        Task append;
        using (var send = EventLogTracing.StartSend(topics.Events, outbox.Count))
        {
            var headers = TraceHeaders.For(send);
            var records = new LogRecord[outbox.Count];
            for (var i = 0; i < records.Length; i++)
            {
                records[i] = new LogRecord(outbox[i].PrincipalKey, ContractJson.Serialize(outbox[i]), headers);
            }

            append = log.AppendAsync(topics.Events, records, cancellationToken);
        }

        if (wait)
        {
            await LinksAppendedAsync(topic, partition, p, append, outbox.Count);
        }
        else
        {
            p.LinksInFlight = (append, outbox.Count);
            _ = AppendLinksDerivedMeanwhileAsync(topic, partition, p, append, cancellationToken);
        }
    }

    /// <summary>
    /// Once <paramref name="append"/> succeeded, appends the links the partition derived while it was in flight, on the
    /// worker's gate like a record, so they do not wait for the partition's next record. A failed append is left for the
    /// loop to see; this one only ever logs.
    /// </summary>
    private async Task AppendLinksDerivedMeanwhileAsync(string topic, int partition, Partition p, Task append, CancellationToken cancellationToken)
    {
        await append.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!append.IsCompletedSuccessfully)
        {
            return;
        }

        try
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                if (p.LinksInFlight is { } inFlight && inFlight.Append == append && p.Engine.Links.Outbox.Count > inFlight.Count
                    && partitions.TryGetValue((topic, partition), out var current) && current == p)
                {
                    await AppendLinksAsync(topic, partition, p, wait: false, cancellationToken);
                }
            }
            finally
            {
                gate.Release();
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not ObjectDisposedException)
        {
            VerifierLog.LinksDeferred(logger, topic, partition, p.Engine.Links.Outbox.Count, ex.Message);
        }
        catch (Exception)
        {
            // Stopping: the outbox is checkpointed and appended after a restore.
        }
    }

    /// <summary>Waits for an append of the outbox's first <paramref name="count"/> links; false when the log refused it (they stay).</summary>
    private async Task<bool> LinksAppendedAsync(string topic, int partition, Partition p, Task append, int count)
    {
        try
        {
            await append;
        }
        catch (EventLogUnavailableException ex)
        {
            VerifierLog.LinksDeferred(logger, topic, partition, count, ex.Message);
            return false;
        }

        p.Engine.Links.Delivered(count);
        VerifierLog.LinksAppended(logger, topic, partition, count);
        return true;
    }

    /// <summary>
    /// Writes the states the engines evicted to the store. Until it succeeds no partition is checkpointed: the last
    /// checkpoints still hold those principals, and a crash re-scores its way back to the same eviction.
    /// </summary>
    private async Task ParkAsync(CancellationToken cancellationToken)
    {
        if (budget.WaitingToPark == 0)
        {
            return;
        }

        var states = budget.ToPark.Select(x => (x.Principal, x.State.ToBytes())).ToList();
        await checkpoints.ParkAsync(topics.Group, states, cancellationToken);
        budget.MarkParked();
        anyParked = true;
        VerifierLog.PrincipalsParked(logger, states.Count, budget.Principals, budget.MaxPrincipals);
    }

    private Partition NewPartition() => new(new ScoringEngine(options, policy, model, rules, budget)) { LastCheckpoint = time.GetTimestamp() };

    /// <summary>
    /// Checkpoints on the consumer's loop without waiting for the store: the state is serialised here (so it matches
    /// <see cref="Partition.NextOffset"/> exactly) and written in the background, so the records queued behind this one
    /// — an attack's among them — are not held up by the store's write. One write per partition is in flight at a time,
    /// so checkpoints land in order; while one is in flight the next waits for a later record. A write that fails is
    /// retried in the background until it lands (<see cref="SaveRetryingAsync"/>), reported meanwhile, and raised on
    /// the next record too (a transient fault pauses the consumer as before); until it lands the previous checkpoint
    /// stays, and restoring it re-scores records with the same alert ids.
    /// </summary>
    private async Task CheckpointAsync(string topic, int partition, Partition p, CancellationToken cancellationToken)
    {
        if (p.Saving is { } saving)
        {
            if (!saving.IsCompleted)
            {
                if (p.SaveFailure is { } failure)
                {
                    // The record meets the failing write as it did before the write was retried: the failure reaches
                    // the consumer, and once the write lands the next record checkpoints again.
                    p.SinceCheckpoint = options.CheckpointEveryRecords;
                    ExceptionDispatchInfo.Throw(failure);
                }

                // Taken once the write in flight lands, record or not: an idle partition's last state is not left out.
                p.CheckpointWaiting = true;
                return;
            }

            p.Saving = null;
            if (!saving.IsCompletedSuccessfully)
            {
                // As when the write ran on the loop: the failure reaches the consumer (a transient one pauses it) and
                // the next record checkpoints again.
                p.SinceCheckpoint = options.CheckpointEveryRecords;
                await saving;
            }
        }

        if (await SnapshotAsync(topic, partition, p, cancellationToken) is { } checkpoint)
        {
            var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            p.StopRetrying = stop;
            var writing = SaveRetryingAsync(topic, partition, checkpoint, p, stop.Task, cancellationToken);
            p.Saving = writing;

            // After the write, not part of it: a partition leaving waits for the write under the gate the catch-up takes.
            _ = writing.ContinueWith(
                _ => CatchUpAsync(topic, partition, p, writing, cancellationToken),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion,
                TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Writes a checkpoint in the background and, while the store refuses it, keeps trying with the event log's backoff
    /// (<c>EventLog:RetryBackoff</c> doubled up to <c>EventLog:MaxRetryBackoff</c>) until it lands: an idle partition
    /// has no next record to raise the failure, and the state scored since the last checkpoint is at risk meanwhile.
    /// Each failure is logged (4013, then at attempts 2, 4, 8 …), counted and shown in <c>/readyz</c>, and
    /// <see cref="Partition.SaveFailure"/> lets a record that comes meanwhile meet it. The same checkpoint is written
    /// each time; a later one waits for it, so they land in order. <paramref name="stop"/> (the partition leaving, the
    /// worker stopping) ends the retries, raising the last failure: the caller writes a newer checkpoint.
    /// </summary>
    private async Task SaveRetryingAsync(string topic, int partition, PartitionCheckpoint checkpoint, Partition p, Task stop, CancellationToken cancellationToken)
    {
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await SaveAsync(topic, partition, checkpoint, cancellationToken);
                    if (attempt > 1)
                    {
                        VerifierLog.CheckpointWriteRecovered(logger, topic, partition, checkpoint.NextOffset, attempt - 1);
                    }

                    p.SaveFailure = null;
                    return;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    p.SaveFailure = ex;
                    var wait = Backoff.Exponential(attempt, retryBackoff, maxRetryBackoff);
                    telemetry?.CheckpointFailed(topic, partition);
                    checkpointHealth?.Failed(topics.Group, topic, partition, checkpoint.NextOffset, attempt, $"{ex.GetType().Name}: {ex.Message}");
                    if ((attempt & (attempt - 1)) == 0)
                    {
                        VerifierLog.CheckpointWriteFailing(logger, topic, partition, checkpoint.NextOffset, attempt, wait, ex);
                    }

                    var delay = Task.Delay(wait, time, cancellationToken);
                    if (await Task.WhenAny(delay, stop) == stop)
                    {
                        throw;
                    }

                    await delay;
                }
            }
        }
        finally
        {
            checkpointHealth?.Cleared(topics.Group, topic, partition);
        }
    }

    /// <summary>
    /// Takes the checkpoint a record skipped while <paramref name="landed"/> was in flight, once that write landed, under
    /// the gate as the loop would: the partition may have no record to come, and what it scored since would wait for one
    /// unsaved. Under the gate the loop either set <see cref="Partition.CheckpointWaiting"/> before, or finds the write
    /// done after and checkpoints itself.
    /// </summary>
    private async Task CatchUpAsync(string topic, int partition, Partition p, Task landed, CancellationToken cancellationToken)
    {
        try
        {
            await gate.WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            return; // Stopping: the stop checkpoints every partition.
        }

        try
        {
            if (partitions.TryGetValue((topic, partition), out var current) && ReferenceEquals(current, p)
                && p.CheckpointWaiting && ReferenceEquals(p.Saving, landed))
            {
                await CheckpointAsync(topic, partition, p, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Only the links' append can fail here, and it is left in the checkpointed outbox; the next record retries.
            VerifierLog.CheckpointFailed(logger, topic, partition, ex);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the stop checkpoints every partition.
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Checkpoints and waits for the write (a partition leaving, the worker stopping): after any write in flight.</summary>
    private async Task CheckpointNowAsync(string topic, int partition, Partition p, CancellationToken cancellationToken)
    {
        if (p.LinksInFlight is { } links)
        {
            // Seen before the partition goes, whether or not the checkpoint below is taken: links not appended stay in
            // the outbox, which the checkpoint holds.
            p.LinksInFlight = null;
            try
            {
                await LinksAppendedAsync(topic, partition, p, links.Append, links.Count);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                VerifierLog.LinksDeferred(logger, topic, partition, links.Count, ex.Message);
            }
        }

        if (p.Saving is { } saving)
        {
            // A write that is failing stops retrying (one in flight finishes): the checkpoint below supersedes it.
            p.Saving = null;
            p.StopRetrying?.TrySetResult();
            try
            {
                await saving;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Superseded by the checkpoint written below.
                VerifierLog.CheckpointFailed(logger, topic, partition, ex);
            }

            p.SaveFailure = null;
        }

        if (await SnapshotAsync(topic, partition, p, cancellationToken) is { } checkpoint)
        {
            await SaveAsync(topic, partition, checkpoint, cancellationToken);
        }
    }

    private async Task SaveAsync(string topic, int partition, PartitionCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        // Off the consumer's loop: the store's write runs on the thread pool while the loop scores the next records.
        await Task.Yield();
        await checkpoints.SaveAsync(topics.Group, topic, partition, checkpoint, cancellationToken);
        VerifierLog.Checkpointed(logger, topic, partition, checkpoint.NextOffset, checkpoint.State.Length);
    }

    /// <summary>The partition's state and next offset as one checkpoint; null when it must not be checkpointed now.</summary>
    private async Task<PartitionCheckpoint?> SnapshotAsync(string topic, int partition, Partition p, CancellationToken cancellationToken)
    {
        if (p.PendingAlert is not null || budget.WaitingToPark > 0)
        {
            // The state already holds a record whose alert is not on the alerts topic yet. The previous checkpoint
            // stays: restoring it re-scores that record and raises the alert again.
            return null;
        }

        try
        {
            await AppendLinksAsync(topic, partition, p, wait: true, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The outbox is part of the checkpoint below: whatever could not be appended now is appended after a restore.
            VerifierLog.LinksDeferred(logger, topic, partition, p.Engine.Links.Outbox.Count, ex.Message);
        }

        var checkpoint = new PartitionCheckpoint(p.NextOffset, p.Engine.EventsScored, p.Engine.Checkpoint());
        p.SinceCheckpoint = 0;
        p.CheckpointWaiting = false;
        p.LastCheckpoint = time.GetTimestamp();
        RefreshGauges();
        return checkpoint;
    }

    public override void Dispose()
    {
        watching?.Dispose();
        gate.Dispose();
        base.Dispose();
    }

    private sealed class Partition(ScoringEngine engine)
    {
        public ScoringEngine Engine { get; } = engine;

        public long NextOffset { get; set; }

        public int SinceCheckpoint { get; set; }

        /// <summary>
        /// When the last checkpoint was taken, on the monotonic clock (<see cref="TimeProvider.GetTimestamp"/>): a step
        /// of the wall clock back would hold checkpoints off by as long as the step, one forward would bring one early.
        /// </summary>
        public long LastCheckpoint { get; set; }

        public int Principals { get; set; }

        /// <summary>Restored from a checkpoint: the first record must be at <see cref="NextOffset"/>, else the log and the checkpoint disagree.</summary>
        public bool CheckFirstOffset { get; set; }

        /// <summary>The checkpoint write in flight, if any (one at a time, so they land in order), retried until it lands.</summary>
        public Task? Saving { get; set; }

        /// <summary>A checkpoint was due while <see cref="Saving"/> was in flight: it is taken once that write lands.</summary>
        public bool CheckpointWaiting { get; set; }

        /// <summary>Ends the retries of <see cref="Saving"/> (the partition leaving, the worker stopping).</summary>
        public TaskCompletionSource? StopRetrying { get; set; }

        /// <summary>Why the last attempt of <see cref="Saving"/> failed while it is still being retried; set off the loop.</summary>
        public Exception? SaveFailure
        {
            get => Volatile.Read(ref saveFailure);
            set => Volatile.Write(ref saveFailure, value);
        }

        private Exception? saveFailure;

        /// <summary>The append of the outbox's first Count links in flight, if any (one at a time, so links land in order).</summary>
        public (Task Append, int Count)? LinksInFlight { get; set; }

        /// <summary>The alerts scored from the record at Offset whose append has not succeeded yet.</summary>
        public (long Offset, Alert[] Alerts)? PendingAlert { get; set; }
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
