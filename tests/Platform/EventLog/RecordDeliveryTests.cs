using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ZtStream.Platform.Tests.EventLog;

/// <summary>Transient failures pause a consumer (health: degraded) without ever dead-lettering; deterministic ones do not pause.</summary>
public sealed class RecordDeliveryTests
{
    [Fact]
    public async Task Handle_StoreBusyFarPastMaxAttempts_PausesDegradedThenResumesWithoutDeadLettering()
    {
        var health = new ConsumerHealth(TimeProvider.System);
        using var log = new InProcessEventLog(
            new EventLogOptions { Partitions = 1, RetryBackoff = TimeSpan.FromMilliseconds(5), MaxRetryBackoff = TimeSpan.FromMilliseconds(20) },
            TimeProvider.System,
            NullLogger<InProcessEventLog>.Instance,
            health);
        var storeBack = new TaskCompletionSource();
        var handler = new RecordingHandler
        {
            OnRecord = (record, attempt, _) => Encoding.UTF8.GetString(record.Value.Span) == "1" && !storeBack.Task.IsCompleted
                ? throw new SqliteException("database is locked", 5)
                : Task.CompletedTask,
        };
        var deadLetters = new RecordingHandler();
        using var stop = new CancellationTokenSource();
        var consuming = log.ConsumeAsync(new ConsumerSpec("orders", ["zt.orders.v1"]) { MaxAttempts = 3 }, handler, stop.Token);
        var watching = log.ConsumeAsync(new ConsumerSpec("dlq", ["zt.orders.dlq.v1"]), deadLetters, stop.Token);
        await log.AppendAsync("zt.orders.v1", [.. Enumerable.Range(0, 3).Select(i => new LogRecord("alice", Encoding.UTF8.GetBytes($"{i}")))], Ct);

        await Eventually.HoldsAsync(() => handler.Handled.Count == 1 && handler.AttemptsFor(0, 1) > 10, "record 1 failed many more times than MaxAttempts");
        var pause = Assert.Single(health.Paused);
        Assert.Equal(("orders", "zt.orders.v1", 1L), (pause.Group, pause.Topic, pause.Offset));
        Assert.Contains("database is locked", pause.Reason, StringComparison.Ordinal);
        var degraded = await new ConsumerHealthCheck(health).CheckHealthAsync(new HealthCheckContext(), Ct);
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Contains("group orders paused on zt.orders.v1/0@1", degraded.Description, StringComparison.Ordinal);
        Assert.Single(handler.Handled); // record 2 waits behind it: order is kept

        storeBack.SetResult();
        await Eventually.HoldsAsync(() => handler.Handled.Count == 3, "every record was handled once the store was back");

        Assert.Equal(["0", "1", "2"], handler.Handled.Select(r => Encoding.UTF8.GetString(r.Value.Span)));
        Assert.Empty(health.Paused);
        Assert.Equal(HealthStatus.Healthy, (await new ConsumerHealthCheck(health).CheckHealthAsync(new HealthCheckContext(), Ct)).Status);
        Assert.Empty(deadLetters.Handled);
        await stop.CancelAsync();
        await Task.WhenAll(consuming, watching).WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }
}
