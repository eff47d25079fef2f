using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using ZtStream.TestSupport.Jose;

namespace ZtStream.Responder.Tests.Console.SignIn;

/// <summary>
/// <see cref="ProviderMetadata"/> on a stepped fake clock, against a provider played by an HTTP handler: its intervals
/// are the handler options', counted in elapsed time; concurrent reads share one fetch; a provider never reached is an
/// error naming it, asked again no sooner than the refresh interval.
/// </summary>
public sealed class ProviderMetadataTests
{
    private const string Address = "https://idp.example/.well-known/openid-configuration";

    private readonly SteppedFakeClock clock = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));

    /// <summary>The provider: discovery and a JWKS of one key named by <see cref="Kid"/>; down while <see cref="Down"/>; counts discovery requests.</summary>
    private sealed class Provider : HttpMessageHandler
    {
        private int discoveries;

        public string Kid { get; set; } = "key-1";

        public volatile bool Down;

        public TaskCompletionSource? Hold { get; set; }

        public int Discoveries => Volatile.Read(ref discoveries);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.AbsolutePath.EndsWith("openid-configuration", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref discoveries);
                if (Hold is { } hold)
                {
                    await hold.Task.WaitAsync(cancellationToken);
                }
            }

            if (Down)
            {
                return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
            }

            using var rsa = RSA.Create(2048);
            var body = request.RequestUri.AbsolutePath.EndsWith("openid-configuration", StringComparison.Ordinal)
                ? new JsonObject { ["issuer"] = "https://idp.example", ["jwks_uri"] = "https://idp.example/jwks" }
                : new JsonObject { ["keys"] = new JsonArray(TestJws.PublicJwk(rsa, Kid)) };
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        }
    }

    private ProviderMetadata Metadata(Provider provider, Action<OpenIdConnectOptions>? configure = null)
    {
        var options = new OpenIdConnectOptions { Backchannel = new HttpClient(provider) };
        configure?.Invoke(options);
        return new ProviderMetadata(Address, options, clock, NullLogger<ProviderMetadata>.Instance);
    }

    private static async Task<string> KidAsync(ProviderMetadata metadata) => Assert.Single((await metadata.GetConfigurationAsync(Ct)).SigningKeys).KeyId;

    [Fact]
    public async Task AutomaticRefreshInterval_AsConfigured_CountsElapsedTime_NotTheWallClock()
    {
        var provider = new Provider();
        var metadata = Metadata(provider, o => o.AutomaticRefreshInterval = TimeSpan.FromHours(1));
        Assert.Equal("key-1", await KidAsync(metadata));
        provider.Kid = "key-2";

        // A step forward of a day is no time passing; a step back does not hold the refresh off.
        clock.Offset = TimeSpan.FromDays(1);
        clock.Advance(TimeSpan.FromMinutes(59));
        var beforeTheHour = await KidAsync(metadata);
        clock.Offset = TimeSpan.FromHours(-3);
        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(("key-1", "key-2"), (beforeTheHour, await KidAsync(metadata)));
    }

    [Fact]
    public async Task RequestRefresh_HonouredOncePerRefreshInterval_AsConfigured()
    {
        var provider = new Provider();
        var metadata = Metadata(provider, o => o.RefreshInterval = TimeSpan.FromMinutes(2));
        await KidAsync(metadata);
        List<int> counts = [];
        foreach (var wait in new[] { TimeSpan.Zero, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(59), TimeSpan.FromSeconds(1) })
        {
            clock.Advance(wait);
            clock.Offset -= TimeSpan.FromMinutes(30);
            metadata.RequestRefresh();
            metadata.RequestRefresh();
            await KidAsync(metadata);
            counts.Add(provider.Discoveries);
        }

        // At 0 the first refresh; at 1 min and 1:59 none; at 2:00 the next.
        Assert.Equal([2, 2, 2, 3], counts);
    }

    [Fact]
    public async Task ConcurrentReads_WhileAFetchIsInFlight_ShareIt()
    {
        var provider = new Provider { Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var metadata = Metadata(provider);

        var reads = Enumerable.Range(0, 8).Select(_ => metadata.GetConfigurationAsync(Ct)).ToList();
        await Eventually.HoldsAsync(() => provider.Discoveries == 1, "the first fetch started");
        provider.Hold.SetResult();
        var configurations = await Task.WhenAll(reads);

        Assert.Equal(1, provider.Discoveries);
        Assert.All(configurations, c => Assert.Same(configurations[0], c));
    }

    [Fact]
    public async Task NeverFetched_ProviderDown_IsAnErrorNamingIt_AskedAgainOnlyAfterTheRefreshInterval()
    {
        var provider = new Provider { Down = true };
        var metadata = Metadata(provider);

        var first = await Assert.ThrowsAsync<ProviderMetadataUnavailableException>(() => metadata.GetConfigurationAsync(Ct));
        var asked = provider.Discoveries;
        provider.Down = false;
        clock.Advance(TimeSpan.FromMinutes(4));
        await Assert.ThrowsAsync<ProviderMetadataUnavailableException>(() => metadata.GetConfigurationAsync(Ct));
        var askedWithin = provider.Discoveries;
        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Contains(Address, first.Message, StringComparison.Ordinal);
        Assert.Equal(asked, askedWithin);
        Assert.Equal("key-1", await KidAsync(metadata));
    }
}
