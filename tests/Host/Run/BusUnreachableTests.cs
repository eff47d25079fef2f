namespace ZtStream.Host.Tests.Run;

/// <summary>
/// A RabbitMQ broker that cannot be reached stops <c>run</c> at start (docs/bus.md) the way every other dependency
/// that cannot be used does: one line naming it and exit 1 — not an unhandled exception, its stack trace and the
/// runtime's abort (134).
/// </summary>
public sealed class BusUnreachableTests
{
    [Fact]
    public async Task Run_BrokerUnreachable_ExitsOneNamingTheBroker()
    {
        using var folder = new TempFolder("zt-run-bus-");
        var port = LocalProcess.FreePort();

        var run = await CliRun.RunAsync(Args(folder, port));

        var line = CliRun.OneErrorLine(run, 1);
        Assert.StartsWith("ztstream run: the command bus cannot be started: ", line, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", line, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", line, StringComparison.Ordinal);
    }

    /// <summary>
    /// Ctrl-C or SIGTERM while the bus waits for a broker it cannot reach stops <c>run</c> at once, as it stops any start
    /// (exit 0, as a stop once serving): before, the signal waited out the bus's start timeout (60 s), then the broker's
    /// failure was said instead, exit 1.
    /// </summary>
    [Fact]
    public async Task Run_StoppedWhileTheBusWaitsForTheBroker_StopsAsAsked()
    {
        using var folder = new TempFolder("zt-run-bus-");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        // The event log and the store open in well under this; the bus then waits for the broker.
        stop.CancelAfter(TimeSpan.FromSeconds(3));

        var run = await CliRun.RunAsync(stop.Token, Args(folder, LocalProcess.FreePort()));

        Assert.True(run.Code == 0, $"exit {run.Code}:\n{run.Err}");
        Assert.DoesNotContain("cannot be started", run.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("listening on", run.Out, StringComparison.Ordinal);
    }

    private static string[] Args(TempFolder folder, int port) =>
        ["run", "--urls", "http://127.0.0.1:0", "--sqlite", Path.Combine(folder.Path, "zt.db"), "--event-log-path", Path.Combine(folder.Path, "log"),
            "--bus", "rabbitmq", "--rabbitmq", $"amqp://ztstream:secret-pw@127.0.0.1:{port}/"];
}
