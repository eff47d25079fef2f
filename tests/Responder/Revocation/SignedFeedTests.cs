using ZtStream.Responder.Revocation.Signing;

namespace ZtStream.Responder.Tests.Revocation;

/// <summary>
/// The signed feed on the path a user has: a Responder, something hostile in the middle that terminates TLS
/// (<see cref="TamperProxy"/>), and an application whose SDK pins the feed's keys and fails closed. Whatever the
/// middle does, a revoked token is never let back in: a changed or unsigned message is refused and never applied, a
/// withheld one is noticed at the next signed keep-alive, and a feed that carries nothing signed goes stale.
/// </summary>
public sealed class SignedFeedTests
{
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(5);

    private static ResponderTestHost Responder(params string[] keyFiles)
    {
        var host = new ResponderTestHost { UseKestrel = true, UseWallClock = true };
        host.Settings["Responder:Feed:KeepAlive"] = "00:00:01";
        for (var i = 0; i < keyFiles.Length; i++)
        {
            host.Settings[$"Responder:Feed:SigningKeyPaths:{i}"] = keyFiles[i];
        }

        return host;
    }

    /// <summary>The operator's step: fetch the feed's JWKS once and pin it in the application's configuration.</summary>
    private static async Task<string> PinAsync(ResponderTestHost responder, string folder)
    {
        var path = Path.Combine(folder, $"feed-keys-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, await responder.Client.GetStringAsync(RevocationFeed.JwksPath, Ct), Ct);
        return path;
    }

    private static Task<ProtectedApp> AppAsync(Uri feed, string pinned) => ProtectedApp.StartAsync(feed, r =>
    {
        r.SigningKeys = pinned;
        r.FailClosed = true;
        r.StaleAfter = StaleAfter;
        r.IdleTimeout = TimeSpan.FromSeconds(3);
        r.MinReconnectDelay = TimeSpan.FromMilliseconds(50);
        r.MaxReconnectDelay = TimeSpan.FromMilliseconds(300);
    });

    /// <summary>
    /// The path every tamper test runs on: a Responder, the <see cref="TamperProxy"/> in front of its feed, and an app that
    /// pinned the feed's keys (kept in the Responder's folder) and reads the feed through the proxy.
    /// </summary>
    private static async Task<TamperedPath> TamperedPathAsync()
    {
        var responder = await Responder().StartAsync();
        TamperProxy? proxy = null;
        try
        {
            proxy = await TamperProxy.StartAsync(responder.BaseAddress!);
            return new TamperedPath(responder, proxy, await AppAsync(proxy.BaseAddress, await PinAsync(responder, responder.Folder)));
        }
        catch
        {
            if (proxy is not null)
            {
                await proxy.DisposeAsync();
            }

            await responder.DisposeAsync();
            throw;
        }
    }

    private static async Task<long> RevokeAsync(ResponderTestHost responder, string jti)
    {
        await responder.Get<ITokenRevoker>().RevokeTokenAsync(new RevokeToken { ActionId = Guid.NewGuid(), Jti = jti, Reason = "test", RequestedBy = "test" }, Ct);
        return (await responder.RevocationSnapshotAsync()).Revocations.Single(r => r.Jti == jti).Version;
    }

    private static Task StatusAsync(ProtectedApp app, string token, HttpStatusCode expected, string what) =>
        Eventually.HoldsAsync(async () => (await app.GetAsync(token)).StatusCode == expected, what);

    /// <summary>
    /// Asks with <paramref name="revoked"/> and <paramref name="fine"/> until the fine token is refused with 503 (the list is
    /// no longer current and the app fails closed); returns every answer the revoked token had meanwhile.
    /// </summary>
    private static async Task<List<HttpStatusCode>> UntilFailedClosedAsync(ProtectedApp app, string revoked, string fine)
    {
        var seen = new List<HttpStatusCode>();
        await Eventually.HoldsAsync(
            async () =>
            {
                seen.Add((await app.GetAsync(revoked)).StatusCode);
                return (await app.GetAsync(fine)).StatusCode == HttpStatusCode.ServiceUnavailable;
            },
            "the app fails closed");
        seen.Add((await app.GetAsync(revoked)).StatusCode);
        return seen;
    }

    private static bool Refused(ProtectedApp app, string why) =>
        app.Log.Lines.Any(l => l.Id.Id == 6105 && l.Message.Contains(why, StringComparison.Ordinal));

    [Fact]
    public async Task HonestPath_RevocationEnforced_AndSignedKeepAlivesKeepTheListCurrentPastStaleAfter()
    {
        await using var path = await TamperedPathAsync();
        var (responder, proxy, app) = path;
        var fine = ProtectedApp.Token("bob", "jti-fine");
        await StatusAsync(app, fine, HttpStatusCode.OK, "the app has a verified list");

        await RevokeAsync(responder, "jti-honest");
        await StatusAsync(app, ProtectedApp.Token("alice", "jti-honest"), HttpStatusCode.Unauthorized, "the revoked token is refused");

        // Longer than StaleAfter with nothing but signed keep-alives on the stream: still current.
        await Eventually.HoldsAsync(() => proxy.KeepAlives > StaleAfter.TotalSeconds + 2, "keep-alives for longer than StaleAfter", TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync(fine)).StatusCode);
        Assert.DoesNotContain(app.Log.Lines, l => l.Id.Id == 6105);
    }

    [Fact]
    public async Task RewrittenEntry_IsRefusedAndNeverApplied_TheSignedSnapshotStillRevokesTheRealToken()
    {
        await using var path = await TamperedPathAsync();
        var (responder, proxy, app) = path;
        var victim = ProtectedApp.Token("alice", "jti-victim");
        var framed = ProtectedApp.Token("carol", "someone-else");
        await StatusAsync(app, victim, HttpStatusCode.OK, "the app has a verified list");

        proxy.Mode = Tamper.RewriteEntries;
        await RevokeAsync(responder, "jti-victim");

        await StatusAsync(app, victim, HttpStatusCode.Unauthorized, "the real entry arrives by the signed snapshot");
        Assert.True(Refused(app, "signature does not verify"), "the rewritten entry was refused");
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync(framed)).StatusCode);
    }

    [Fact]
    public async Task DroppedSignatures_AreRefused_AndTheAppFailsClosedOnceStaleAfterHasPassed()
    {
        await using var path = await TamperedPathAsync();
        var (responder, proxy, app) = path;
        var token = ProtectedApp.Token("alice", "jti-unsigned");
        await StatusAsync(app, token, HttpStatusCode.OK, "the app has a verified list");

        proxy.Mode = Tamper.DropSignatures;
        await RevokeAsync(responder, "jti-unsigned");

        await StatusAsync(app, token, HttpStatusCode.ServiceUnavailable, "the app fails closed");
        Assert.True(Refused(app, "not signed"), "the unsigned messages were refused");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await app.GetAsync(ProtectedApp.Token("bob", "jti-other"))).StatusCode);
    }

    [Fact]
    public async Task ReplayedOlderSnapshot_IsRefused_TheRevokedTokenNeverComesBack_ThenTheAppFailsClosed()
    {
        await using var path = await TamperedPathAsync();
        var (responder, proxy, app) = path;
        var token = ProtectedApp.Token("alice", "jti-replay");
        await StatusAsync(app, token, HttpStatusCode.OK, "the app has the first snapshot (the one the proxy keeps)");
        await RevokeAsync(responder, "jti-replay");
        await StatusAsync(app, token, HttpStatusCode.Unauthorized, "the revoked token is refused");

        proxy.Mode = Tamper.ReplayFirstSnapshot;
        var seen = await UntilFailedClosedAsync(app, token, ProtectedApp.Token("bob", "jti-replay-fine"));

        Assert.All(seen, status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.True(Refused(app, "replayed"), "the older snapshot was refused as a replay");
    }

    [Theory]
    [InlineData(Tamper.StripEntries)]
    [InlineData(Tamper.StripLifts)]
    public async Task WithheldEvent_IsNoticedAtTheNextSignedKeepAlive_AndTheSnapshotBringsIt(Tamper mode)
    {
        await using var path = await TamperedPathAsync();
        var (responder, proxy, app) = path;
        var token = ProtectedApp.Token("alice", "jti-withheld");
        await StatusAsync(app, token, HttpStatusCode.OK, "the app has a verified list");
        if (mode == Tamper.StripLifts)
        {
            var version = await RevokeAsync(responder, "jti-withheld");
            await StatusAsync(app, token, HttpStatusCode.Unauthorized, "the revoked token is refused");
            proxy.Mode = mode;
            using var lifted = await responder.ClientFor(ResponderTestHost.ResponderToken).PostAsJsonAsync($"/v1/revocations/{version}/lift", new { reason = "false positive" }, Ct);
            Assert.Equal(HttpStatusCode.OK, lifted.StatusCode);
            await StatusAsync(app, token, HttpStatusCode.OK, "the lift arrives by the signed snapshot");
        }
        else
        {
            proxy.Mode = mode;
            await RevokeAsync(responder, "jti-withheld");
            await StatusAsync(app, token, HttpStatusCode.Unauthorized, "the withheld revocation arrives by the signed snapshot");
        }

        Assert.True(Refused(app, "withheld on the way"), "the keep-alive gave the gap away");
    }

    [Fact]
    public async Task HeldStream_RevokedTokensStayRefused_AndTheAppFailsClosedOnceStaleAfterHasPassed()
    {
        await using var path = await TamperedPathAsync();
        var (responder, proxy, app) = path;
        var revoked = ProtectedApp.Token("alice", "jti-held");
        var fine = ProtectedApp.Token("bob", "jti-held-fine");
        await RevokeAsync(responder, "jti-held");
        await StatusAsync(app, revoked, HttpStatusCode.Unauthorized, "the revoked token is refused");

        proxy.Mode = Tamper.Hold;
        var seen = await UntilFailedClosedAsync(app, revoked, fine);

        Assert.All(seen, status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        proxy.Mode = Tamper.None;
        await StatusAsync(app, fine, HttpStatusCode.OK, "the app recovers once signed messages flow again");
    }

    [Fact]
    public async Task Rotation_FeedSignedByTheNewKey_VerifiesWhileThePinnedJwksListsIt_AnAppPinnedToTheRetiredKeyAloneFailsClosed()
    {
        using var folder = new TempFolder();
        var retired = WritePem(folder, "retired.pem");
        var current = WritePem(folder, "current.pem");
        string bothPinned;
        await using (var during = await Responder(current, retired).StartAsync())
        {
            bothPinned = await PinAsync(during, folder.Path);
        }

        var retiredPinned = Path.Combine(folder.Path, "retired.json");
        using (var key = SigningKeyRing.FromPem(await File.ReadAllTextAsync(retired, Ct), FeedSigningKeys.Algorithm, null))
        {
            await File.WriteAllTextAsync(retiredPinned, SigningKeyRing.Jwks([key.PublicJwk]), Ct);
        }

        // The first key is retired: only the new one is configured, and it signs.
        await using var responder = await Responder(current).StartAsync();
        var published = JsonNode.Parse(await responder.Client.GetStringAsync(RevocationFeed.JwksPath, Ct))!["keys"]!.AsArray();
        Assert.Single(published);
        await using var rotated = await AppAsync(responder.BaseAddress!, bothPinned);
        await using var stale = await AppAsync(responder.BaseAddress!, retiredPinned);
        await RevokeAsync(responder, "jti-rotation");

        await StatusAsync(rotated, ProtectedApp.Token("alice", "jti-rotation"), HttpStatusCode.Unauthorized, "the app pinned to both keys enforces the feed");
        await StatusAsync(stale, ProtectedApp.Token("bob", "jti-any"), HttpStatusCode.ServiceUnavailable, "the app pinned to the retired key alone fails closed");
        // Failing closed starts before the first message arrives (no verified list yet); the refusal of that message,
        // signed by a key the app does not pin, is logged when it arrives, which under load can be after the 503.
        await Eventually.HoldsAsync(() => Refused(stale, "is not among"), "the unknown kid was refused");
    }

    [Fact]
    public async Task SignedSnapshot_IsOneCompactJws_ForTheConfiguredIssuerAndAudience_VerifiableWithThePublishedKey()
    {
        await using var host = await new ResponderTestHost()
            .WithSetting("Responder:Feed:Issuer", "urn:example:prod")
            .WithSetting("Responder:Feed:Audience", "urn:example:prod-feed")
            .StartAsync();
        await RevokeAsync(host, "jti-snap");
        var feed = host.ClientFor(ResponderTestHost.FeedToken);

        using var answer = await feed.GetAsync(RevocationFeed.SnapshotPath + "?format=jws", Ct);
        Assert.Equal(RevocationFeed.SignedMediaType, answer.Content.Headers.ContentType?.MediaType);
        var jws = await answer.Content.ReadAsStringAsync(Ct);
        var parts = jws.Split('.');
        Assert.Equal(3, parts.Length);
        var header = JsonNode.Parse(Base64Url.DecodeFromChars(parts[0]))!;
        var claims = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!;
        Assert.Equal(("ES256", RevocationFeed.TokenType), ((string)header["alg"]!, (string)header["typ"]!));
        Assert.Equal(("urn:example:prod", "urn:example:prod-feed", "snapshot"), ((string)claims["iss"]!, (string)claims["aud"]!, (string)claims["evt"]!));
        Assert.Equal(host.Time.GetUtcNow().ToUnixTimeSeconds(), (long)claims["iat"]!);
        Assert.Equal((long)claims["ver"]!, (long)claims["snapshot"]!["version"]!);
        Assert.Equal("jti-snap", (string)claims["snapshot"]!["revocations"]![0]!["jti"]!);

        var jwk = JsonNode.Parse(await host.Client.GetStringAsync(RevocationFeed.JwksPath, Ct))!["keys"]!.AsArray().Single(k => (string)k!["kid"]! == (string)header["kid"]!)!;
        using var key = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Base64Url.DecodeFromChars((string)jwk["x"]!), Y = Base64Url.DecodeFromChars((string)jwk["y"]!) },
        });
        Assert.True(key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url.DecodeFromChars(parts[2]), HashAlgorithmName.SHA256));

        // Unsigned as before for everyone else (the console, an SDK without keys).
        Assert.Equal("application/json", (await feed.GetAsync(RevocationFeed.SnapshotPath, Ct)).Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task SignedStream_EntriesAndKeepAlivesAreSignedEvents_WithTheStreamsVersion()
    {
        await using var host = await new ResponderTestHost().WithSetting("Responder:Feed:KeepAlive", "00:00:15").StartAsync();
        var version = await RevokeAsync(host, "jti-stream");
        await using var stream = await SseReader.OpenAsync(host.ClientFor(ResponderTestHost.FeedToken), RevocationFeed.StreamPath + "?format=jws", "0", Ct);

        var entry = await stream.NextEventAsync(Ct);
        Assert.Equal((RevocationFeed.EventName, version.ToString(System.Globalization.CultureInfo.InvariantCulture)), (entry.Event, entry.Id));
        var claims = JsonNode.Parse(Base64Url.DecodeFromChars(entry.Data.Split('.')[1]))!;
        Assert.Equal(("revocation", version, "jti-stream"), ((string)claims["evt"]!, (long)claims["ver"]!, (string)claims["revocation"]!["jti"]!));

        var keepAlive = stream.NextEventAsync(Ct);
        while (!keepAlive.IsCompleted)
        {
            host.Time.Advance(TimeSpan.FromSeconds(16));
            await Task.WhenAny(keepAlive, Task.Delay(50, Ct));
        }

        var alive = await keepAlive;
        var aliveClaims = JsonNode.Parse(Base64Url.DecodeFromChars(alive.Data.Split('.')[1]))!;
        Assert.Equal((RevocationFeed.KeepAliveEventName, version), (alive.Event, (long)aliveClaims["ver"]!));
        Assert.Equal(host.Time.GetUtcNow().ToUnixTimeSeconds(), (long)aliveClaims["iat"]!);
    }

    [Theory]
    [InlineData("/v1/revocations?format=json")]
    [InlineData("/v1/revocations/stream?format=JWS")]
    public async Task Feed_UnknownFormat_400ProblemNamingTheParameter(string path)
    {
        await using var host = await new ResponderTestHost().StartAsync();
        using var answer = await host.ClientFor(ResponderTestHost.FeedToken).GetAsync(path, Ct);
        var problem = await HttpProblem.ReadAsync(answer, HttpStatusCode.BadRequest);
        Assert.Contains("\"format\"", problem.GetRawText(), StringComparison.Ordinal);
    }

    private static string WritePem(TempFolder folder, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var path = Path.Combine(folder.Path, name);
        File.WriteAllText(path, key.ExportPkcs8PrivateKeyPem());
        return path;
    }

    /// <summary>Stops them in the order they depend on each other: the app, the proxy, then the Responder (and its folder).</summary>
    private sealed record TamperedPath(ResponderTestHost Responder, TamperProxy Proxy, ProtectedApp App) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.DisposeAsync();
            await Proxy.DisposeAsync();
            await Responder.DisposeAsync();
        }
    }
}
