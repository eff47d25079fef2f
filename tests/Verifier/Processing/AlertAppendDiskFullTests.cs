using ZtStream.TestSupport.Faults;

namespace ZtStream.Verifier.Tests.Processing;

/// <summary>
/// The alert append fails for real: the Verifier's file log is on a small filesystem filled up after the events
/// were written. The consumer pauses (degraded) on the record, and once space is back the alert is appended exactly once.
/// </summary>
public sealed class AlertAppendDiskFullTests
{
    [Fact]
    public async Task AlertAppend_DiskFullThenFreed_TheAlertArrivesExactlyOnce()
    {
        await using var disk = await SmallDisk.MountAsync(1024 * 1024);
        var health = new ConsumerHealth(TimeProvider.System);
        using var log = new FileEventLog(
            new EventLogOptions { Kind = EventLogOptions.File, Path = Path.Combine(disk.Path, "eventlog"), Partitions = 1, RetryBackoff = TimeSpan.FromMilliseconds(20), MaxRetryBackoff = TimeSpan.FromMilliseconds(200) },
            TimeProvider.System,
            NullLogger.Instance,
            health);
        var topics = WorkerHarness.UniqueTopics();
        await using var h = await WorkerHarness.CreateAsync(log, topics);
        await log.EnsureTopicsAsync([topics.Events, topics.Alerts, topics.Feedback], CancellationToken.None);
        var exfil = await h.AppendHistoryThenExfiltrationAsync();
        h.WatchAlerts();

        disk.Fill();
        var worker = h.NewWorker();
        await worker.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => health.Paused.Count > 0, "the Verifier to pause on the refused alert", TimeSpan.FromSeconds(30));
        Assert.Contains("could not write", Assert.Single(health.Paused).Reason, StringComparison.Ordinal);
        Assert.Empty(h.AlertMessages);

        disk.Free();
        await h.StopAfterTheOnlyAlertAsync(worker, exfil, "the alert once space is back");

        Assert.Empty(health.Paused);
        await h.StopWatchingAsync();
    }
}
