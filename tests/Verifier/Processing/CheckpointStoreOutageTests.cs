using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using ZtStream.Platform.Store.Postgres;
using ZtStream.TestSupport.Logging;
using ZtStream.Verifier.Telemetry;

namespace ZtStream.Verifier.Tests.Processing;

/// <summary>
/// The store goes away while a partition is idle, right after its last record: a real PostgreSQL server of this test's
/// own is stopped before that record's checkpoint is written, and no record follows to raise the failure. The failed
/// write must still be reported (log 4013, the failure counter, <c>/readyz</c> degraded) and retried until the server is
/// started again, when the checkpoint lands, the report clears, and the alert of that last record stays the only one.
/// </summary>
public sealed class CheckpointStoreOutageTests
{
    private const string Failures = "ztstream.verifier.checkpoint.failures";

    [Fact]
    public async Task IdlePartition_StoreStoppedUnderItsLastCheckpoint_ReportedAndRetriedUntilTheCheckpointLands()
    {
        await using var postgres = new PostgresFixture();
        await using var store = new PostgresStore(await postgres.CreateStoreAsync(Ct));
        using var log = new InProcessEventLog(new EventLogOptions { Partitions = 1, RetryBackoff = TimeSpan.FromMilliseconds(20) }, TimeProvider.System, NullLogger<InProcessEventLog>.Instance);
        await using var h = await WorkerHarness.CreateAsync(log, WorkerHarness.UniqueTopics(), store);
        h.WatchAlerts();
        var captured = new CapturedLog();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(captured));
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var failures = 0L;
        using var listener = CountFailures(meters, n => Interlocked.Add(ref failures, n));
        var health = new CheckpointHealth(TimeProvider.System);
        var checkpoints = new CheckpointStore(store, TimeProvider.System);

        // A checkpoint after every record, so the exfiltration's own is written just as the store is stopped.
        var worker = new VerifierWorker(
            log,
            checkpoints,
            Options.Create(new VerifierOptions { ModelEnabled = false, CheckpointEveryRecords = 1 }),
            TimeProvider.System,
            loggers.CreateLogger<VerifierWorker>(),
            h.Topics,
            telemetry: new VerifierTelemetry(meters, TimeProvider.System),
            checkpointHealth: health,
            retry: new EventLogOptions { RetryBackoff = TimeSpan.FromMilliseconds(50), MaxRetryBackoff = TimeSpan.FromMilliseconds(500) });
        await worker.StartAsync(CancellationToken.None);
        var history = Events.WarmHistory().ToList();
        await h.AppendAsync(history);
        await Eventually.HoldsAsync(() => worker.EventsScored == history.Count, "the history to be scored", TimeSpan.FromSeconds(30));
        var end = (await log.PartitionsAsync(h.Topics.Events, Ct))[0].End;
        await Eventually.HoldsAsync(
            async () => await checkpoints.LoadAsync(h.Topics.Group, h.Topics.Events, 0, Ct) is { } c && c.NextOffset == end,
            "the history's last checkpoint to land",
            TimeSpan.FromSeconds(30));

        await postgres.StopServerAsync();
        var exfil = Events.Read(Events.T0.AddHours(49), bytes: 2_000_000_000);
        await h.AppendAsync([exfil]);
        await Eventually.HoldsAsync(() => !h.AlertMessages.IsEmpty, "the exfiltration alert", TimeSpan.FromSeconds(30));

        // Idle from here on: only the worker itself can notice that the write failed, and try it again.
        await Eventually.HoldsAsync(() => health.Failing.Any(f => f.Attempts >= 3), "the write to fail and be retried", TimeSpan.FromSeconds(60));
        var failing = Assert.Single(health.Failing);
        Assert.Equal((h.Topics.Events, 0, end + 1), (failing.Topic, failing.Partition, failing.Offset));
        Assert.Equal(HealthStatus.Degraded, (await HealthOf(health)).Status);
        Assert.Contains(captured.Lines, l => l.Id.Id == 4013 && l.Message.Contains($"offset {end + 1} ", StringComparison.Ordinal));
        Assert.True(Interlocked.Read(ref failures) >= 3, $"{Interlocked.Read(ref failures)} failures counted");
        Assert.Equal(history.Count + 1, worker.EventsScored);

        await postgres.StartServerAsync();
        await Eventually.HoldsAsync(
            async () => await checkpoints.LoadAsync(h.Topics.Group, h.Topics.Events, 0, Ct) is { } c && c.NextOffset == end + 1,
            "the checkpoint to land once the store is back",
            TimeSpan.FromSeconds(60));
        await Eventually.HoldsAsync(() => health.Failing.Count == 0, "the report to clear", TimeSpan.FromSeconds(30));
        Assert.Equal(HealthStatus.Healthy, (await HealthOf(health)).Status);
        Assert.Contains(captured.Lines, l => l.Id.Id == 4014);

        // The landed checkpoint holds the exfiltration: a worker restored from it scores nothing again and alerts nothing.
        await worker.StopAsync(CancellationToken.None);
        worker.Dispose();
        var restored = h.NewWorker();
        await restored.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => restored.AssignedPartitions == 1, "the partition to be restored", TimeSpan.FromSeconds(30));
        await Task.Delay(300, Ct); // room for a re-scored record or a duplicate alert to show up
        await restored.StopAsync(CancellationToken.None);
        restored.Dispose();
        Assert.Equal(0, restored.EventsScored);
        var alert = Assert.Single(h.AlertMessages);
        Assert.Equal([exfil.Id], alert.EvidenceEventIds);
        await h.StopWatchingAsync();
    }

    private static Task<HealthCheckResult> HealthOf(CheckpointHealth health) =>
        health.CheckHealthAsync(new HealthCheckContext { Registration = new HealthCheckRegistration("checkpoints", health, null, null) }, Ct);

    private static MeterListener CountFailures(IMeterFactory factory, Action<long> add)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == Failures && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => add(value));
        listener.Start();
        return listener;
    }
}
