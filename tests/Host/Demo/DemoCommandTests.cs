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
        using var taken = LocalProcess.TakePort(out var port);
        var url = $"http://127.0.0.1:{port}";
        var run = await CliRun.RunAsync("demo", "--duration", "5", "--no-browser", "--urls", url);

        var line = CliRun.OneErrorLine(run, 1);
        Assert.StartsWith($"ztstream demo: cannot listen on {url}", line, StringComparison.Ordinal);
    }

    /// <summary>
    /// Another process already listens on the demo's preferred 127.0.0.1:8080 (this test, or whoever held it first): the
    /// demo binds a port of the system's choosing in the same step, says so in one line, and serves on the port it bound —
    /// never one it only found free beforehand, which another process could take before the bind.
    /// </summary>
    [Fact]
    public async Task Demo_PreferredPortTaken_FallsBackToTheBoundPort_SaysSo()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 8080);
        try
        {
            taken.Start();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            // Held by another process already: taken all the same.
        }

        var (code, output, err) = await CliRun.RunAsync("demo", "--duration", "1", "--no-browser");

        Assert.True(code == 0, err);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("8080", StringComparison.Ordinal));
        var bound = Regex.Match(line, @"^ztstream demo: 127\.0\.0\.1:8080 is taken by another process; listening on (http://127\.0\.0\.1:(\d+)) instead");
        Assert.True(bound.Success, line);
        Assert.NotEqual("8080", bound.Groups[2].Value);
        Assert.Contains($"all roles embedded at {bound.Groups[1].Value}/", output, StringComparison.Ordinal);
    }
}
