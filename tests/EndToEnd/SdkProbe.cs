using Microsoft.AspNetCore.Builder;

namespace ZtStream.EndToEnd;

/// <summary>
/// The SDK-protected sample service (<c>ztstream sample</c>'s app) in this process, fed by a running Ingest and following a
/// running Responder's revocation feed: what a test asks of the SDK is whether it takes or refuses a token.
/// </summary>
internal sealed class SdkProbe : IAsyncDisposable
{
    private readonly WebApplication _sample;
    private readonly HttpClient _app;

    private SdkProbe(WebApplication sample)
    {
        _sample = sample;
        _app = new HttpClient { BaseAddress = new Uri(sample.Urls.First()) };
    }

    /// <summary>Starts the sample app sending to <paramref name="ingest"/> with <paramref name="sourceKey"/> and following <paramref name="feed"/>'s revocations.</summary>
    public static async Task<SdkProbe> StartAsync(Uri ingest, string sourceKey, Uri feed, string feedKey)
    {
        var sample = SampleCommand.Build(new ConfigurationBuilder().Build(), ingest, sourceKey, feed, "http://127.0.0.1:0", feedKey: feedKey);
        await sample.StartAsync(Ct);
        return new SdkProbe(sample);
    }

    /// <summary>What the app answers <c>GET /api/orders</c> with a token of <paramref name="subject"/> whose id is <paramref name="jti"/>.</summary>
    public async Task<HttpResponseMessage> GetAsync(string subject, string jti)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/orders");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SampleTokens.Create(new() { ["sub"] = subject, ["jti"] = jti, ["client_id"] = "shop-web" }));
        return await _app.SendAsync(request, Ct);
    }

    /// <summary>
    /// Waits until the app refuses the token as revoked (401, <c>WWW-Authenticate</c> naming it), and fails the test if it
    /// does not within <see cref="ZtStreamApi.Timeout"/>; then checks that it still takes another token.
    /// </summary>
    public async Task AssertRefusesAsync(string subject, string jti)
    {
        var refused = await Eventually.WithinAsync(
            async () =>
            {
                using var response = await GetAsync(subject, jti);
                return response.StatusCode == HttpStatusCode.Unauthorized && response.Headers.WwwAuthenticate.ToString().Contains("revoked", StringComparison.Ordinal);
            },
            ZtStreamApi.Timeout,
            Ct);
        Assert.True(refused, $"the SDK did not refuse the revoked token {jti}");
        using var other = await GetAsync("bob", $"jti-{Guid.NewGuid():N}");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        _app.Dispose();
        await _sample.DisposeAsync();
    }
}
