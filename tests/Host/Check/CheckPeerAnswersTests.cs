using System.Text;
using Microsoft.AspNetCore.Http;
using ZtStream.TestSupport.Http;

namespace ZtStream.Host.Tests.Check;

/// <summary>
/// <c>ztstream check</c> reads a peer's answer as the roles do, bounded (docs/operations.md): the status of an IdP, a SET
/// receiver or a webhook is its answer and only the start of an error body is read; a JWKS is read up to what Ingest takes.
/// A peer whose body is huge and never ends is neither held in memory nor waited for until the check's time runs out.
/// </summary>
public sealed class CheckPeerAnswersTests
{
    [Fact]
    public async Task Check_PeersAnsweringHugeBodiesThatNeverEnd_AreAnsweredByTheirStatusAndStart()
    {
        await using var peer = await LoopbackApp.StartAsync(web =>
        {
            web.MapPost("/oauth2/revoke", (HttpContext http) => EndlessAsync(http, 400, """{"error":"invalid_request","error_description":" """));
            web.MapGet("/ssf/push", (HttpContext http) => EndlessAsync(http, 405, "{"));
            web.MapGet("/hook", (HttpContext http) => EndlessAsync(http, 405, "{"));
            web.MapGet("/jwks", (HttpContext http) => EndlessAsync(http, 200, """{"keys":[ """));
        });
        using var folder = new TempFolder("zt-check-peers-");

        var (code, output, error) = await CliRun.RunAsync([
            "check", .. CliRun.DataIn(folder), "--timeout", "20",
            "--set", "Responder:Drivers:TokenRevokers:0=oauth",
            "--set", "Responder:Drivers:TokenRevokers:1=ssf",
            "--set", $"Responder:Drivers:OAuth:Endpoint={new Uri(peer.BaseAddress, "oauth2/revoke")}",
            "--set", "Responder:Drivers:OAuth:ClientId=ztstream",
            "--set", "Responder:Drivers:OAuth:ClientSecret=s3cret-client",
            "--set", "Responder:Drivers:SharedSignals:Issuer=https://ztstream.example.test",
            "--set", $"Responder:Drivers:SharedSignals:Receivers:soc:Endpoint={new Uri(peer.BaseAddress, "ssf/push")}",
            "--set", "Responder:Drivers:SharedSignals:Receivers:soc:Audience=https://soc.example.test",
            "--set", "Responder:Notifications:Targets:hook:Kind=webhook",
            "--set", $"Responder:Notifications:Targets:hook:Url={new Uri(peer.BaseAddress, "hook")}",
            "--set", "Responder:Notifications:Targets:hook:Secret=0123456789abcdef-secret",
            "--set", "Ingest:Ssf:Transmitters:lab:Issuer=https://caep.lab.example",
            "--set", $"Ingest:Ssf:Transmitters:lab:JwksUri={new Uri(peer.BaseAddress, "jwks")}",
            "--set", "Ingest:Ssf:Transmitters:lab:Audience=https://ztstream.example/ssf",
            "--set", "Ingest:Ssf:Transmitters:lab:AllowHttp=true"]);

        Assert.True(code == 1, output + error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.DoesNotContain(lines, l => l.Contains("no answer within", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("ok    oauth", StringComparison.Ordinal) && l.Contains("answered 400 {\"error\":\"invalid_request\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("ok    ssf receiver", StringComparison.Ordinal) && l.EndsWith("reachable (answered 405 to GET; no SET is pushed)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("ok    notification   hook", StringComparison.Ordinal) && l.Contains("answered 405 to GET", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("FAIL  signing keys", StringComparison.Ordinal) && l.EndsWith("the JWKS is larger than 1 MiB: it was not read further", StringComparison.Ordinal));
        Assert.Equal("1 check(s) failed", lines[^1]);
    }

    /// <summary>Answers <paramref name="status"/> with <paramref name="start"/>, 64 MiB more, then nothing, never ending.</summary>
    private static async Task EndlessAsync(HttpContext http, int status, string start)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(start, http.RequestAborted);
        var filler = Encoding.ASCII.GetBytes(new string('x', 64 * 1024));
        for (var i = 0; i < 1024; i++)
        {
            await http.Response.Body.WriteAsync(filler, http.RequestAborted);
        }

        await Task.Delay(Timeout.Infinite, http.RequestAborted);
    }
}
