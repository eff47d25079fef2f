namespace ZtStream.Ingest.Tests.Sources.Credentials;

public sealed class SourceAuthenticatorTests : IDisposable
{
    private static readonly TimeSpan CacheTime = TimeSpan.FromSeconds(30);

    private readonly SqliteFiles files = new("ztstream-authenticator-");

    [Theory]
    [InlineData("Bearer zts_abc", "zts_abc")]
    [InlineData("bearer   zts_abc  ", "zts_abc")]
    [InlineData("BASIC ZmFsY286enRzX2FiYw==", "zts_abc")]
    public void TryReadBearer_BearerOrBasicPassword_IsTheKey(string header, string key)
    {
        Assert.True(SourceAuthenticator.TryReadBearer(header, out var read));
        Assert.Equal(key, read);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer ")]
    [InlineData("Token zts_abc")]
    [InlineData("Basic !!!")]
    [InlineData("Basic Zm9v")]
    public void TryReadBearer_NoUsableKey_IsRefused(string? header) =>
        Assert.False(SourceAuthenticator.TryReadBearer(header, out _));

    [Fact]
    public void TryReadBearer_OverlongValue_IsRefusedWithoutHashing() =>
        Assert.False(SourceAuthenticator.TryReadBearer("Bearer " + new string('k', 4096), out _));

    [Fact]
    public void Keys_AreRandomAndHashedToHex()
    {
        var a = SourceKeys.NewKey();
        var b = SourceKeys.NewKey();

        Assert.NotEqual(a, b);
        Assert.Equal(64, SourceKeys.Hash(a).Length);
        Assert.True(SourceKeys.HashesEqual(SourceKeys.Hash(a), SourceKeys.Hash(a)));
        Assert.False(SourceKeys.HashesEqual(SourceKeys.Hash(a), SourceKeys.Hash(b)));
        Assert.Equal("ZmFsY286enRzX2FiYw==", Convert.ToBase64String(Encoding.UTF8.GetBytes("falco:zts_abc")));
    }

    /// <summary>
    /// A key revoked from another process (<c>ztstream sources revoke</c>) after Ingest remembered it as valid is refused
    /// once <c>Ingest:CredentialCacheTime</c> has passed, and the key issued in its place works at once.
    /// </summary>
    [Fact]
    public async Task RevokedKey_AlreadyRemembered_IsRefusedOnceTheCacheTimePassed_AndItsReplacementWorksAtOnce()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await IngestServer.StartInProcessAsync(new() { ["Ingest:CredentialCacheTime"] = "00:00:05" }, time);
        var old = await server.AddSourceAsync("rotating");
        using (var remembered = await server.PostAsync("/v1/events", Payloads.Array(Payloads.Event("r-1", time.GetUtcNow())), old))
        {
            Assert.Equal(HttpStatusCode.Accepted, remembered.StatusCode);
        }

        Assert.True(await server.RevokeSourceAsync("rotating"));
        var replacement = await server.AddSourceAsync("rotating");
        time.Advance(TimeSpan.FromSeconds(5));

        using var refused = await server.PostAsync("/v1/events", Payloads.Array(Payloads.Event("r-2", time.GetUtcNow())), old);
        using var accepted = await server.PostAsync("/v1/events", Payloads.Array(Payloads.Event("r-3", time.GetUtcNow())), replacement);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(["r-1", "r-3"], (await server.ReadLoggedAsync(2)).Select(r => r.Event.Id).Order());
    }

    /// <summary>
    /// A key remembered as valid, then revoked in the store (by another replica) while the wall clock stepped: it is
    /// still remembered until <c>Ingest:CredentialCacheTime</c> has passed by the monotonic clock, and refused after —
    /// a step back does not keep it for the step's length more, a step forward does not forget it early.
    /// </summary>
    [Theory]
    [InlineData(-60)]
    [InlineData(-1)]
    [InlineData(60)]
    public async Task AuthenticateSource_RevokedWhileTheWallClockStepped_IsRefusedOnceTheCacheTimePassed(int stepMinutes)
    {
        var (time, credentials, authenticator) = await StartAsync();
        var key = SourceKeys.NewKey();
        await credentials.AddAsync("falco", SourceKeys.Hash(key), Ct);
        Assert.Equal("falco", await authenticator.AuthenticateAsync($"Bearer {key}", Ct));

        time.Offset = TimeSpan.FromMinutes(stepMinutes);
        Assert.True(await credentials.RevokeAsync("falco", Ct));
        time.Advance(CacheTime - TimeSpan.FromSeconds(1));
        Assert.Equal("falco", await authenticator.AuthenticateAsync($"Bearer {key}", Ct));

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(await authenticator.AuthenticateAsync($"Bearer {key}", Ct));
    }

    /// <summary>A scope narrowed in the store after a step back of an hour applies once the cache time has passed, not the hour.</summary>
    [Fact]
    public async Task ScopeOf_ChangedAfterAStepBack_IsReadAgainOnceTheCacheTimePassed()
    {
        var (time, credentials, authenticator) = await StartAsync();
        await credentials.AddAsync("eks-prod", "hash-1", Ct, new SourceScope(Namespaces: ["shop"]));
        Assert.Equal(["shop"], (await authenticator.ScopeOfAsync("eks-prod", Ct)).Namespaces);

        time.Offset = TimeSpan.FromHours(-1);
        Assert.True(await credentials.UpdateScopeAsync("eks-prod", new SourceScope(Namespaces: ["billing"]), Ct));
        time.Advance(CacheTime + TimeSpan.FromSeconds(1));

        Assert.Equal(["billing"], (await authenticator.ScopeOfAsync("eks-prod", Ct)).Namespaces);
    }

    /// <summary>
    /// A source authenticated by name (a Pub/Sub push) and revoked after a step back of a day is no longer active once
    /// the cache time has passed; the scope its lookup remembered goes with it.
    /// </summary>
    [Fact]
    public async Task FindActiveByName_RevokedAfterAStepBack_IsGoneOnceTheCacheTimePassed()
    {
        var (time, credentials, authenticator) = await StartAsync();
        await credentials.AddAsync("pubsub-audit", "hash-2", Ct, new SourceScope(Kinds: [EventKinds.K8sAudit]));
        Assert.NotNull(await authenticator.FindActiveByNameAsync("pubsub-audit", Ct));

        time.Offset = TimeSpan.FromDays(-1);
        Assert.True(await credentials.RevokeAsync("pubsub-audit", Ct));
        time.Advance(CacheTime + TimeSpan.FromSeconds(1));

        Assert.Null(await authenticator.FindActiveByNameAsync("pubsub-audit", Ct));
        Assert.Same(SourceScope.None, await authenticator.ScopeOfAsync("pubsub-audit", Ct));
    }

    public void Dispose() => files.Dispose();

    private async Task<(SteppedFakeClock Time, SourceCredentialStore Credentials, SourceAuthenticator Authenticator)> StartAsync()
    {
        var time = new SteppedFakeClock(DateTimeOffset.UtcNow);
        var store = await MigratedStores.CreateAsync(files.NewStore(), new IngestMigrations());
        var credentials = new SourceCredentialStore(store, time);
        var authenticator = new SourceAuthenticator(credentials, Microsoft.Extensions.Options.Options.Create(new IngestOptions { CredentialCacheTime = CacheTime }), time);
        return (time, credentials, authenticator);
    }
}
