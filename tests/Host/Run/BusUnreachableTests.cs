namespace ZtStream.Host.Tests.Run;

/// <summary>
/// A RabbitMQ broker that cannot be reached stops <c>run</c> at start (docs/bus.md) the way every other dependency
/// that cannot be used does: one line naming it and exit 1 — not an unhandled exception, its stack trace and the
/// runtime's abort (134). Ctrl-C or SIGTERM while the bus waits for it is a stop, as it is once serving.
/// </summary>
public sealed class BusUnreachableTests
{
    [Fact]
    public async Task Run_BrokerUnreachable_ExitsOneNamingTheBroker()
    {
        using var folder = new TempFolder("zt-run-bus-");
        var port = LocalProcess.FreePort();

        var run = await CliRun.RunAsync(Args(folder.Path, port));

        var line = CliRun.OneErrorLine(run, 1);
        Assert.StartsWith("ztstream run: the command bus cannot be started: ", line, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", line, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", line, StringComparison.Ordinal);
    }

    /// <summary>
    /// The real binary, signalled as a terminal or an orchestrator signals it once the bus is waiting for the broker
    /// (its first failed connection logged): it stops as asked, exit 0 and no failure line. Before, the bus gave up on
    /// the signal with the broker's failure, said as a start failure, exit 1.
    /// </summary>
    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task Run_SignalledWhileTheBusWaitsForTheBroker_StopsAsAsked(string signal)
    {
        await using var processes = new ZtStreamProcesses("zt-run-bus-");
        var run = await processes.StartAsync("run", Args(processes.Folder.FullName, LocalProcess.FreePort()), waitForListening: false, Ct);
        await run.WaitForOutputAsync("Connection Failed", TimeSpan.FromSeconds(50), Ct);

        await (signal == "INT" ? run.InterruptAsync() : run.TerminateAsync());

        // The stop is asked while MassTransit waits for the broker, whose wait ends at the latest with the bus's start timeout
        // (60 s, docs/bus.md): one CI run's stop took over 50 s. The wait allows a stop that comes only then, and a process
        // that never stops still fails here, with its output.
        await run.ExitsWithAsync(0, TimeSpan.FromSeconds(90), Ct);

        Assert.DoesNotContain("cannot be started", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("listening on", run.Output, StringComparison.Ordinal);
    }

    private static string[] Args(string folder, int port) =>
        ["run", "--urls", "http://127.0.0.1:0", "--sqlite", Path.Combine(folder, "zt.db"), "--event-log-path", Path.Combine(folder, "log"),
            "--bus", "rabbitmq", "--rabbitmq", $"amqp://ztstream:secret-pw@127.0.0.1:{port}/"];
}
