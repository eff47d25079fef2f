namespace ZtStream.Host.Tests.Run;

/// <summary>
/// A RabbitMQ broker that cannot be reached stops <c>run</c> at start (docs/bus.md) the way every other dependency
/// that cannot be used does: one line naming it and exit 1 — not an unhandled exception, its stack trace and the
/// runtime's abort (134). Ctrl-C or SIGTERM while the bus waits for it is a stop, as it is once serving.
/// </summary>
public sealed class BusUnreachableTests
{
    /// <summary>Given up on after <c>Bus:StartTimeout</c> (here shortened from its 60 s).</summary>
    [Fact]
    public async Task Run_BrokerUnreachable_ExitsOneNamingTheBroker()
    {
        using var folder = new TempFolder("zt-run-bus-");
        var port = LocalProcess.FreePort();

        var run = await CliRun.RunAsync([.. Args(folder.Path, port), "--set", "Bus:StartTimeout=00:00:02"]);

        var line = CliRun.OneErrorLine(run, 1);
        Assert.StartsWith("ztstream run: the command bus cannot be started: ", line, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", line, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", line, StringComparison.Ordinal);
    }

    /// <summary>How long the host waits for the bus at start is MassTransit's, from <c>Bus:StartTimeout</c> (docs/bus.md).</summary>
    [Theory]
    [InlineData(null, 60)]
    [InlineData("00:00:07", 7)]
    [InlineData("00:05:00", 300)]
    public async Task Build_StartTimeout_IsTheBusHostsWait(string? configured, int seconds)
    {
        using var folder = new TempFolder("zt-run-bus-");
        var settings = new Dictionary<string, string?>
        {
            ["Bus:Kind"] = "rabbitmq",
            ["Bus:RabbitMqUri"] = $"amqp://127.0.0.1:{LocalProcess.FreePort()}/",
        };
        if (configured is not null)
        {
            settings["Bus:StartTimeout"] = configured;
        }

        await using var app = InProcessRun.Build(InProcessRun.Context(folder.Path, settings));

        var host = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<MassTransit.MassTransitHostOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(seconds), host.StartTimeout);
        Assert.True(host.WaitUntilStarted);
    }

    /// <summary>
    /// The real binary, signalled as a terminal or an orchestrator signals it once the bus is waiting for the broker
    /// (its first failed connection logged): it stops as asked, exit 0 and no failure line. Before, the bus gave up on
    /// the signal with the broker's failure, said as a start failure, exit 1. Started as from a terminal: a test run
    /// started as a background job would otherwise hand it SIGINT ignored, and it would wait out the bus's 60-s start
    /// timeout and exit 1, as it should there.
    /// </summary>
    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task Run_SignalledWhileTheBusWaitsForTheBroker_StopsAsAsked(string signal)
    {
        await using var processes = new ZtStreamProcesses("zt-run-bus-");
        var run = await processes.StartAsync("run", Args(processes.Folder.FullName, LocalProcess.FreePort()), waitForListening: false, Ct,
            launcher: ZtStreamProcess.AsFromATerminal);
        await run.WaitForOutputAsync("Connection Failed", TimeSpan.FromSeconds(50), Ct);

        await (signal == "INT" ? run.InterruptAsync() : run.TerminateAsync());

        // Beyond the bus's 60-s start timeout (docs/bus.md): a process deaf to the signal exits 1 then and fails here; one
        // whose stop waited for MassTransit's start to give up still stopped as asked (one CI run's stop took over 50 s
        // once; its cause is not known), and one that never exits fails here with its output.
        await run.ExitsWithAsync(0, TimeSpan.FromSeconds(90), Ct);

        Assert.DoesNotContain("cannot be started", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("listening on", run.Output, StringComparison.Ordinal);
    }

    private static string[] Args(string folder, int port) =>
        ["run", "--urls", "http://127.0.0.1:0", "--sqlite", Path.Combine(folder, "zt.db"), "--event-log-path", Path.Combine(folder, "log"),
            "--bus", "rabbitmq", "--rabbitmq", $"amqp://ztstream:secret-pw@127.0.0.1:{port}/"];
}
