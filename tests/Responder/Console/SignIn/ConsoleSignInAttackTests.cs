using Microsoft.AspNetCore.WebUtilities;
using ZtStream.Responder.Console;
using ZtStream.TestSupport.Jose;

namespace ZtStream.Responder.Tests.Console.SignIn;

/// <summary>
/// The console's OpenID Connect sign-in under attack, through the HTTP path a browser takes (sign-in redirect, the
/// provider's callback, the session cookie), against a provider that answers with forged ID tokens: OpenID Connect
/// Core §3.1.3.7 (ID token validation), RFC 8725 (JWT best current practice), RFC 7636 (PKCE), state and nonce.
/// </summary>
public sealed class ConsoleSignInAttackTests : IAsyncLifetime
{
    private ScriptedOpenIdProvider idp = null!;
    private ResponderTestHost host = null!;

    public async ValueTask InitializeAsync()
    {
        idp = await ScriptedOpenIdProvider.StartAsync();
        host = await new ResponderTestHost(null, new FakeTimeProvider(DateTimeOffset.UtcNow)) { UseKestrel = true }
            .WithSetting("Responder:Sso:Authority", idp.Issuer)
            .WithSetting("Responder:Sso:ClientId", ScriptedOpenIdProvider.ClientId)
            .WithSetting("Responder:Sso:RequireHttpsMetadata", "false")
            .WithSetting("Responder:Sso:RoleMap:soc-analyst", "analyst")
            .StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await host.DisposeAsync();
        await idp.DisposeAsync();
    }

    /// <summary>A browser: its own cookie jar, redirects not followed so each step can be read.</summary>
    private sealed class Browser : IDisposable
    {
        public CookieContainer Cookies { get; } = new();

        public HttpClient Http { get; }

        public Browser() => Http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false });

        public void Dispose() => Http.Dispose();
    }

    private Uri At(string pathAndQuery) => new(host.BaseAddress!, pathAndQuery);

    /// <summary>Starts a sign-in: the Responder redirects to the provider; the state and nonce are read from that redirect.</summary>
    private async Task<(string State, string Nonce)> StartSignInAsync(Browser browser, string query = "")
    {
        using var response = await browser.Http.GetAsync(At(ConsoleSignIn.SignInPath + query), Ct);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.StartsWith(idp.Issuer + "/authorize", location.ToString(), StringComparison.Ordinal);
        var parameters = QueryHelpers.ParseQuery(location.Query);
        Assert.Equal("S256", parameters["code_challenge_method"].ToString());
        idp.Authorized(parameters["code_challenge"].ToString());
        return (parameters["state"].ToString(), parameters["nonce"].ToString());
    }

    private Task<HttpResponseMessage> CallbackAsync(Browser browser, string? state) =>
        browser.Http.GetAsync(At(ConsoleSignIn.CallbackPath + "?code=scripted-code" + (state is null ? "" : "&state=" + Uri.EscapeDataString(state))), Ct);

    private string? SessionCookie(Browser browser) => browser.Cookies.GetCookies(host.BaseAddress!)[ConsoleSignIn.CookieName]?.Value;

    private static void AssertRefused(HttpResponseMessage response, string why)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{why}: answered {(int)response.StatusCode} {response.Headers.Location}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith(ConsoleSignIn.CookieName + "=", StringComparison.Ordinal) && !c.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase)),
            $"{why}: a session cookie was set");
    }

    [Fact]
    public async Task SignIn_ValidIdToken_IssuesANewSessionCookie_NotOneSetBefore_AndReturnsToTheConsoleWhateverTheReturnUrl()
    {
        using var browser = new Browser();
        // Session fixation: a cookie planted before sign-in must not become the session.
        browser.Cookies.Add(host.BaseAddress!, new System.Net.Cookie(ConsoleSignIn.CookieName, "planted-by-an-attacker"));
        var (state, nonce) = await StartSignInAsync(browser, "?ReturnUrl=https%3A%2F%2Fevil.example%2F&returnUrl=%2F%2Fevil.example&redirect_uri=https%3A%2F%2Fevil.example%2F");
        idp.IdToken = idp.Sign(idp.Claims(nonce));

        using var callback = await CallbackAsync(browser, state);

        Assert.True(callback.StatusCode == HttpStatusCode.Found, $"answered {(int)callback.StatusCode}: {await callback.Content.ReadAsStringAsync(Ct)} {idp.TokenRequestError}");
        Assert.Equal(ConsoleEndpoints.BasePath + "/", callback.Headers.Location!.OriginalString);
        var session = SessionCookie(browser);
        Assert.NotNull(session);
        Assert.NotEqual("planted-by-an-attacker", session);
        var me = await browser.Http.GetFromJsonAsync<JsonElement>(At("/v1/me"), Ct);
        Assert.Equal(("ana", "analyst"), (me.GetProperty("name").GetString(), me.GetProperty("role").GetString()));
    }

    /// <summary>
    /// A session cookie copied off a signed-in browser (a shared machine, malware, a proxy log) is worth nothing once its
    /// owner signs out: the session ends in the store, not only in the owner's cookie jar. Signing out is audited.
    /// </summary>
    [Fact]
    public async Task SignOut_EndsTheSessionOnTheServer_ACopiedCookieIsRefusedAfterwards()
    {
        using var owner = new Browser();
        await SignInAsync(owner);

        using var thief = new Browser();
        thief.Cookies.Add(host.BaseAddress!, new System.Net.Cookie(ConsoleSignIn.CookieName, SessionCookie(owner)));
        using (var stolen = await thief.Http.GetAsync(At("/v1/me"), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, stolen.StatusCode);
        }

        var me = await owner.Http.GetFromJsonAsync<JsonElement>(At("/v1/me"), Ct);
        using var signOut = new HttpRequestMessage(HttpMethod.Post, At(ConsoleSignIn.SignOutPath));
        signOut.Headers.Add(ConsoleSignIn.CsrfHeader, me.GetProperty("csrf_token").GetString());
        using (var signedOut = await owner.Http.SendAsync(signOut, Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, signedOut.StatusCode);
        }

        using var after = await thief.Http.GetAsync(At("/v1/me"), Ct);
        await HttpProblem.ReadAsync(after, HttpStatusCode.Unauthorized);
        var audit = await host.Get<AuditLog>().QueryAsync(new AuditQuery(Limit: 50), Ct);
        Assert.Contains(audit, e => e.Kind == AuditKinds.SignedOut && e.Actor == "ana");
    }

    /// <summary>
    /// The alert stream outlives the request that opened it: once its session ends — signed out through the real
    /// endpoint, past its lifetime, or ended by an admin — a browser left open (or a copied cookie's holder) must not
    /// receive the next alert; the stream closes, and the console's reconnect meets a 401.
    /// </summary>
    [Theory]
    [InlineData("sign-out")]
    [InlineData("expiry")]
    [InlineData("admin")]
    public async Task AlertStream_EndsWithItsSession_TheNextAlertIsNotDelivered(string end)
    {
        using var owner = new Browser();
        await SignInAsync(owner);

        var csrf = (await owner.Http.GetFromJsonAsync<JsonElement>(At("/v1/me"), Ct)).GetProperty("csrf_token").GetString();
        using var response = await owner.Http.GetAsync(At("/v1/alerts/stream"), HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));

        // While the session lives, the stream delivers.
        await host.Get<AlertProcessor>().HandleAsync(TestAlerts.Critical("while-signed-in"), Ct);
        Assert.Equal(["while-signed-in"], (await ReadStreamAsync(reader, stopAt: "while-signed-in")).Alerts);

        switch (end)
        {
            case "sign-out":
                using (var signOut = new HttpRequestMessage(HttpMethod.Post, At(ConsoleSignIn.SignOutPath)))
                {
                    signOut.Headers.Add(ConsoleSignIn.CsrfHeader, csrf);
                    using var signedOut = await owner.Http.SendAsync(signOut, Ct);
                    Assert.Equal(HttpStatusCode.NoContent, signedOut.StatusCode);
                }

                break;
            case "expiry":
                host.Time.Advance(new ConsoleSsoOptions().SessionLifetime + TimeSpan.FromMinutes(1));
                break;
            default:
                Assert.Equal(1, await host.Get<ConsoleSessionStore>().EndAllAsync("ana", Ct));
                break;
        }

        await host.Get<AlertProcessor>().HandleAsync(TestAlerts.Critical("after-the-session"), Ct);
        var (alerts, ended) = await ReadStreamAsync(reader, stopAt: "after-the-session");

        Assert.Empty(alerts);
        Assert.True(ended, "the stream stayed open after its session ended");
        using var reconnect = await owner.Http.GetAsync(At("/v1/alerts/stream"), HttpCompletionOption.ResponseHeadersRead, Ct);
        await HttpProblem.ReadAsync(reconnect, HttpStatusCode.Unauthorized);
    }

    /// <summary>The revocation feed's stream, read with a console session, ends with it too: a signed-out browser learns no more.</summary>
    [Fact]
    public async Task RevocationStream_EndsWithItsSession_TheNextEntryIsNotDelivered()
    {
        using var owner = new Browser();
        await SignInAsync(owner);

        using var response = await owner.Http.GetAsync(At(RevocationFeed.StreamPath), HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));

        Assert.Equal(1, await host.Get<ConsoleSessionStore>().EndAllAsync("ana", Ct));
        await host.Get<RevocationStore>().AddAsync(
            new RevocationRequest(Guid.NewGuid(), RevocationStore.SubjectEntry, null, null, "after-the-session", host.Time.GetUtcNow(), "t", host.Time.GetUtcNow().AddHours(1)), Ct);
        // The feed's hub polls the store on the host's clock: let it come round.
        host.Time.Advance(TimeSpan.FromSeconds(20));
        var (data, ended) = await ReadStreamAsync(reader, stopAt: "after-the-session");

        Assert.Empty(data);
        Assert.True(ended, "the stream stayed open after its session ended");
    }

    /// <summary>Signs <paramref name="browser"/> in as the provider's user, through the real flow.</summary>
    private async Task SignInAsync(Browser browser)
    {
        var (state, nonce) = await StartSignInAsync(browser);
        idp.IdToken = idp.Sign(idp.Claims(nonce));
        using var callback = await CallbackAsync(browser, state);
        Assert.Equal(HttpStatusCode.Found, callback.StatusCode);
    }

    /// <summary>The alert ids an event stream delivers until it ends (ended) or delivers <paramref name="stopAt"/>, within 15 seconds.</summary>
    private static async Task<(List<string> Alerts, bool Ended)> ReadStreamAsync(StreamReader reader, string stopAt)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        var alerts = new List<string>();
        try
        {
            while (await reader.ReadLineAsync(timeout.Token) is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    continue;
                }

                using var data = JsonDocument.Parse(line[6..]);
                // An alert's id; anything else (a revocation entry) by its whole text.
                var id = data.RootElement.TryGetProperty("alert", out var alert) ? alert.GetProperty("id").GetString()! : data.RootElement.GetRawText();
                alerts.Add(id);
                if (id == stopAt)
                {
                    return (alerts, false);
                }
            }

            return (alerts, true);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !Ct.IsCancellationRequested)
        {
            return (alerts, false);
        }
    }

    [Fact]
    public async Task Callback_ForgedOrMisdirectedIdTokens_AreRefusedAndNoSessionIsMade()
    {
        using var attacker = RSA.Create(2048);
        var now = DateTimeOffset.UtcNow;
        var jwks = Encoding.UTF8.GetBytes(idp.Jwks());
        (string Why, Func<string, string> Token)[] cases =
        [
            ("alg none", nonce => TestJws.Sign(new JsonObject { ["alg"] = "none", ["typ"] = "JWT" }, idp.Claims(nonce))),
            ("HS256 keyed with the provider's public key", nonce => TestJws.Sign(new JsonObject { ["alg"] = "HS256", ["kid"] = idp.KeyId }, idp.Claims(nonce), secret: jwks)),
            ("attacker's key in a jwk header", nonce => TestJws.Sign(new JsonObject { ["alg"] = "RS256", ["kid"] = "attacker", ["jwk"] = TestJws.PublicJwk(attacker, "attacker") }, idp.Claims(nonce), attacker)),
            ("attacker's JWKS in a jku header", nonce => TestJws.Sign(new JsonObject { ["alg"] = "RS256", ["kid"] = "attacker", ["jku"] = "https://evil.example/jwks" }, idp.Claims(nonce), attacker)),
            ("attacker's key under the provider's kid", nonce => TestJws.Sign(new JsonObject { ["alg"] = "RS256", ["kid"] = idp.KeyId }, idp.Claims(nonce), attacker)),
            ("crit naming an unknown extension", nonce => idp.Sign(idp.Claims(nonce), new JsonObject { ["crit"] = new JsonArray("urn:example:must-understand"), ["urn:example:must-understand"] = true })),
            ("PS256 with a key published for RS256", nonce => idp.Sign(idp.Claims(nonce), new JsonObject { ["alg"] = "PS256" })),
            ("another issuer", nonce => idp.Sign(With(idp.Claims(nonce), "iss", "https://evil.example"))),
            ("another client's audience", nonce => idp.Sign(With(idp.Claims(nonce), "aud", "another-client"))),
            ("no audience", nonce => idp.Sign(Without(idp.Claims(nonce), "aud"))),
            ("issued to another client (azp)", nonce => idp.Sign(With(With(idp.Claims(nonce), "aud", new JsonArray(ScriptedOpenIdProvider.ClientId, "another-client")), "azp", "another-client"))),
            ("expired", nonce => idp.Sign(With(idp.Claims(nonce), "exp", now.AddMinutes(-10).ToUnixTimeSeconds()))),
            ("no exp", nonce => idp.Sign(Without(idp.Claims(nonce), "exp"))),
            ("not valid before an hour from now", nonce => idp.Sign(With(idp.Claims(nonce), "nbf", now.AddHours(1).ToUnixTimeSeconds()))),
            ("another sign-in's nonce", nonce => idp.Sign(idp.Claims("nonce-of-another-sign-in"))),
            ("no nonce", nonce => idp.Sign(Without(idp.Claims(nonce), "nonce"))),
        ];

        List<string> accepted = [];
        foreach (var (why, token) in cases)
        {
            using var browser = new Browser();
            var (state, nonce) = await StartSignInAsync(browser);
            idp.IdToken = token(nonce);

            using var callback = await CallbackAsync(browser, state);

            if (callback.StatusCode != HttpStatusCode.Unauthorized || SessionCookie(browser) is not null)
            {
                accepted.Add($"{why}: answered {(int)callback.StatusCode}");
                continue;
            }

            AssertRefused(callback, why);
        }

        Assert.True(accepted.Count == 0, string.Join("; ", accepted));
    }

    [Fact]
    public async Task Callback_WithoutState_WithAnotherBrowsersState_OrReplayed_IsRefused()
    {
        using var victim = new Browser();
        using var attacker = new Browser();
        var (attackerState, attackerNonce) = await StartSignInAsync(attacker);
        idp.IdToken = idp.Sign(idp.Claims(attackerNonce));

        using (var noState = await CallbackAsync(victim, state: null))
        {
            AssertRefused(noState, "no state");
        }

        // Login CSRF: the attacker's own callback, opened in the victim's browser, must not sign the victim in as the attacker.
        using (var csrf = await CallbackAsync(victim, attackerState))
        {
            AssertRefused(csrf, "another browser's state");
        }

        Assert.Null(SessionCookie(victim));
        using (var first = await CallbackAsync(attacker, attackerState))
        {
            Assert.Equal(HttpStatusCode.Found, first.StatusCode);
        }

        using var replay = await CallbackAsync(attacker, attackerState);
        AssertRefused(replay, "the same callback again");
    }

    [Fact]
    public async Task Callback_IdTokensWithUnknownKids_RefetchTheProvidersKeysAtMostOnce()
    {
        using var attacker = RSA.Create(2048);
        for (var i = 0; i < 4; i++)
        {
            using var browser = new Browser();
            var (state, nonce) = await StartSignInAsync(browser);
            idp.IdToken = TestJws.Sign(new JsonObject { ["alg"] = "RS256", ["kid"] = $"unknown-{i}" }, idp.Claims(nonce), attacker);
            using var callback = await CallbackAsync(browser, state);
            AssertRefused(callback, $"unknown kid {i}");
        }

        // The first fetch, and one refresh for an unknown kid; more would let forged tokens drive traffic to the provider.
        Assert.InRange(idp.JwksFetches, 1, 2);
    }

    private static JsonObject With(JsonObject claims, string name, JsonNode? value)
    {
        claims[name] = value;
        return claims;
    }

    private static JsonObject Without(JsonObject claims, string name)
    {
        claims.Remove(name);
        return claims;
    }
}
