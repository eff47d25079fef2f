using System.Net.Sockets;

namespace ZtStream.Host.Tests.Demo;

public sealed class DemoCommandTests
{
    /// <summary>
    /// An address someone else listens on (another demo, another service on 8080): `demo` says so in one line, exit 1 —
    /// as `run` does — not an unhandled exception (exit 134 and a stack trace).
    /// </summary>
    [Fact]
    public async Task Demo_AddressTaken_OneLineNamingIt_ExitOne()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";
        var (code, _, err) = await CliRun.RunAsync("demo", "--duration", "5", "--no-browser", "--urls", url);

        Assert.Equal(1, code);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"ztstream: cannot listen on {url}", line, StringComparison.Ordinal);
    }
}
