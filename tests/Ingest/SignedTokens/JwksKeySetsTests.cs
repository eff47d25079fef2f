using ZtStream.Ingest.SignedTokens;

namespace ZtStream.Ingest.Tests.SignedTokens;

public sealed class JwksKeySetsTests
{
    private static readonly JwksPolicy Policy = new(
        CacheTime: TimeSpan.FromHours(1), MaxCacheTime: TimeSpan.FromHours(24), RefetchInterval: TimeSpan.FromSeconds(30), Timeout: TimeSpan.FromSeconds(10), KeepStaleOnFailure: false);

    /// <summary>RFC 9111: max-age is honoured within the policy's bounds; no-store and no-cache keep the keys no longer than the refetch interval.</summary>
    [Theory]
    [InlineData(null, 3600)]
    [InlineData("public", 3600)]
    [InlineData("public, max-age=21600, must-revalidate, no-transform", 21600)]
    [InlineData("max-age=5", 30)]
    [InlineData("max-age=604800", 86400)]
    [InlineData("no-store", 30)]
    [InlineData("no-cache, max-age=600", 30)]
    public void Lifetime_OfTheAnswersCacheControl_IsBounded(string? cacheControl, int seconds)
    {
        var header = cacheControl is null ? null : CacheControlHeaderValue.Parse(cacheControl);

        Assert.Equal(TimeSpan.FromSeconds(seconds), JwksKeySets.Lifetime(header, Policy));
    }

    [Fact]
    public async Task GetAsync_WhileTheJwksFails_AsksAgainOnlyAfterTheRefetchInterval()
    {
        var hits = 0;
        await using var failing = await LoopbackApp.StartAsync(app => app.MapGet("/certs", () =>
        {
            Interlocked.Increment(ref hits);
            return Results.StatusCode(500);
        }));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var keySets = KeySets(time);
        var uri = new Uri(failing.BaseAddress, "certs");

        var first = await Assert.ThrowsAsync<JwksUnavailableException>(() => keySets.GetAsync(uri, "the test signer", Policy, refresh: false, Ct));
        time.Advance(TimeSpan.FromSeconds(10));
        var second = await Assert.ThrowsAsync<JwksUnavailableException>(() => keySets.GetAsync(uri, "the test signer", Policy, refresh: true, Ct));

        // Unknown kids and requests during an outage do not each reach the publisher.
        Assert.Equal(1, Volatile.Read(ref hits));
        Assert.Contains("answered 500", first.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(20), second.RetryAfter);
        time.Advance(TimeSpan.FromSeconds(21));
        await Assert.ThrowsAsync<JwksUnavailableException>(() => keySets.GetAsync(uri, "the test signer", Policy, refresh: false, Ct));
        Assert.Equal(2, Volatile.Read(ref hits));
    }

    [Fact]
    public async Task GetAsync_WhenARefetchFails_KeepsTheKnownKeysOnlyIfThePolicySaysSo()
    {
        var google = await TestTransmitter.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var keySets = KeySets(time);
        var keep = Policy with { KeepStaleOnFailure = true };
        Assert.Single(await keySets.GetAsync(google.JwksUri, "the test signer", keep, refresh: false, Ct));
        await google.DisposeAsync();
        time.Advance(TimeSpan.FromHours(2));

        Assert.Single(await keySets.GetAsync(google.JwksUri, "the test signer", keep, refresh: false, Ct));
        await Assert.ThrowsAsync<JwksUnavailableException>(() => keySets.GetAsync(google.JwksUri, "the test signer", Policy, refresh: false, Ct));
    }

    /// <summary>
    /// The JWKS URL configured is the one trusted: a redirect within its origin (a moved path) is followed, one to another
    /// host or port is refused without a request reaching it, since whoever answers there would choose the keys.
    /// </summary>
    [Fact]
    public async Task GetAsync_ARedirect_IsFollowedOnlyWithinTheJwksUrlsOrigin()
    {
        await using var elsewhere = await TestTransmitter.StartAsync();
        await using var publisher = await LoopbackApp.StartAsync(app =>
        {
            app.MapGet("/moved", () => Results.Redirect("/certs", permanent: true));
            app.MapGet("/certs", () => Results.Text(elsewhere.Jwks(), "application/json"));
            app.MapGet("/away", () => Results.Redirect(elsewhere.JwksUri.ToString()));
        });
        using var keySets = KeySets(new FakeTimeProvider(DateTimeOffset.UtcNow));

        Assert.Single(await keySets.GetAsync(new Uri(publisher.BaseAddress, "moved"), "the test signer", Policy, refresh: false, Ct));
        var refused = await Assert.ThrowsAsync<JwksUnavailableException>(() => keySets.GetAsync(new Uri(publisher.BaseAddress, "away"), "the test signer", Policy, refresh: false, Ct));

        Assert.Contains(elsewhere.JwksUri.ToString(), refused.Message, StringComparison.Ordinal);
        Assert.Contains("another origin", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, elsewhere.JwksFetches);
    }

    /// <summary>A JWKS answer without Content-Length that does not end is cut at 1 MiB, not read until the time limit.</summary>
    [Fact]
    public async Task GetAsync_AnEndlessChunkedJwks_IsRefusedAtTheSizeLimit()
    {
        await using var endless = await LoopbackApp.StartAsync(app => app.MapGet("/certs", async (HttpContext http) =>
        {
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync("{\"keys\":[", http.RequestAborted);
            var filler = new string(' ', 64 * 1024);
            while (!http.RequestAborted.IsCancellationRequested)
            {
                await http.Response.WriteAsync(filler, http.RequestAborted);
            }
        }));
        using var keySets = KeySets(new FakeTimeProvider(DateTimeOffset.UtcNow));
        var patient = Policy with { Timeout = TimeSpan.FromMinutes(5) };

        var refused = await Assert.ThrowsAsync<JwksUnavailableException>(() => keySets.GetAsync(new Uri(endless.BaseAddress, "certs"), "the test signer", patient, refresh: false, Ct));

        Assert.Contains("larger than 1 MiB", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A JWKS is kept for its lifetime by the monotonic clock, whichever way the wall clock steps: one fetched before a
    /// step back (a JWKS fetched "in the future") used to be kept for its lifetime plus the step, and a step forward
    /// to expire it at once.
    /// </summary>
    [Theory]
    [InlineData(-24 * 60)]
    [InlineData(-61)]
    [InlineData(-5)]
    [InlineData(90)]
    [InlineData(24 * 60)]
    public async Task GetAsync_WallClockStepped_KeepsTheJwksForItsLifetimeNoLongerNoShorter(int stepMinutes)
    {
        await using var signer = await TestTransmitter.StartAsync();
        var time = new SteppedFakeClock(DateTimeOffset.UtcNow);
        using var keySets = KeySets(time);
        Assert.Single(await keySets.GetAsync(signer.JwksUri, "the test signer", Policy, refresh: false, Ct));

        time.Offset = TimeSpan.FromMinutes(stepMinutes);
        time.Advance(Policy.CacheTime - TimeSpan.FromMinutes(1));
        Assert.Single(await keySets.GetAsync(signer.JwksUri, "the test signer", Policy, refresh: false, Ct));
        Assert.Equal(1, signer.JwksFetches);

        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Single(await keySets.GetAsync(signer.JwksUri, "the test signer", Policy, refresh: false, Ct));
        Assert.Equal(2, signer.JwksFetches);
    }

    /// <summary>
    /// After a step back, a token signed with a key the publisher just rotated in (an unknown kid) refetches once the
    /// refetch interval has passed; before, the JWKS looked fetched in the future and no refetch was allowed until the
    /// wall clock caught up with the step.
    /// </summary>
    [Fact]
    public async Task GetAsync_UnknownKidAfterAStepBack_RefetchesAfterTheRefetchIntervalNotTheStep()
    {
        await using var signer = await TestTransmitter.StartAsync();
        var time = new SteppedFakeClock(DateTimeOffset.UtcNow);
        using var keySets = KeySets(time);
        await keySets.GetAsync(signer.JwksUri, "the test signer", Policy, refresh: false, Ct);
        time.Offset = TimeSpan.FromHours(-1);

        time.Advance(Policy.RefetchInterval - TimeSpan.FromSeconds(1));
        await keySets.GetAsync(signer.JwksUri, "the test signer", Policy, refresh: true, Ct);
        Assert.Equal(1, signer.JwksFetches);
        time.Advance(TimeSpan.FromSeconds(2));
        await keySets.GetAsync(signer.JwksUri, "the test signer", Policy, refresh: true, Ct);

        Assert.Equal(2, signer.JwksFetches);
    }

    private static JwksKeySets KeySets(TimeProvider time)
    {
        var services = new ServiceCollection().AddPublisherHttpClient(JwksKeySets.HttpClientName).Services.BuildServiceProvider();
        return new JwksKeySets(services.GetRequiredService<IHttpClientFactory>(), time, NullLogger<JwksKeySets>.Instance);
    }
}
