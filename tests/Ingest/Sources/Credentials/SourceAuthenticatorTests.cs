namespace ZtStream.Ingest.Tests.Sources.Credentials;

public sealed class SourceAuthenticatorTests
{
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
}
