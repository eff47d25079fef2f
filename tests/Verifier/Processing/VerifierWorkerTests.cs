using ZtStream.Verifier.Tests.Runtime;

namespace ZtStream.Verifier.Tests.Processing;

public sealed class VerifierWorkerTests
{
    [Fact]
    public async Task Restart_FromCheckpoint_KeepsBaselines_ScoresNothingTwice()
    {
        using var log = new InProcessEventLog(new EventLogOptions { Partitions = 2 }, TimeProvider.System, NullLogger<InProcessEventLog>.Instance);
        await using var h = await WorkerHarness.CreateAsync(log, WorkerHarness.UniqueTopics());
        h.WatchAlerts();

        var history = Events.WarmHistory().Concat(Events.WarmHistory("system:serviceaccount:shop:worker", "shop/worker-1")).ToList();
        await h.AppendAsync(history);
        var first = h.NewWorker();
        await first.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => first.EventsScored == history.Count, "the history to be scored", TimeSpan.FromSeconds(30));
        await AssertRestartScoresOnlyTheExfiltrationAsync(h, first);
        await h.StopWatchingAsync();
    }

    /// <summary>
    /// A record another producer wrote with null where the contract has none goes to the dead-letter topic as not an
    /// access event. It used to fail inside a detector, and its retry then found its id already seen and passed it over.
    /// </summary>
    [Fact]
    public async Task Record_NullWhereTheContractHasNone_IsDeadLetteredNotPassedOver()
    {
        using var log = new InProcessEventLog(new EventLogOptions { Partitions = 1 }, TimeProvider.System, NullLogger<InProcessEventLog>.Instance);
        await using var h = await WorkerHarness.CreateAsync(log, WorkerHarness.UniqueTopics());
        var foreign = Encoding.UTF8.GetBytes("""{"id":"foreign-1","time":"2026-01-05T00:00:00+00:00","kind":null,"subject":{"id":"mallory"}}""");
        await log.AppendAsync(h.Topics.Events, [new LogRecord("mallory", foreign)], CancellationToken.None);
        await h.AppendAsync([Events.Read(Events.T0)]);

        var worker = h.NewWorker();
        await worker.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => worker.EventsScored == 1, "the good record to be scored after the foreign one");
        var dead = await log.ReadAsync(DeadLetterHeaders.TopicFor(h.Topics.Events), 0, 0, 10, CancellationToken.None);
        await worker.StopAsync(CancellationToken.None);
        worker.Dispose();

        var record = Assert.Single(dead);
        Assert.Equal(foreign, record.Value.ToArray());
        Assert.StartsWith("poison: not a valid access event", record.Headers[DeadLetterHeaders.Reason], StringComparison.Ordinal);
    }

    /// <summary>
    /// A record that derives a link (a service account's token used from a pod it was never seen on) does not hold the
    /// loop until the log acknowledged the link: the records behind it are scored while the append is still in flight,
    /// and the link derived meanwhile follows once the first one is in, in order, without waiting for another record.
    /// </summary>
    [Fact]
    public async Task LinkAppend_InFlight_LaterRecordsScoredAndLinksAppendedInOrder()
    {
        using var inner = NewMemoryLog(1);
        using var log = new HoldingLinkAppends(inner);
        await using var h = await WorkerHarness.CreateAsync(log, WorkerHarness.UniqueTopics());
        log.EventsTopic = h.Topics.Events;
        var at = new DateTimeOffset(2026, 1, 7, 10, 0, 0, TimeSpan.Zero);
        await inner.AppendAsync(h.Topics.Events, [.. new[]
        {
            TaintedServiceAccountTests.TokenUse("use-1", at, "web-1"),
            TaintedServiceAccountTests.TokenUse("use-2", at.AddMinutes(1), "web-1"),
            TaintedServiceAccountTests.TokenUse("use-3", at.AddMinutes(2), "web-2", ip: "10.4.2.18"),
            TaintedServiceAccountTests.TokenUse("use-4", at.AddMinutes(3), "web-2", ip: "10.4.2.18"),
        }.Select(e => new LogRecord(e.PrincipalKey, ContractJson.Serialize(e)))], CancellationToken.None);

        var worker = h.NewWorker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.HoldsAsync(() => worker.EventsScored == 4, "the records behind the first link, its append held", TimeSpan.FromSeconds(30));
            Assert.Equal(1, log.HeldAppends);
            Assert.Equal(0, worker.LinksApplied);

            log.Release();
            await Eventually.HoldsAsync(() => worker.LinksApplied == 2, "both links, the second without another record", TimeSpan.FromSeconds(30));
        }
        finally
        {
            log.Release(); // a worker waiting for the held append would not stop
            await worker.StopAsync(CancellationToken.None);
            worker.Dispose();
        }

        var records = await inner.ReadAsync(h.Topics.Events, 0, 0, 10, CancellationToken.None);
        var links = records.Skip(4).Select(r => ContractJson.DeserializeEvent(r.Value.Span)).ToList();
        Assert.Equal(["shop/web-1", "shop/web-2"], links.Select(l => l.Workload?.Id));
        Assert.Equal(2, log.Appends);
    }

    /// <summary>
    /// Stops <paramref name="first"/> (which raised nothing on the history) and starts a new worker after an
    /// exfiltration-sized read is appended: only that event is scored, against the restored baseline.
    /// </summary>
    private static async Task AssertRestartScoresOnlyTheExfiltrationAsync(WorkerHarness h, VerifierWorker first)
    {
        await first.StopAsync(CancellationToken.None);
        first.Dispose();
        Assert.Empty(h.Alerts);

        await AssertNewWorkerScoresOnlyTheExfiltrationAsync(h);
    }

    /// <summary>
    /// Appends an exfiltration-sized read and runs a new worker until it alerts: only that event is scored, and against
    /// the restored 48-hour baseline (a cold or partial state would not know the 1.1 MB mean).
    /// </summary>
    private static async Task AssertNewWorkerScoresOnlyTheExfiltrationAsync(WorkerHarness h)
    {
        var exfil = Events.Read(Events.T0.AddHours(49), bytes: 2_000_000_000);
        await h.AppendAsync([exfil]);
        var second = h.NewWorker();
        await second.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => !h.Alerts.IsEmpty, "the exfiltration alert", TimeSpan.FromSeconds(30));
        await second.StopAsync(CancellationToken.None);
        second.Dispose();

        Assert.Equal(1, second.EventsScored);
        var alert = Assert.Single(h.Alerts.Values);
        Assert.Equal(exfil.PrincipalKey, alert.Principal);
        Assert.Equal([exfil.Id], alert.EvidenceEventIds);
        Assert.Contains(alert.Reasons, r => r.Rule == "bytes_spike" && r.Text.Contains("30-day mean 1.1 MB", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Feedback_OnTopic_SuppressesThatScope()
    {
        using var log = new InProcessEventLog(new EventLogOptions { Partitions = 1 }, TimeProvider.System, NullLogger<InProcessEventLog>.Instance);
        await using var h = await WorkerHarness.CreateAsync(log, WorkerHarness.UniqueTopics());
        h.WatchAlerts();
        await h.AppendAsync(Events.WarmHistory());
        var worker = h.NewWorker();
        await worker.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => worker.EventsScored == 48, "history", TimeSpan.FromSeconds(30));

        var feedback = new AlertFeedback
        {
            Id = "fb", AlertId = "alt", Verdict = "false_positive", Principal = "system:serviceaccount:shop:api", Rules = ["baseline/bytes_spike"],
            ResourceClass = "internal/orders", By = "analyst", At = Events.T0.AddHours(48), ExpiresAt = Events.T0.AddDays(30),
        };
        await log.AppendAsync(h.Topics.Feedback, [new LogRecord(feedback.Principal, ContractJson.Serialize(feedback))], CancellationToken.None);
        await Eventually.HoldsAsync(() => worker.FeedbackApplied == 1, "the feedback", TimeSpan.FromSeconds(30));
        await h.AppendAsync([Events.Read(Events.T0.AddHours(49), bytes: 2_000_000_000), Events.Read(Events.T0.AddHours(49.1), dataClass: "internal/billing", bytes: 2_000_000_000)]);
        await Eventually.HoldsAsync(() => !h.Alerts.IsEmpty, "the alert outside the suppressed scope", TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(() => worker.EventsScored == 50, "both events", TimeSpan.FromSeconds(30));
        await worker.StopAsync(CancellationToken.None);
        worker.Dispose();

        var alert = Assert.Single(h.Alerts.Values);
        Assert.Equal("internal/billing", alert.ResourceClass);
        await h.StopWatchingAsync();
    }

    [Fact]
    public async Task Restart_OnALogThatLostItsRecords_ScoresTheNewEventsInsteadOfSkippingThem()
    {
        // The checkpoint says "next is offset 48"; the new log starts again at 0 (a memory log after a restart, or a
        // file log whose folder was lost). Before, every record below 48 was taken as already scored.
        await using var h = await WorkerHarness.CreateAsync(NewMemoryLog(1), WorkerHarness.UniqueTopics());
        await h.AppendAsync(Events.WarmHistory());
        var first = h.NewWorker();
        await first.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => first.EventsScored == 48, "the history to be scored", TimeSpan.FromSeconds(30));
        await first.StopAsync(CancellationToken.None);
        first.Dispose();

        using var emptied = NewMemoryLog(1);
        var after = h.WithLog(emptied);
        after.WatchAlerts();

        await AssertNewWorkerScoresOnlyTheExfiltrationAsync(after);
        await after.StopWatchingAsync();
    }

    /// <summary>
    /// A crash before the first checkpoint landed leaves the group's offset committed past records no checkpoint holds
    /// (the log commits after each handled record): a worker that finds no checkpoint scores from the first record the
    /// log holds, so the baselines those records built are there for the exfiltration. Before, it resumed cold at the
    /// committed offset and the records before it were never in any state.
    /// </summary>
    [Fact]
    public async Task Assigned_NoCheckpointButACommittedOffset_ScoresFromTheFirstRecord()
    {
        using var log = NewMemoryLog(1);
        await using var h = await WorkerHarness.CreateAsync(log, WorkerHarness.UniqueTopics());
        h.WatchAlerts();
        var history = Events.WarmHistory().ToList();
        await h.AppendAsync(history);
        await ((IEventLogBrowser)log).CommitOffsetAsync(h.Topics.Group, h.Topics.Events, 0, history.Count, CancellationToken.None);
        var exfil = Events.Read(Events.T0.AddHours(49), bytes: 2_000_000_000);
        await h.AppendAsync([exfil]);

        var worker = h.NewWorker();
        await worker.StartAsync(CancellationToken.None);
        await h.StopAfterTheOnlyAlertAsync(worker, exfil, "the exfiltration alert");

        Assert.Equal(history.Count + 1, worker.EventsScored);
        var alert = Assert.Single(h.Alerts.Values);
        Assert.Contains(alert.Reasons, r => r.Rule == "bytes_spike" && r.Text.Contains("30-day mean 1.1 MB", StringComparison.Ordinal));
        await h.StopWatchingAsync();
    }

    [Fact]
    public async Task AlertAppend_FailsOnce_TheAlertIsAppendedOnRetryExactlyOnce()
    {
        var log = new RefusingAlertsOnce(NewMemoryLog(1));
        await using var h = await WorkerHarness.CreateAsync(log, WorkerHarness.UniqueTopics());
        log.AlertsTopic = h.Topics.Alerts;
        h.WatchAlerts();
        var exfil = await h.AppendHistoryThenExfiltrationAsync();

        var worker = h.NewWorker();
        await worker.StartAsync(CancellationToken.None);
        await h.StopAfterTheOnlyAlertAsync(worker, exfil, "the alert after the failed append");

        Assert.Equal(1, log.Refused);
        Assert.Equal(1, worker.AlertsAppended);
        await h.StopWatchingAsync();
    }

    [Fact]
    public async Task CheckpointWrites_FailWhileTheStoreIsDown_TheCheckpointAfterItHoldsEveryEvent()
    {
        // Checkpoints are written off the consumer's loop: a write the store refuses must still reach the consumer,
        // and the checkpoint written once the store is back must hold every record scored meanwhile.
        using var log = NewMemoryLog(1);
        await using var h = await WorkerHarness.CreateAsync(log, WorkerHarness.UniqueTopics());
        h.WatchAlerts();
        var store = new StoreThatGoesDown(h.Store);
        var first = h.NewWorker(store);
        await first.StartAsync(CancellationToken.None);
        await h.AppendAsync([Events.WarmHistory().First()]);
        await Eventually.HoldsAsync(() => first.EventsScored == 1, "the first event", TimeSpan.FromSeconds(30));

        store.Down = true;
        var history = Events.WarmHistory().Skip(1).ToList();
        await h.AppendAsync(history);
        await Eventually.HoldsAsync(() => first.EventsScored == history.Count + 1, "the history, with the store down", TimeSpan.FromSeconds(60));
        // The checkpoint after the last record is written off the loop, so it may still be on its way.
        await Eventually.HoldsAsync(() => store.Refused > 0, "a checkpoint write refused while the store was down", TimeSpan.FromSeconds(30));
        store.Down = false;
        await AssertRestartScoresOnlyTheExfiltrationAsync(h, first);
        await h.StopWatchingAsync();
    }

    /// <summary>
    /// The wall clock steps back an hour (an NTP step, a VM resumed from a snapshot) while a partition scores: its next
    /// checkpoint still comes <c>CheckpointInterval</c> after the last, timed on the monotonic clock. Before, the
    /// interval was timed on the wall clock, and none came by time until the clock had made the hour up again.
    /// </summary>
    [Fact]
    public async Task WallClockStepsBack_TheNextCheckpointStillComesAfterTheInterval()
    {
        using var log = NewMemoryLog(1);
        await using var h = await WorkerHarness.CreateAsync(log, WorkerHarness.UniqueTopics());
        var clock = new ZtStream.TestSupport.Faults.SteppedSystemClock();
        var checkpoints = new CheckpointStore(h.Store, TimeProvider.System);
        var options = new VerifierOptions { ModelEnabled = false, CheckpointEveryRecords = 100_000, CheckpointInterval = TimeSpan.FromMilliseconds(300) };
        using var worker = new VerifierWorker(log, checkpoints, Options.Create(options), clock, NullLogger<VerifierWorker>.Instance, h.Topics);
        await h.AppendAsync([Events.Read(Events.T0)]);
        await worker.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => worker.EventsScored == 1, "the first event");

        clock.Offset = TimeSpan.FromHours(-1);
        await Task.Delay(options.CheckpointInterval * 2, Ct);
        await h.AppendAsync([Events.Read(Events.T0.AddMinutes(1))]);
        var saved = await Eventually.WithinAsync(
            async () => (await checkpoints.LoadAsync(h.Topics.Group, h.Topics.Events, 0, Ct))?.EventsScored == 2, TimeSpan.FromSeconds(10), Ct);
        await worker.StopAsync(CancellationToken.None);

        Assert.True(saved, "no checkpoint after the second event, the interval long past by the monotonic clock");
    }

    private static InProcessEventLog NewMemoryLog(int partitions) =>
        new(new EventLogOptions { Partitions = partitions, RetryBackoff = TimeSpan.FromMilliseconds(20) }, TimeProvider.System, NullLogger<InProcessEventLog>.Instance);

    /// <summary>A store that refuses every connection while <see cref="Down"/>, as a store that stopped does.</summary>
    private sealed class StoreThatGoesDown(IStore inner) : IStore
    {
        private int refused;

        public volatile bool Down;

        public int Refused => Volatile.Read(ref refused);

        public StoreDialect Dialect => inner.Dialect;

        public ValueTask<System.Data.Common.DbConnection> OpenAsync(CancellationToken cancellationToken)
        {
            if (Down)
            {
                Interlocked.Increment(ref refused);
                throw new TimeoutException("the store is down");
            }

            return inner.OpenAsync(cancellationToken);
        }
    }

    /// <summary>
    /// A log that holds the first append to the events topic (the worker's links: the test appends its events to the inner
    /// log) until <see cref="Release"/>, as a durable log holds an append until its flush.
    /// </summary>
    private sealed class HoldingLinkAppends(InProcessEventLog inner) : IEventLog, IDisposable
    {
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int appends;
        private int held;

        public string EventsTopic { get; set; } = "";

        public int Appends => Volatile.Read(ref appends);

        public int HeldAppends => Volatile.Read(ref held);

        public void Release() => released.TrySetResult();

        public async Task AppendAsync(string topic, IReadOnlyList<LogRecord> records, CancellationToken cancellationToken)
        {
            if (topic == EventsTopic)
            {
                Interlocked.Increment(ref appends);
                if (!released.Task.IsCompleted)
                {
                    Interlocked.Increment(ref held);
                    await released.Task.WaitAsync(cancellationToken);
                }
            }

            await inner.AppendAsync(topic, records, cancellationToken);
        }

        public Task ConsumeAsync(ConsumerSpec spec, IRecordHandler handler, CancellationToken cancellationToken) =>
            inner.ConsumeAsync(spec, handler, cancellationToken);

        public void Dispose() => inner.Dispose();
    }

    /// <summary>A log whose first append to the alerts topic is refused as unavailable, as a full or failing log refuses it.</summary>
    private sealed class RefusingAlertsOnce(InProcessEventLog inner) : IEventLog, IDisposable
    {
        private int refused;

        public string AlertsTopic { get; set; } = "";

        public int Refused => refused;

        public Task AppendAsync(string topic, IReadOnlyList<LogRecord> records, CancellationToken cancellationToken) =>
            topic == AlertsTopic && Interlocked.CompareExchange(ref refused, 1, 0) == 0
                ? throw new EventLogUnavailableException("the log is full", TimeSpan.FromMilliseconds(50))
                : inner.AppendAsync(topic, records, cancellationToken);

        public Task ConsumeAsync(ConsumerSpec spec, IRecordHandler handler, CancellationToken cancellationToken) =>
            inner.ConsumeAsync(spec, handler, cancellationToken);

        public void Dispose() => inner.Dispose();
    }
}
