using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using ZtStream.Responder.Console;
using ZtStream.TestSupport.Jose;

namespace ZtStream.Responder.Tests.Console.SignIn;

/// <summary>
/// The console's OpenID Connect sign-in under attack, through the HTTP path a browser takes (sign-in redirect, the
/// provider's callback, the session cookie), against a provider that answers with forged ID tokens: OpenID Connect
/// Core §3.1.3.7 (ID token validation), RFC 8725 (JWT best current practice), RFC 7636 (PKCE), state and nonce; and
/// the provider's keys changing (a rotation, a key withdrawn after a compromise) or out of reach while the wall clock
/// steps, which the console follows within its refresh intervals as time passes, not as the wall clock reads.
/// </summary>
public sealed class ConsoleSignInAttackTests : IAsyncLifetime
{
    private ScriptedOpenIdProvider idp = null!;
    private ResponderTestHost host = null!;

    // The key tests step its wall clock back and move the monotonic one, as an NTP step and the time after it would.
    // It starts two hours ahead of real time, so that after a step back the cookies of a sign-in in flight still expire
    // in the future of the client, which judges them by real time.
    private readonly SteppedFakeClock clock = new(DateTimeOffset.UtcNow.AddHours(2));

    public async ValueTask InitializeAsync()
    {
        idp = await ScriptedOpenIdProvider.StartAsync();
        host = await new ResponderTestHost(null, clock) { UseKestrel = true }
            .WithSetting("Responder:Sso:Authority", idp.Issuer)
            .WithSetting("Responder:Sso:ClientId", ScriptedOpenIdProvider.ClientId)
            .WithSetting("Responder:Sso:RequireHttpsMetadata", "false")
            .WithSetting("Responder:Sso:RoleMap:soc-analyst", "analyst")
            .WithSetting("Responder:ApiTokens:3:Name", "ada")
            .WithSetting("Responder:ApiTokens:3:Role", "admin")
            .WithSetting("Responder:ApiTokens:3:Token", AdminToken)
            .StartAsync();
    }

    private const string AdminToken = "admin-token-0123456789abcdef0123456789abc";

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

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string why)
    {
        // Checked apart first: a redirect's evidence is where it sends the browser, which its empty body does not show.
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{why}: answered {(int)response.StatusCode} {response.Headers.Location}");
        await HttpProblem.ReadAsync(response, HttpStatusCode.Unauthorized, why);
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

    /// <summary>
    /// The session cookie names a session kept in the store; it is worth nothing when it is not, byte for byte, the one
    /// the Responder issued for a session still live there: altered in one byte, protected with another key ring (another
    /// deployment's, or forged), protected with this one but carrying claims instead of a session key, naming a session
    /// key the store does not hold, or past the session's lifetime (idle, or active but signed in too long ago).
    /// </summary>
    [Theory]
    [InlineData("one byte altered")]
    [InlineData("another key ring")]
    [InlineData("claims in the cookie")]
    [InlineData("an unknown session key")]
    [InlineData("idle past its lifetime")]
    [InlineData("active past its maximum lifetime")]
    public async Task SessionCookie_NotALiveSessionsAsIssued_IsRefused(string attack)
    {
        using var owner = new Browser();
        await SignInAsync(owner);
        var issued = SessionCookie(owner)!;
        var cookies = host.Get<IOptionsMonitor<CookieAuthenticationOptions>>().Get(ConsoleSignIn.CookieScheme);
        var admin = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "eve"), new Claim("zt_role", "admin"), new Claim("zt_csrf", "eve-csrf")], ConsoleSignIn.CookieScheme));
        var sessionKey = new Claim("Microsoft.AspNetCore.Authentication.Cookies-SessionId", cookies.TicketDataFormat.Unprotect(issued)!.Principal.FindFirstValue("Microsoft.AspNetCore.Authentication.Cookies-SessionId")!);
        string Protect(ISecureDataFormat<AuthenticationTicket> format, params Claim[] extra)
        {
            var principal = admin.Clone();
            ((ClaimsIdentity)principal.Identity!).AddClaims(extra);
            return format.Protect(new AuthenticationTicket(principal, ConsoleSignIn.CookieScheme));
        }

        var presented = attack switch
        {
            "one byte altered" => issued[..(issued.Length / 2)] + (issued[issued.Length / 2] == 'A' ? 'B' : 'A') + issued[(issued.Length / 2 + 1)..],
            // The purposes the cookie handler protects with, under a key ring that is not the Responder's.
            "another key ring" => Protect(new TicketDataFormat(new EphemeralDataProtectionProvider().CreateProtector(
                "Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationMiddleware", ConsoleSignIn.CookieScheme, "v2")), sessionKey),
            "claims in the cookie" => Protect(cookies.TicketDataFormat),
            "an unknown session key" => Protect(cookies.TicketDataFormat, new Claim(sessionKey.Type, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)))),
            _ => issued,
        };
        switch (attack)
        {
            case "idle past its lifetime":
                host.Time.Advance(new ConsoleSsoOptions().SessionLifetime + TimeSpan.FromMinutes(1));
                break;
            case "active past its maximum lifetime":
                // Used every few hours, so never idle for its lifetime; signed in longer ago than the maximum all the same.
                for (var used = TimeSpan.Zero; used <= new ConsoleSsoOptions().MaxSessionLifetime; used += TimeSpan.FromHours(4))
                {
                    host.Time.Advance(TimeSpan.FromHours(4));
                    using var me = await owner.Http.GetAsync(At("/v1/me"), Ct);
                    if (me.StatusCode != HttpStatusCode.OK)
                    {
                        break;
                    }
                }

                break;
        }

        using var thief = new Browser();
        thief.Cookies.Add(host.BaseAddress!, new System.Net.Cookie(ConsoleSignIn.CookieName, presented));
        using var read = await thief.Http.GetAsync(At("/v1/me"), Ct);
        await HttpProblem.ReadAsync(read, HttpStatusCode.Unauthorized);
        using var write = new HttpRequestMessage(HttpMethod.Post, At("/v1/actions")) { Content = JsonContent.Create(new { kind = "revoke_subject_sessions", subject_id = "alice" }) };
        write.Headers.Add(ConsoleSignIn.CsrfHeader, "eve-csrf");
        using var written = await thief.Http.SendAsync(write, Ct);
        await HttpProblem.ReadAsync(written, HttpStatusCode.Unauthorized);
    }

    /// <summary>
    /// The session's name is who the audit trail and every action say did it, and what an admin ends sessions by: a name
    /// the provider gives with a line break, a character that shows nothing or one that turns the text around (a user
    /// who may edit their own name at some providers) would make them read as someone else. Such a sign-in is refused,
    /// audited with the hidden characters escaped, and makes no session; the API refuses the same names.
    /// </summary>
    [Theory]
    [InlineData("ad\u200Bmin", "ad\\u200Bmin")]
    [InlineData("ana\u202Etxt.exe", "ana\\u202Etxt.exe")]
    [InlineData("ana\nsigned in as admin", "ana\\u000Asigned in as admin")]
    public async Task SignIn_ANameThatReadsAsAnother_IsRefused_AuditedEscaped_AndMakesNoSession(string name, string audited)
    {
        idp.UserName = System.Text.RegularExpressions.Regex.Unescape(name);
        using var browser = new Browser();
        var (state, nonce) = await StartSignInAsync(browser);
        idp.IdToken = idp.Sign(idp.Claims(nonce));

        using var callback = await CallbackAsync(browser, state);

        await HttpProblem.ReadAsync(callback, HttpStatusCode.Forbidden, name);
        Assert.Null(SessionCookie(browser));
        Assert.Empty(await host.Get<ConsoleSessionStore>().ListAsync(Ct));
        Assert.Contains(await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.Forbidden), Ct), e => e.Actor == audited);
    }

    /// <summary>
    /// The role is the provider's answer at sign-in, kept with the session: one lowered at the provider takes effect at
    /// the next sign-in (at the latest <see cref="ConsoleSsoOptions.MaxSessionLifetime"/> later), or at once when an admin
    /// ends the user's sessions, after which the old cookie opens nothing and the next sign-in has the lower role.
    /// </summary>
    [Fact]
    public async Task RoleLoweredAtTheProvider_KeptUntilTheSessionEnds_AnAdminEndsItAtOnce_TheNextSignInHasTheLowerRole()
    {
        using var owner = new Browser();
        await SignInAsync(owner);
        await host.Get<AlertProcessor>().HandleAsync(TestAlerts.Critical("role-1"), Ct);
        idp.Roles = ["viewer"];
        var me = await owner.Http.GetFromJsonAsync<JsonElement>(At("/v1/me"), Ct);
        Assert.Equal("analyst", me.GetProperty("role").GetString());

        using (var end = await host.ClientFor(AdminToken).DeleteAsync("/v1/console/sessions?name=ana", Ct))
        {
            Assert.Equal(1, (await end.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("ended").GetInt32());
        }

        using (var stale = await SendCommentAsync(owner, me.GetProperty("csrf_token").GetString(), origin: null))
        {
            await HttpProblem.ReadAsync(stale, HttpStatusCode.Unauthorized);
        }

        using var again = new Browser();
        await SignInAsync(again);
        var lowered = await again.Http.GetFromJsonAsync<JsonElement>(At("/v1/me"), Ct);
        Assert.Equal("viewer", lowered.GetProperty("role").GetString());
        using var refused = await SendCommentAsync(again, lowered.GetProperty("csrf_token").GetString(), origin: null);
        await HttpProblem.ReadAsync(refused, HttpStatusCode.Forbidden);
        Assert.DoesNotContain(await host.Get<AlertStore>().HistoryAsync("role-1", Ct), h => h.Change == "comment");
    }

    /// <summary>
    /// Cross-site request forgery: a state-changing call carrying the session cookie is made only by the console, which
    /// sends the session's CSRF token from this origin. Without the token, with another's, from another origin (a page
    /// elsewhere, or an opaque <c>null</c> one), or marked by the browser as cross-site, it is a 403 problem, audited, and
    /// nothing changes; signing out is refused the same way, so another site cannot end the session either.
    /// </summary>
    [Theory]
    [InlineData("no token")]
    [InlineData("another token")]
    [InlineData("another origin")]
    [InlineData("an opaque origin")]
    [InlineData("a cross-site fetch")]
    public async Task StateChangingCall_WithTheSessionCookie_NotFromTheConsole_Is403_AndNothingChanges(string attack)
    {
        using var owner = new Browser();
        await SignInAsync(owner);
        await host.Get<AlertProcessor>().HandleAsync(TestAlerts.Critical("csrf-1"), Ct);
        var csrf = (await owner.Http.GetFromJsonAsync<JsonElement>(At("/v1/me"), Ct)).GetProperty("csrf_token").GetString();
        var (token, origin, fetchSite) = attack switch
        {
            "no token" => (null, Origin, "same-origin"),
            "another token" => (Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), Origin, "same-origin"),
            "another origin" => (csrf, "https://evil.example", null),
            "an opaque origin" => (csrf, "null", null),
            _ => (csrf, null, "cross-site"),
        };

        using (var forged = await SendCommentAsync(owner, token, origin, fetchSite))
        {
            await HttpProblem.ReadAsync(forged, HttpStatusCode.Forbidden);
        }

        using (var signOut = new HttpRequestMessage(HttpMethod.Post, At(ConsoleSignIn.SignOutPath)))
        {
            Headers(signOut, token, origin, fetchSite);
            using var refused = await owner.Http.SendAsync(signOut, Ct);
            await HttpProblem.ReadAsync(refused, HttpStatusCode.Forbidden);
        }

        Assert.DoesNotContain(await host.Get<AlertStore>().HistoryAsync("csrf-1", Ct), h => h.Change == "comment");
        Assert.Contains(await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.Forbidden), Ct), e => e.Actor == "ana");
        // The console's own call — its token, this origin — goes through on the same session, which the refusals left alive.
        using var console = await SendCommentAsync(owner, csrf, Origin, "same-origin");
        Assert.Equal(HttpStatusCode.Created, console.StatusCode);
    }

    private string Origin => host.BaseAddress!.GetLeftPart(UriPartial.Authority);

    private async Task<HttpResponseMessage> SendCommentAsync(Browser browser, string? csrf, string? origin, string? fetchSite = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, At("/v1/alerts/" + (await host.Get<AlertStore>().QueryAsync(new AlertQuery(), Ct))[0].Alert.Id + "/comments"))
        {
            Content = JsonContent.Create(new { text = "from somewhere" }),
        };
        Headers(request, csrf, origin, fetchSite);
        return await browser.Http.SendAsync(request, Ct);
    }

    private static void Headers(HttpRequestMessage request, string? csrf, string? origin, string? fetchSite)
    {
        if (csrf is not null)
        {
            request.Headers.Add(ConsoleSignIn.CsrfHeader, csrf);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }
    }

    /// <summary>Signs <paramref name="browser"/> in as the provider's user, through the real flow.</summary>
    private async Task SignInAsync(Browser? browser = null) => Assert.Equal(HttpStatusCode.Found, await SignInWithAsync(n => idp.Sign(idp.Claims(n)), browser));

    /// <summary>A sign-in whose callback carries the ID token <paramref name="token"/> makes for its nonce; the callback's status.</summary>
    private async Task<HttpStatusCode> SignInWithAsync(Func<string, string> token, Browser? browser = null)
    {
        using var own = browser is null ? new Browser() : null;
        var (state, nonce) = await StartSignInAsync(browser ?? own!);
        idp.IdToken = token(nonce);
        using var callback = await CallbackAsync(browser ?? own!, state);
        return callback.StatusCode;
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
            // RFC 7515 §4.1.4: the kid names the key that signed; a key it does not name must not stand in for it.
            ("the provider's key under a kid it does not publish", nonce => TestJws.Sign(new JsonObject { ["alg"] = "RS256", ["kid"] = "not-published" }, idp.Claims(nonce), idp.Key)),
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

            await AssertRefusedAsync(callback, why);
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
            await AssertRefusedAsync(noState, "no state");
        }

        // Login CSRF: the attacker's own callback, opened in the victim's browser, must not sign the victim in as the attacker.
        using (var csrf = await CallbackAsync(victim, attackerState))
        {
            await AssertRefusedAsync(csrf, "another browser's state");
        }

        Assert.Null(SessionCookie(victim));
        using (var first = await CallbackAsync(attacker, attackerState))
        {
            Assert.Equal(HttpStatusCode.Found, first.StatusCode);
        }

        using var replay = await CallbackAsync(attacker, attackerState);
        await AssertRefusedAsync(replay, "the same callback again");
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
            await AssertRefusedAsync(callback, $"unknown kid {i}");
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

    private string SignedWith(RSA key, string kid, string nonce) => TestJws.Sign(new JsonObject { ["alg"] = "RS256", ["kid"] = kid }, idp.Claims(nonce), key);

    /// <summary>
    /// The provider rotates its key after the wall clock stepped back an hour, six minutes after an unknown kid spent a
    /// refresh: the first ID token signed with the new key fetches the keys again and is verified by it. The five minutes
    /// between refreshes are time that passed, not a wall-clock time the step put an hour further off.
    /// </summary>
    [Fact]
    public async Task ProviderRotatesItsKey_AfterTheWallClockStepsBackAnHour_TheFirstTokenSignedWithTheNewKeyFetchesIt()
    {
        using var attacker = RSA.Create(2048);
        await SignInAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, await SignInWithAsync(n => SignedWith(attacker, "unknown", n)));

        clock.Offset = TimeSpan.FromHours(-1);
        clock.Advance(TimeSpan.FromMinutes(6));
        idp.RotateKey();

        var fetches = idp.JwksFetches;

        Assert.Equal(HttpStatusCode.Found, await SignInWithAsync(n => idp.Sign(idp.Claims(n))));
        Assert.Equal(fetches + 1, idp.JwksFetches);
    }

    /// <summary>
    /// A key the provider withdrew (compromised) verifies while the console keeps the keys it fetched — 12 hours of
    /// elapsed time — and not after, however far the wall clock stepped back meanwhile.
    /// </summary>
    [Fact]
    public async Task ProviderWithdrawsAKey_AfterTheWallClockStepsBack_ItStopsVerifyingTwelveHoursAfterTheFetch()
    {
        var (oldKid, oldKey) = (idp.KeyId, idp.Key);
        idp.RotateKey();
        Assert.Equal(HttpStatusCode.Found, await SignInWithAsync(n => SignedWith(oldKey, oldKid, n)));
        idp.Withdraw(oldKid);

        clock.Offset = TimeSpan.FromHours(-1);
        clock.Advance(TimeSpan.FromHours(11));
        var withinTheInterval = await SignInWithAsync(n => SignedWith(oldKey, oldKid, n));
        clock.Advance(TimeSpan.FromMinutes(61));
        var afterIt = await SignInWithAsync(n => SignedWith(oldKey, oldKid, n));

        Assert.Equal((HttpStatusCode.Found, HttpStatusCode.Unauthorized), (withinTheInterval, afterIt));
        Assert.Equal(HttpStatusCode.Found, await SignInWithAsync(n => idp.Sign(idp.Claims(n))));
    }

    /// <summary>
    /// ID tokens with unknown kids in bursts fetch the provider's keys once per five minutes of elapsed time: none
    /// more in a burst, and one again five minutes later although the wall clock stepped back an hour in between.
    /// </summary>
    [Fact]
    public async Task UnknownKidsInBursts_AcrossAStepBack_FetchTheKeysOncePerFiveMinutesOfElapsedTime()
    {
        using var attacker = RSA.Create(2048);
        await SignInAsync();
        var fetches = new List<int>();
        for (var burst = 0; burst < 3; burst++)
        {
            for (var i = 0; i < 4; i++)
            {
                Assert.Equal(HttpStatusCode.Unauthorized, await SignInWithAsync(n => SignedWith(attacker, $"unknown-{burst}-{i}", n)));
            }

            fetches.Add(idp.JwksFetches);
            clock.Offset -= TimeSpan.FromMinutes(30);
            clock.Advance(TimeSpan.FromMinutes(5));
        }

        // The first fetch and one per burst; the refresh the last burst asked for is still due.
        Assert.Equal([2, 3, 4], fetches);
    }

    /// <summary>
    /// The provider is down when the keys are due again (after a step back, by elapsed time): sign-in goes on with the
    /// keys fetched last, the fetch tried again no sooner than five minutes later.
    /// </summary>
    [Fact]
    public async Task ProviderDownAtTheRefresh_SignInKeepsWorkingOnTheLastGoodKeys()
    {
        await SignInAsync();
        idp.Down = true;
        clock.Offset = TimeSpan.FromHours(-1);
        clock.Advance(TimeSpan.FromHours(12) + TimeSpan.FromMinutes(1));
        var before = idp.DiscoveryFetches;

        await SignInAsync();
        var tried = idp.DiscoveryFetches;
        await SignInAsync();
        var triedAgain = idp.DiscoveryFetches;
        idp.Down = false;
        clock.Advance(TimeSpan.FromMinutes(5));
        await SignInAsync();

        // Counted as requests: IdentityModel's document retriever tries a 503 twice.
        Assert.True(tried > before, "the metadata was not asked for when due");
        Assert.Equal(tried, triedAgain);
        Assert.True(idp.DiscoveryFetches > triedAgain, "the metadata was not asked for five minutes after the failure");
    }

    /// <summary>The provider is down at the first sign-in: the console answers the sign-in failure as a 401 problem, and signs in once the provider is back.</summary>
    [Fact]
    public async Task ProviderDownAtFirstStart_SignInIsA503ToRetryWhenItIsFetchedAgain_ThenWorksOnceItIsBack()
    {
        idp.Down = true;
        using (var browser = new Browser())
        {
            using var response = await browser.Http.GetAsync(At(ConsoleSignIn.SignInPath), Ct);
            await HttpProblem.ReadRetryLaterAsync(response, HttpStatusCode.ServiceUnavailable, "identity-provider-unavailable");
            Assert.Equal(TimeSpan.FromMinutes(5), response.Headers.RetryAfter!.Delta);
            Assert.False(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith(ConsoleSignIn.CookieName + "=", StringComparison.Ordinal)),
                "a session cookie was set");
        }

        // Asked again within the five minutes, the provider is not: the wait left is what the answer says.
        clock.Advance(TimeSpan.FromMinutes(2));
        using (var browser = new Browser())
        {
            using var response = await browser.Http.GetAsync(At(ConsoleSignIn.SignInPath), Ct);
            await HttpProblem.ReadRetryLaterAsync(response, HttpStatusCode.ServiceUnavailable, "identity-provider-unavailable");
            Assert.Equal(TimeSpan.FromMinutes(3), response.Headers.RetryAfter!.Delta);
        }

        idp.Down = false;
        clock.Advance(TimeSpan.FromMinutes(3));
        await SignInAsync();
    }
}
