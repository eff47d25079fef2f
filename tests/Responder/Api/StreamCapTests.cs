namespace ZtStream.Responder.Tests.Api;

/// <summary>
/// The Responder's event streams (alert queue, revocation feed) over real HTTP: capped per credential and in all, the
/// refusal a problem naming the setting, others still served, and a client that goes away gives its place back.
/// </summary>
public sealed class StreamCapTests
{
    private const string AlertStream = "/v1/alerts/stream";

    [Fact]
    public async Task AlertStream_OverTheCapOfOneCaller_Is429NamingTheSetting_OthersServed_AndADroppedClientFreesItsPlace()
    {
        await using var host = await new ResponderTestHost { UseKestrel = true }
            .WithSetting("Responder:Feed:MaxStreamsPerCredential", "2").StartAsync();
        var viewer = host.ClientFor(ResponderTestHost.ViewerToken);

        var first = await SseReader.OpenAsync(viewer, AlertStream, null, Ct);
        await using var second = await SseReader.OpenAsync(viewer, AlertStream, null, Ct);
        using (var third = await viewer.GetAsync(AlertStream, HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            await HttpProblem.ReadNamingAsync(third, HttpStatusCode.TooManyRequests, "Responder:Feed:MaxStreamsPerCredential");
            Assert.NotNull(third.Headers.RetryAfter);
        }

        // The same caller's other requests, another caller's stream, and the caller's revocation stream are all still served.
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/v1/alerts", Ct)).StatusCode);
        await using (await SseReader.OpenAsync(host.ClientFor(ResponderTestHost.AnalystToken), AlertStream, null, Ct))
        await using (await SseReader.OpenAsync(viewer, RevocationFeed.StreamPath, null, Ct))
        {
        }

        // A client that drops its connection: its place is given back once the server sees the connection close.
        await first.DisposeAsync();
        var limiter = host.Get<FeedStreamLimiter>();
        await Eventually.HoldsAsync(() => Task.FromResult(limiter.Open("alerts:vic") < 2), "the dropped stream's place is freed");
        await using var again = await SseReader.OpenAsync(viewer, AlertStream, null, Ct);
    }

    [Fact]
    public async Task Streams_OverTheCapOfAllCredentials_Is429NamingMaxStreams()
    {
        await using var host = await new ResponderTestHost { UseKestrel = true }
            .WithSetting("Responder:Feed:MaxStreamsPerCredential", "2")
            .WithSetting("Responder:Feed:MaxStreams", "3").StartAsync();

        await using var feed1 = await SseReader.OpenAsync(host.ClientFor(ResponderTestHost.FeedToken), RevocationFeed.StreamPath, null, Ct);
        await using var feed2 = await SseReader.OpenAsync(host.ClientFor(ResponderTestHost.FeedToken), RevocationFeed.StreamPath, null, Ct);
        await using var queue = await SseReader.OpenAsync(host.ClientFor(ResponderTestHost.AnalystToken), AlertStream, null, Ct);

        foreach (var (token, path) in new[] { (ResponderTestHost.ViewerToken, AlertStream), (ResponderTestHost.ResponderToken, RevocationFeed.StreamPath) })
        {
            using var refused = await host.ClientFor(token).GetAsync(path, HttpCompletionOption.ResponseHeadersRead, Ct);
            await HttpProblem.ReadNamingAsync(refused, HttpStatusCode.TooManyRequests, "Responder:Feed:MaxStreams ");
        }

        Assert.Equal(3, host.Get<FeedStreamLimiter>().Total);
    }
}
