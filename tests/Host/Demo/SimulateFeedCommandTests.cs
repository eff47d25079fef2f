using Microsoft.AspNetCore.Http;
using ZtStream.TestSupport.Http;

namespace ZtStream.Host.Tests.Demo;

public sealed class SimulateFeedCommandTests : IDisposable
{
    private readonly TempFolder folder = new("zt-feed-");

    /// <summary>An Ingest that does not answer: one line saying so, exit 1 — not an unhandled exception (exit 134 and a stack trace).</summary>
    [Fact]
    public async Task IngestNotAnswering_OneLine_ExitOne()
    {
        var run = await CliRun.RunAsync(
            "simulate-feed", "--ingest", $"http://127.0.0.1:{LocalProcess.FreePort()}", "--key-file", KeyFile(), "--duration", "30");

        var line = CliRun.OneErrorLine(run, 1);
        Assert.StartsWith("ztstream simulate-feed: feeding Ingest failed: ", line, StringComparison.Ordinal);
    }

    /// <summary>An Ingest refusing the key: one line with its status, exit 1.</summary>
    [Fact]
    public async Task IngestRefusingTheKey_OneLineWithItsStatus_ExitOne()
    {
        await using var ingest = await LoopbackApp.StartAsync(web => web.MapPost("/v1/events", () => Results.Problem(statusCode: 401, title: "Unauthorized")));
        var run = await CliRun.RunAsync("simulate-feed", "--ingest", ingest.BaseAddress.ToString(), "--key-file", KeyFile(), "--duration", "30");

        var line = CliRun.OneErrorLine(run, 1);
        Assert.StartsWith("ztstream simulate-feed: feeding Ingest failed: ", line, StringComparison.Ordinal);
        Assert.Contains("Ingest answered 401", line, StringComparison.Ordinal);
    }

    /// <summary>
    /// <c>--duration</c>, which the help offers, stops the feed: with an hour between attacks it would otherwise run until
    /// Ctrl-C. The wait is a guard against hanging, not a measurement.
    /// </summary>
    [Fact]
    public async Task Duration_StopsTheFeed_ExitZero()
    {
        var received = 0;
        await using var ingest = await LoopbackApp.StartAsync(web => web.MapPost("/v1/events", () =>
        {
            Interlocked.Increment(ref received);
            return Results.Accepted();
        }));
        var (code, output, _) = await CliRun.RunAsync(
                "simulate-feed", "--ingest", ingest.BaseAddress.ToString(), "--key-file", KeyFile(), "--duration", "2", "--interval", "3600")
            .WaitAsync(TimeSpan.FromMinutes(3), Ct);

        Assert.Equal(0, code);
        Assert.StartsWith("simulate-feed: sent ", output, StringComparison.Ordinal);
        Assert.True(Volatile.Read(ref received) > 0, "the feed sent before it stopped");
    }

    public void Dispose() => folder.Dispose();

    private string KeyFile()
    {
        var path = Path.Combine(folder.Path, "feed.key");
        File.WriteAllText(path, "zts_feed-key-0123456789abcdefghijklmn\n");
        return path;
    }
}
