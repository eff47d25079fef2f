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
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();

        var run = await CliRun.RunAsync("run", "--urls", "http://127.0.0.1:0", "--sqlite", Path.Combine(folder.Path, "zt.db"),
            "--event-log-path", Path.Combine(folder.Path, "log"), "--bus", "rabbitmq", "--rabbitmq", $"amqp://ztstream:secret-pw@127.0.0.1:{port}/");

        var line = CliRun.OneErrorLine(run, 1);
        Assert.StartsWith("ztstream run: the command bus cannot be started: ", line, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", line, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", line, StringComparison.Ordinal);
    }
}
