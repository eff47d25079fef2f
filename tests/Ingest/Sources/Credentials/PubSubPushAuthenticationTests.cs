using System.Security.Cryptography.X509Certificates;

namespace ZtStream.Ingest.Tests.Sources.Credentials;

/// <summary>
/// An authenticated Pub/Sub push subscription posting GKE's audit log with the OIDC token Google signs, as Google's
/// documentation describes it (RS256, iss accounts.google.com, aud the configured audience, email the push service
/// account, email_verified): a loopback JWKS with RSA keys made here stands for Google's, every token is signed here,
/// and each is posted to the real endpoint.
/// </summary>
public sealed class PubSubPushAuthenticationTests : IAsyncLifetime
{
    private const string Path = "/v1/sources/k8s-audit";
    private const string Audience = "https://ingest.example.com/v1/sources/k8s-audit";
    private const string PushAccount = "gke-audit-push@shop-prod.iam.gserviceaccount.com";
    private const string Source = "gke-shop";

    private TestTransmitter google = null!;

    public async ValueTask InitializeAsync() => google = await TestTransmitter.StartAsync("https://accounts.google.com");

    public async ValueTask DisposeAsync() => await google.DisposeAsync();

    private Dictionary<string, string?> Settings() => new(IngestServer.AnyAge)
    {
        [$"Ingest:PubSubPush:Sources:{Source}:ServiceAccounts:0"] = PushAccount,
        [$"Ingest:PubSubPush:Sources:{Source}:Audiences:0"] = Audience,
        [$"Ingest:PubSubPush:Sources:{Source}:JwksUri"] = google.JwksUri.ToString(),
        ["Ingest:PubSubPush:JwksRefetchInterval"] = "00:00:00",
    };

    private async Task<IngestServer> StartAsync(Dictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        var server = await IngestServer.StartInProcessAsync(settings ?? Settings(), time);
        await server.AddSourceAsync(Source, new SourceScope(Kinds: ["k8s.audit"]));
        return server;
    }

    /// <summary>The claims of the token Pub/Sub sends with a push, issued at <paramref name="now"/>.</summary>
    private static JsonObject Claims(DateTimeOffset? now = null, string audience = Audience, string email = PushAccount, string issuer = "https://accounts.google.com") =>
        TestTransmitter.PubSubPushClaims(audience, email, now, issuer);

    private string Sign(JsonObject claims, RSA? with = null, string? kid = null) => google.Sign(claims, typ: "JWT", with: with, kid: kid);

    private static Task<HttpResponseMessage> PushAsync(IngestServer server, string token) =>
        server.PostAsync(Path, Sources.TestData.Managed("gke-pubsub-push.json"), token);

    private static async Task AssertRefusedAsync(IngestServer server, string token, string why)
    {
        using var response = await PushAsync(server, token);
        var problem = await HttpProblem.ReadNamingAsync(response, HttpStatusCode.Unauthorized, why);
        // A refusal says why without repeating the credential.
        Assert.DoesNotContain(token, problem.GetRawText(), StringComparison.Ordinal);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_WithGooglesToken_IsAcceptedAndTheGkeEntryIsAnEventOfTheSource()
    {
        await using var server = await StartAsync();

        using var response = await PushAsync(server, Sign(Claims()));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var e = Assert.Single(await server.ReadLoggedAsync(1)).Event;
        Assert.Equal(EventKinds.K8sAudit, e.Kind);
        Assert.Equal(Source, e.Source);
        Assert.Equal("dev@shop.example", e.Subject?.Id);
    }

    [Fact]
    public async Task Push_WithTheShortIssuerSpelling_IsAccepted()
    {
        await using var server = await StartAsync();

        using var response = await PushAsync(server, Sign(Claims(issuer: "accounts.google.com")));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Push_WithATokenOfEveryKindOfWrong_Is401NamingWhy()
    {
        await using var server = await StartAsync();
        using var stranger = RSA.Create(2048);
        var now = DateTimeOffset.UtcNow;

        await AssertRefusedAsync(server, "eyJhbGciOiJSUzI1NiJ9.not-base64-json.c2ln", "not a JWT");
        await AssertRefusedAsync(server, Sign(Claims(), with: stranger), "signature does not verify");
        await AssertRefusedAsync(server, Sign(Claims(), with: stranger, kid: "not-googles"), "no key with kid 'not-googles'");
        await AssertRefusedAsync(server, TestJws.Sign(new JsonObject { ["alg"] = "none", ["typ"] = "JWT", ["kid"] = google.KeyId }, Claims()), "alg 'none'");
        // RFC 8725 §2.1: the published RSA key used as an HMAC secret.
        await AssertRefusedAsync(server, TestJws.Sign(new JsonObject { ["alg"] = "HS256", ["typ"] = "JWT", ["kid"] = google.KeyId }, Claims(), secret: Encoding.UTF8.GetBytes(google.Jwks())), "alg 'HS256'");
        await AssertRefusedAsync(server, Sign(Claims(issuer: "https://evil.example.com")), "issuer 'https://evil.example.com' is not Google");
        await AssertRefusedAsync(server, Sign(Claims(audience: "https://other.example.com/push")), "audience 'https://other.example.com/push'");
        await AssertRefusedAsync(server, Sign(Claims(now.AddHours(-2))), "expired");
        await AssertRefusedAsync(server, Sign(Claims(now.AddMinutes(30))), "issued in the future");
        var notYet = Claims();
        notYet["nbf"] = now.AddMinutes(20).ToUnixTimeSeconds();
        await AssertRefusedAsync(server, Sign(notYet), "not valid before");
        var unverified = Claims();
        unverified["email_verified"] = false;
        await AssertRefusedAsync(server, Sign(unverified), "email is not verified");
        await AssertRefusedAsync(server, Sign(Claims(email: "someone-else@shop-prod.iam.gserviceaccount.com")), "'someone-else@shop-prod.iam.gserviceaccount.com' is not a push service account allowed");
        var noExpiry = Claims();
        noExpiry.Remove("exp");
        await AssertRefusedAsync(server, google.SignWithHeader(new JsonObject { ["typ"] = "JWT" }, noExpiry), "no exp");
        Assert.Empty(await server.ReadLoggedAsync(0));
    }

    /// <summary>
    /// RFC 7515 §4.1.4: the kid names the key that signed the token, so a token naming a kid Google does not publish is
    /// refused even when its signature verifies with a key Google does publish (the kid differing in case is another kid:
    /// the value is case-sensitive). Before, the token handler fell back to trying every published key and accepted it.
    /// A token without a kid names no key and may still be verified by any.
    /// </summary>
    [Fact]
    public async Task Push_NamingAKidGoogleDoesNotPublish_Is401EvenSignedWithAPublishedKey()
    {
        await using var server = await StartAsync();

        await AssertRefusedAsync(server, Sign(Claims(), kid: "google-key-retired"), $"no key with kid 'google-key-retired' is published at {google.JwksUri}");
        await AssertRefusedAsync(server, Sign(Claims(), kid: google.KeyId.ToUpperInvariant()), $"no key with kid '{google.KeyId.ToUpperInvariant()}' is published at {google.JwksUri}");
        Assert.Empty(await server.ReadLoggedAsync(0));

        using var response = await PushAsync(server, google.SignRaw("""{"alg":"RS256","typ":"JWT"}""", Claims().ToJsonString()));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    /// <summary>
    /// RFC 8725 §3.10: the keys are Google's as published at the configured JWKS, never ones the token names: a token
    /// signed by another key that carries it (<c>jwk</c>, <c>x5c</c>) or points at it (<c>jku</c>, <c>x5u</c>), with or
    /// without a kid, is refused; and an issuer Google does not write (plain http, a trailing slash) is not Google's.
    /// </summary>
    [Fact]
    public async Task Push_WithATokenNamingItsOwnKeyOrANearIssuer_Is401AndNothingIsAppended()
    {
        await using var server = await StartAsync();
        using var attacker = RSA.Create(2048);
        var certificate = Convert.ToBase64String(new CertificateRequest("CN=accounts.google.com", attacker, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1)).Export(X509ContentType.Cert));
        JsonObject Header(string member, JsonNode value, string? kid) =>
            kid is null ? new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT", [member] = value } : new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = kid, [member] = value };

        (string Why, JsonObject Header)[] carried =
        [
            ("jwk, attacker's kid", Header("jwk", TestJws.PublicJwk(attacker, "attacker"), "attacker")),
            ("jwk, Google's kid", Header("jwk", TestJws.PublicJwk(attacker, google.KeyId), google.KeyId)),
            ("jku, no kid", Header("jku", "https://attacker.example/certs", null)),
            ("x5u, attacker's kid", Header("x5u", "https://attacker.example/cert.pem", "attacker")),
            ("x5c, no kid", Header("x5c", new JsonArray(certificate), null)),
            ("x5c, Google's kid", Header("x5c", new JsonArray(certificate), google.KeyId)),
        ];
        foreach (var (why, header) in carried)
        {
            using var response = await PushAsync(server, TestJws.Sign(header, Claims(), attacker));
            await HttpProblem.ReadAsync(response, HttpStatusCode.Unauthorized, why);
        }

        await AssertRefusedAsync(server, Sign(Claims(issuer: "http://accounts.google.com")), "issuer 'http://accounts.google.com' is not Google");
        await AssertRefusedAsync(server, Sign(Claims(issuer: "https://accounts.google.com/")), "issuer 'https://accounts.google.com/' is not Google");
        Assert.Empty(await server.ReadLoggedAsync(0, TimeSpan.FromMilliseconds(200)));
    }

    /// <summary>
    /// Two push sources: a token for one's audience speaks for it only with one of its own push accounts, not the other
    /// source's (each subscription's account speaks for its own source alone).
    /// </summary>
    [Fact]
    public async Task Push_WithTheAudienceOfOneSourceAndTheAccountOfAnother_Is401AndNothingIsAppended()
    {
        const string OtherAccount = "gke-dev-push@shop-dev.iam.gserviceaccount.com";
        var settings = Settings();
        settings["Ingest:PubSubPush:Sources:gke-dev:ServiceAccounts:0"] = OtherAccount;
        settings["Ingest:PubSubPush:Sources:gke-dev:Audiences:0"] = "https://ingest.example.com/v1/sources/k8s-audit?cluster=dev";
        settings["Ingest:PubSubPush:Sources:gke-dev:JwksUri"] = google.JwksUri.ToString();
        await using var server = await StartAsync(settings);
        await server.AddSourceAsync("gke-dev");

        await AssertRefusedAsync(server, Sign(Claims(email: OtherAccount)), $"'{OtherAccount}' is not a push service account allowed for source '{Source}'");

        Assert.Empty(await server.ReadLoggedAsync(0, TimeSpan.FromMilliseconds(200)));
    }

    /// <summary>
    /// RFC 7515 §5.2: a token naming a claim twice is refused, signed or not, since parsers disagree on which copy
    /// counts: here the allowed push account is written last, after another.
    /// </summary>
    [Fact]
    public async Task Push_WithATokenNamingAClaimTwice_Is401()
    {
        await using var server = await StartAsync();
        var twice = Claims().ToJsonString().Replace("\"email\":", "\"email\":\"someone-else@shop-prod.iam.gserviceaccount.com\",\"email\":", StringComparison.Ordinal);

        await AssertRefusedAsync(server, google.SignRaw("""{"alg":"RS256","typ":"JWT","kid":"{kid}"}""", twice), "named twice");

        Assert.Empty(await server.ReadLoggedAsync(0));
    }

    /// <summary>
    /// A token Google signed for the same push service account but another push endpoint (another subscription, another
    /// service's URL, which saw the token) is no credential here, even sent with that endpoint's host in <c>Host</c>:
    /// the audience is checked against what Ingest was told, never against what the request says it was sent to.
    /// </summary>
    [Fact]
    public async Task Push_ATokenForAnotherEndpoint_SentWithThatHost_Is401AndNothingIsAppended()
    {
        await using var server = await StartAsync();
        const string Elsewhere = "reports.example.net";
        var token = Sign(Claims(audience: $"{server.Address.Scheme}://{Elsewhere}{Path}"));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Path, UriKind.Relative))
        {
            Content = new ByteArrayContent(Sources.TestData.Managed("gke-pubsub-push.json")),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Host = Elsewhere;

        using var response = await server.Client.SendAsync(request, Ct);

        await HttpProblem.ReadAsync(response, HttpStatusCode.Unauthorized);
        Assert.Empty(await server.ReadLoggedAsync(0, TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Push_WithinTheClockSkew_IsAccepted()
    {
        await using var server = await StartAsync();

        // A token stamped 20 s ahead of Ingest's clock (Google's and ours never agree exactly) is not refused.
        using var response = await PushAsync(server, Sign(Claims(DateTimeOffset.UtcNow.AddSeconds(20))));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Push_ForARevokedSource_Is401NamingTheSource()
    {
        await using var server = await StartAsync();
        Assert.True(await server.RevokeSourceAsync(Source));

        await AssertRefusedAsync(server, Sign(Claims()), $"source '{Source}' is not an active source");
    }

    /// <summary>
    /// A push source revoked in the store by another replica after this one remembered it as active: Google's valid token
    /// no longer speaks for it once <c>Ingest:CredentialCacheTime</c> has passed, as a source key would not.
    /// </summary>
    [Fact]
    public async Task Push_ForASourceRevokedByAnotherReplica_IsRefusedOnceTheCacheTimePassed()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = Settings();
        settings["Ingest:CredentialCacheTime"] = "00:00:05";
        await using var server = await StartAsync(settings, time);
        using (var remembered = await PushAsync(server, Sign(Claims(time.GetUtcNow()))))
        {
            Assert.Equal(HttpStatusCode.Accepted, remembered.StatusCode);
        }

        Assert.True(await server.RevokeSourceAsync(Source));
        time.Advance(TimeSpan.FromSeconds(5));

        await AssertRefusedAsync(server, Sign(Claims(time.GetUtcNow())), $"source '{Source}' is not an active source");
        Assert.Single(await server.ReadLoggedAsync(1, TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Push_AfterGoogleRotatesItsKey_RefetchesTheJwksAndAccepts()
    {
        await using var server = await StartAsync();
        using (var first = await PushAsync(server, Sign(Claims())))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }

        google.RotateKey("google-key-2");
        using var second = await PushAsync(server, Sign(Claims()));

        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(2, google.JwksFetches);
    }

    [Fact]
    public async Task Push_WhileTheJwksCannotBeFetched_Is503WithRetryAfterAndNothingLogged()
    {
        await using var server = await StartAsync();
        var token = Sign(Claims());
        await google.DisposeAsync();

        using var response = await PushAsync(server, token);

        await HttpProblem.ReadNamingAsync(response, HttpStatusCode.ServiceUnavailable, "could not be fetched");
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Empty(await server.ReadLoggedAsync(0));
        google = await TestTransmitter.StartAsync("https://accounts.google.com");
    }

    [Fact]
    public async Task Push_WithAnUnknownKidWhileTheJwksIsDown_Is503NotARefusal()
    {
        await using var server = await StartAsync();
        using (var first = await PushAsync(server, Sign(Claims())))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }

        // Google has rotated (a kid Ingest has not seen) and its JWKS does not answer: neither accept nor refuse for good.
        using var rotated = RSA.Create(2048);
        var token = Sign(Claims(), with: rotated, kid: "google-key-2");
        await google.DisposeAsync();

        using var response = await PushAsync(server, token);

        await HttpProblem.ReadAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(response.Headers.RetryAfter);
        google = await TestTransmitter.StartAsync("https://accounts.google.com");
    }

    [Fact]
    public async Task Push_JwksKeptForItsCacheControlMaxAge_NotRefetchedBeforeAndRefetchedAfter()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = Settings();
        settings["Ingest:PubSubPush:JwksCacheTime"] = "00:01:00";
        google.JwksCacheControl = "public, max-age=21600, must-revalidate, no-transform";
        await using var server = await StartAsync(settings, time);

        using (var first = await PushAsync(server, Sign(Claims(time.GetUtcNow()))))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }

        // Past the configured time, within the max-age Google's answer gave: the keys are still the ones fetched.
        time.Advance(TimeSpan.FromHours(5));
        using (var second = await PushAsync(server, Sign(Claims(time.GetUtcNow()))))
        {
            Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        }

        Assert.Equal(1, google.JwksFetches);
        time.Advance(TimeSpan.FromHours(2));
        using (var third = await PushAsync(server, Sign(Claims(time.GetUtcNow()))))
        {
            Assert.Equal(HttpStatusCode.Accepted, third.StatusCode);
        }

        Assert.Equal(2, google.JwksFetches);
    }

    [Fact]
    public async Task Push_WithASourceKey_StillAuthenticatesByTheKey()
    {
        await using var server = await StartAsync();
        var key = await server.AddSourceAsync("gke-forwarder");

        using var response = await PushAsync(server, key);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("gke-forwarder", Assert.Single(await server.ReadLoggedAsync(1)).Event.Source);
    }

    [Fact]
    public async Task PushToAnotherSourceEndpoint_GooglesTokenIsNotASourceCredential()
    {
        await using var server = await StartAsync();

        using var response = await server.PostAsync("/v1/sources/falco", "{}", Sign(Claims()));

        await HttpProblem.ReadAsync(response, HttpStatusCode.Unauthorized);
    }
}
