using static ZtStream.TestSupport.Metamorphic.IdpDeliveryPaths;

namespace ZtStream.EndToEnd.Identity;

/// <summary>
/// Sign-in attacks as an operator meets them: Okta's System Log delivered to a running <c>ztstream run</c> (embedded
/// event log, store and bus) through <c>/v1/sources/okta</c>, and the same records replayed with
/// <c>ztstream replay --format okta</c>. Twenty failed sign-ins then a success is a high alert naming the count; ten
/// denied pushes then an accepted one is MFA fatigue; a risky sign-in raises the application's accesses in its session.
/// </summary>
public sealed class IdentityDetectionEndToEndTests() : ProcessTests("zt-e2e-identity-")
{
    private const string ApiToken = "e2e-identity-token-0123456789abcdef0123456789ab";
    private int next;

    [Fact]
    public async Task OktaOverHttp_BruteForceThenSuccess_MfaFatigue_AndARiskySessionAtTheApplication()
    {
        var ct = Ct;
        var db = Processes.SqlitePath;
        var okta = await Processes.AddSourceAsync("okta-prod", ["--sqlite", db], ct);
        var keycloak = await Processes.AddSourceAsync("keycloak-prod", ["--sqlite", db], ct);
        var app = await Processes.AddSourceAsync("billing-app", ["--sqlite", db], ct);
        var run = await RunAsync(db, ["--set", "Ingest:IdentitySubjects:keycloak=user_id"], ct);
        using var api = ZtStreamApi.Client(run.Url, ApiToken);
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-30);

        // 20 failed sign-ins for one user from one address, as an Okta event hook delivers them; then the success.
        using (var http = ZtStreamApi.Client(run.Url, okta))
        {
            await ZtStreamApi.PostAcceptedAsync(http, "/v1/sources/okta", OktaEventHook(Enumerable.Range(0, 20).Select(i =>
                OktaLog("user.session.start", "dana.fox@acme.example", "203.0.113.9", t0.AddSeconds(15 * i), "FAILURE", "INVALID_CREDENTIALS").ToJsonString())), ct);
            await ZtStreamApi.PostAcceptedAsync(http, "/v1/sources/okta", OktaEventHook(OktaLog("user.session.start", "dana.fox@acme.example", "203.0.113.9", t0.AddMinutes(6), session: "idxDana0001").ToJsonString()), ct);

            // Ten denied Okta Verify pushes, then one accepted.
            await ZtStreamApi.PostAcceptedAsync(http, "/v1/sources/okta", OktaEventHook(Enumerable.Range(0, 10).Select(i =>
                OktaLog("user.mfa.okta_verify.deny_push", "sam.lee@acme.example", "203.0.113.77", t0.AddSeconds(20 * i), "FAILURE", "User rejected Okta push verify", "idxSam0001", factor: "OKTA_VERIFY_PUSH").ToJsonString())), ct);
            await ZtStreamApi.PostAcceptedAsync(http, "/v1/sources/okta", OktaEventHook(OktaLog("user.authentication.auth_via_mfa", "sam.lee@acme.example", "203.0.113.77", t0.AddMinutes(4), session: "idxSam0001", factor: "OKTA_VERIFY_PUSH").ToJsonString()), ct);

            // A sign-in Okta rated high risk; the application then sees a token of that session.
            await ZtStreamApi.PostAcceptedAsync(http, "/v1/sources/okta", OktaEventHook(OktaLog("user.session.start", "lee.park@acme.example", "198.51.100.150", t0.AddMinutes(10), session: "idxLee0001", risk: "HIGH").ToJsonString()), ct);
        }

        var brute = await ZtStreamApi.WaitForReasonAsync(api, "dana.fox@acme.example", "identity", "success_after_failures", ct);
        Assert.Equal("high", brute.Alert.GetProperty("severity").GetString());
        Assert.Contains("after 20 failed sign-ins", brute.Text, StringComparison.Ordinal);

        var fatigue = await ZtStreamApi.WaitForReasonAsync(api, "sam.lee@acme.example", "identity", "mfa_fatigue", ct);
        Assert.Contains("after 10 refused", fatigue.Text, StringComparison.Ordinal);
        Assert.Contains(fatigue.Alert.GetProperty("severity").GetString(), new[] { "high", "critical" });

        using (var http = ZtStreamApi.Client(run.Url, app))
        {
            await ZtStreamApi.PostAcceptedAsync(http, "/v1/events", Access("lee.park@acme.example", "idxLee0001", t0.AddMinutes(12)), ct);
        }

        var risky = await ZtStreamApi.WaitForReasonAsync(api, "lee.park@acme.example", "identity", "risky_session", ct);
        Assert.Contains("in session idxLee0001", risky.Text, StringComparison.Ordinal);
        Assert.Contains("identity-high-risk-sign-in", risky.Text, StringComparison.Ordinal);

        // Keycloak names users by username, its tokens by user id: with Ingest:IdentitySubjects:keycloak=user_id its events
        // key by the id, so the guessed-then-successful sign-in and the application's access are one principal.
        const string userId = "3f6b2d1e-8c4a-4b7e-9a2f-1d3c5e7f9a0b";
        using (var http = ZtStreamApi.Client(run.Url, keycloak))
        {
            var events = new JsonArray();
            for (var i = 0; i < 12; i++)
            {
                events.Add(KeycloakEvent("LOGIN_ERROR", userId, "alice", "198.51.100.12", t0.AddMinutes(20).AddSeconds(10 * i), error: "invalid_user_credentials"));
            }

            events.Add(KeycloakEvent("LOGIN", userId, "alice", "198.51.100.12", t0.AddMinutes(23), session: "6e1c0f5a-2b3d-4e8f-9a7b-c6d5e4f3a2b1"));
            await ZtStreamApi.PostAcceptedAsync(http, "/v1/sources/keycloak", events.ToJsonString(), ct);
        }

        using (var http = ZtStreamApi.Client(run.Url, app))
        {
            await ZtStreamApi.PostAcceptedAsync(http, "/v1/events", Access(userId, "6e1c0f5a-2b3d-4e8f-9a7b-c6d5e4f3a2b1", t0.AddMinutes(24)), ct);
        }

        var linked = await ZtStreamApi.WaitForReasonAsync(api, userId, "identity", "risky_session", ct);
        Assert.Contains("signed in at keycloak after 12 failed sign-ins", linked.Text, StringComparison.Ordinal);

        // A spray: one failure for each of 12 accounts from one address. The accounts are keyed to all three partitions of
        // the embedded log; each failure's address twin is keyed by the address, so one partition counts them all.
        var accounts = Enumerable.Range(0, 12).Select(i => $"spray-target-{i}@acme.example").ToList();
        Assert.Equal(3, accounts.Select(a => Platform.EventLog.Murmur2Partitioner.PartitionFor(a, 3)).Distinct().Count());
        using (var http = ZtStreamApi.Client(run.Url, okta))
        {
            await ZtStreamApi.PostAcceptedAsync(http, "/v1/sources/okta", OktaEventHook(accounts.Select((a, i) =>
                OktaLog("user.session.start", a, "198.51.100.250", t0.AddMinutes(-25 + (2 * i)), "FAILURE", "INVALID_CREDENTIALS").ToJsonString())), ct);
        }

        var spray = await ZtStreamApi.WaitForReasonAsync(api, "ip:198.51.100.250", "rule", "identity-password-spray", ct);
        Assert.Equal("high", spray.Alert.GetProperty("severity").GetString());
        Assert.Contains("distinct attributes.auth.account", spray.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OktaReplay_TheSameAttacksFromASystemLogFile()
    {
        var ct = Ct;
        var t0 = new DateTimeOffset(2024, 5, 6, 9, 0, 0, TimeSpan.Zero);
        var file = Path.Combine(Processes.Folder.FullName, "okta-system-log.ndjson");
        var lines = new List<string>();
        lines.AddRange(Enumerable.Range(0, 20).Select(i => OktaLog("user.session.start", "dana.fox@acme.example", "203.0.113.9", t0.AddSeconds(15 * i), "FAILURE", "INVALID_CREDENTIALS", pipelineTime: true).ToJsonString()));
        lines.Add(OktaLog("user.session.start", "dana.fox@acme.example", "203.0.113.9", t0.AddMinutes(6), session: "idxDana0001", pipelineTime: true).ToJsonString());
        lines.AddRange(Enumerable.Range(0, 10).Select(i => OktaLog("user.mfa.okta_verify.deny_push", "sam.lee@acme.example", "203.0.113.77", t0.AddSeconds(20 * i), "FAILURE", "User rejected Okta push verify", "idxSam0001", factor: "OKTA_VERIFY_PUSH").ToJsonString()));
        lines.Add(OktaLog("user.authentication.auth_via_mfa", "sam.lee@acme.example", "203.0.113.77", t0.AddMinutes(4), session: "idxSam0001", factor: "OKTA_VERIFY_PUSH").ToJsonString());
        await File.WriteAllLinesAsync(file, lines, ct);

        var replay = await Processes.RunToExitAsync("ztstream", ["replay", file, "--format", "okta", "--set", "Verifier:ModelEnabled=false"], 0, ZtStreamApi.Timeout, ct);

        var alerts = replay.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith('{') && l.Contains("\"dedup_key\"", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .ToList();
        var brute = Assert.Single(alerts, a => Reasons(a).Any(r => r.GetProperty("rule").GetString() == "success_after_failures"));
        Assert.Equal("dana.fox@acme.example", brute.GetProperty("principal").GetString());
        Assert.Equal("high", brute.GetProperty("severity").GetString());
        Assert.Contains("after 20 failed sign-ins", Reasons(brute).First(r => r.GetProperty("rule").GetString() == "success_after_failures").GetProperty("text").GetString(), StringComparison.Ordinal);

        // The brute-force rule alerted on the failures before the success did (the tenth within ten minutes).
        Assert.Contains(alerts, a => Reasons(a).Any(r => r.GetProperty("rule").GetString() == "identity-brute-force"));
        var fatigue = Assert.Single(alerts, a => Reasons(a).Any(r => r.GetProperty("rule").GetString() == "mfa_fatigue"));
        Assert.Equal("sam.lee@acme.example", fatigue.GetProperty("principal").GetString());
    }

    [Fact]
    public async Task SdkAppAndOkta_OneUserWrittenThreeWays_AreOnePrincipal_SoTheRiskySignInReachesTheAppsAccess()
    {
        var ct = Ct;
        var db = Processes.SqlitePath;
        var okta = await Processes.AddSourceAsync("okta-prod", ["--sqlite", db], ct);
        var app = await Processes.AddSourceAsync("orders-app", ["--sqlite", db], ct);
        var run = await RunAsync(db, [], ct);
        using var api = ZtStreamApi.Client(run.Url, ApiToken);

        // Okta logs the login as it was typed: fullwidth letters, a decomposed ë, capitals.
        using (var http = ZtStreamApi.Client(run.Url, okta))
        {
            await ZtStreamApi.PostAcceptedAsync(http, "/v1/sources/okta", OktaEventHook(OktaLog(
                "user.session.start", "\uff3a\uff4f\uff45\u0308.M\u00dcLLER@ACME.EXAMPLE", "198.51.100.150", DateTimeOffset.UtcNow.AddMinutes(-5),
                session: "idxZoe0001", risk: "HIGH").ToJsonString()), ct);
        }

        // The SDK-protected sample service keys its users by preferred_username, which the token holds composed and capitalised.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ZtStream:SubjectClaim"] = "preferred_username",
            ["ZtStream:FlushInterval"] = "00:00:00.050",
        }).Build();
        await using var sample = SampleCommand.Build(configuration, run.Url, app, feed: null, "http://127.0.0.1:0");
        await sample.StartAsync(ct);
        using var client = new HttpClient { BaseAddress = new Uri(sample.Urls.First()) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/orders");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SampleTokens.Create(new()
        {
            ["sub"] = "00u1zoe", ["preferred_username"] = "ZO\u00cb.M\u00fcller@Acme.Example", ["sid"] = "idxZoe0001",
            ["jti"] = Guid.NewGuid().ToString("N"), ["client_id"] = "orders-web",
        }));
        using (var response = await client.SendAsync(request, ct))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // One principal in the Verifier: the sign-in's risk is on the application's access in that session.
        var risky = await ZtStreamApi.WaitForReasonAsync(api, "zo\u00eb.m\u00fcller@acme.example", "identity", "risky_session", ct);
        Assert.Contains("in session idxZoe0001", risky.Text, StringComparison.Ordinal);
        Assert.Contains("/api/orders", risky.Text, StringComparison.Ordinal);
        Assert.Empty(await ZtStreamApi.AlertsAsync(api, "ZO\u00cb.M\u00fcller@Acme.Example", ct));
    }

    /// <summary>
    /// The same attacks renamed and carried another way reach the same verdict through the path a user's records take:
    /// once as Okta's Event Hook delivers them, once with the users, their domain, sessions and addresses renamed
    /// (fullwidth and non-ASCII letters, capitals, IPv6, an IPv4-mapped address) and each record posted alone in its
    /// EventBridge envelope — to <c>/v1/sources/okta</c> of a running <c>ztstream run</c>, then read from its alerts API.
    /// </summary>
    [Fact]
    public async Task OktaOverHttp_RenamedAndThroughEventBridge_SameVerdicts()
    {
        var ct = Ct;
        var db = Processes.SqlitePath;
        var okta = await Processes.AddSourceAsync("okta-prod", ["--sqlite", db], ct);
        var run = await RunAsync(db, [], ct);
        using var api = ZtStreamApi.Client(run.Url, ApiToken);
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-40);

        List<JsonObject> Attacks(string guessed, string guessedFrom, string fatigued, string fatiguedFrom, string sprayed, string sprayFrom) =>
        [
            .. Enumerable.Range(0, 12).Select(i => OktaLog("user.session.start", guessed, guessedFrom, t0.AddSeconds(15 * i), "FAILURE", "INVALID_CREDENTIALS")),
            OktaLog("user.session.start", guessed, guessedFrom, t0.AddMinutes(5), session: "idx" + guessed.GetHashCode(StringComparison.Ordinal)),
            .. Enumerable.Range(0, 10).Select(i => OktaLog("user.mfa.okta_verify.deny_push", fatigued, fatiguedFrom, t0.AddMinutes(8).AddSeconds(20 * i), "FAILURE", "User rejected Okta push verify", "idxF" + fatigued.Length, factor: "OKTA_VERIFY_PUSH")),
            OktaLog("user.authentication.auth_via_mfa", fatigued, fatiguedFrom, t0.AddMinutes(13), session: "idxF" + fatigued.Length, factor: "OKTA_VERIFY_PUSH"),
            .. Enumerable.Range(0, 10).Select(i => OktaLog("user.session.start", string.Format(CultureInfo.InvariantCulture, sprayed, i), sprayFrom, t0.AddMinutes(15 + i), "FAILURE", "INVALID_CREDENTIALS")),
        ];

        using (var http = ZtStreamApi.Client(run.Url, okta))
        {
            await ZtStreamApi.PostAcceptedAsync(http, "/v1/sources/okta", OktaEventHook(Attacks("dagny.fogg@acmecorp.test", "203.0.113.9", "saku.lehto@acmecorp.test", "198.51.100.77", "sprayed{0}@acmecorp.test", "198.51.100.250").Select(l => l.ToJsonString())), ct);
            foreach (var log in Attacks("\uff24\uff21\uff27\uff2e\uff39.F\u00d6GG@Zo\u00eb-Corp.TEST", "2001:db8:41::9", "Saku.Lehto-Second@zo\u00eb-corp.test", "::ffff:192.0.2.77", "SPR\u00c4YED{0}@zo\u00eb-corp.test", "2001:DB8:52:0:0:0:0:FA"))
            {
                await ZtStreamApi.PostAcceptedAsync(http, "/v1/sources/okta", OktaEventBridge("zoe-corp", log.ToJsonString()), ct);
            }
        }

        // Each pair: the original principal and the renamed one, as the adapters key them (logins folded, addresses shortest,
        // an IPv6 address's twin by its /64).
        (string Original, string Renamed, string Detector, string Rule)[] pairs =
        [
            ("dagny.fogg@acmecorp.test", "dagny.f\u00f6gg@zo\u00eb-corp.test", "identity", "success_after_failures"),
            ("saku.lehto@acmecorp.test", "saku.lehto-second@zo\u00eb-corp.test", "identity", "mfa_fatigue"),
            ("ip:198.51.100.250", "ip:2001:db8:52::/64", "rule", "identity-password-spray"),
        ];
        foreach (var (original, renamed, detector, rule) in pairs)
        {
            var expected = await ZtStreamApi.WaitForReasonAsync(api, original, detector, rule, ct);
            var actual = await ZtStreamApi.WaitForReasonAsync(api, renamed, detector, rule, ct);
            Assert.Equal(expected.Alert.GetProperty("severity").GetString(), actual.Alert.GetProperty("severity").GetString());
            Assert.Equal(
                Reasons(expected.Alert).Single(r => r.GetProperty("rule").GetString() == rule).GetProperty("score").GetInt32(),
                Reasons(actual.Alert).Single(r => r.GetProperty("rule").GetString() == rule).GetProperty("score").GetInt32());
        }

        // The IPv4-mapped address is one client with its IPv4 form: the fatigue's sign-in names it as IPv4.
        var fatigue = await ZtStreamApi.WaitForReasonAsync(api, "saku.lehto-second@zo\u00eb-corp.test", "identity", "mfa_fatigue", ct);
        Assert.Contains("from 192.0.2.77", fatigue.Text, StringComparison.Ordinal);
    }

    /// <summary><c>ztstream run</c> on <paramref name="db"/> without the model, with an analyst's API token.</summary>
    private Task<ZtStreamProcess> RunAsync(string db, string[] settings, CancellationToken ct) => Processes.RunAsync("ztstream", [
        "--sqlite", db,
        "--set", "Verifier:ModelEnabled=false",
        .. ZtStreamApi.ApiToken("analyst", ApiToken), .. settings,
    ], ct);

    private static IEnumerable<JsonElement> Reasons(JsonElement alert) => alert.GetProperty("reasons").EnumerateArray();

    private JsonObject OktaLog(
        string eventType, string user, string ip, DateTimeOffset at, string result = "SUCCESS", string? reason = null, string? session = null,
        string? risk = null, string? factor = null, bool pipelineTime = false)
    {
        var debug = new JsonObject();
        if (risk is not null)
        {
            debug["risk"] = $"{{reasons=Anomalous Geo-Distance, New Device, level={risk}}}";
        }

        if (factor is not null)
        {
            debug["factor"] = factor;
        }

        var outcome = new JsonObject { ["result"] = result };
        if (reason is not null)
        {
            outcome["reason"] = reason;
        }

        return new JsonObject
        {
            ["uuid"] = $"e2e00000-0000-4000-8000-{Interlocked.Increment(ref next):D12}",
            // Log pipelines write Okta's time as "YYYY-MM-DD hh:mm:ss.fffffffff" (UTC); the API and hooks as ISO 8601.
            ["published"] = pipelineTime
                ? at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fffffff'00'", CultureInfo.InvariantCulture)
                : at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["eventType"] = eventType,
            ["version"] = "0",
            ["severity"] = result == "SUCCESS" ? "INFO" : "WARN",
            ["actor"] = new JsonObject { ["id"] = "00u1" + user.Split('@')[0], ["type"] = "User", ["alternateId"] = user },
            ["client"] = new JsonObject { ["ipAddress"] = ip, ["userAgent"] = new JsonObject { ["rawUserAgent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0" } },
            ["outcome"] = outcome,
            ["authenticationContext"] = new JsonObject { ["externalSessionId"] = session ?? "unknown" },
            ["debugContext"] = new JsonObject { ["debugData"] = debug },
        };
    }

    private JsonObject KeycloakEvent(string type, string userId, string username, string ip, DateTimeOffset at, string? session = null, string? error = null)
    {
        var e = new JsonObject
        {
            ["id"] = $"kc-e2e-{Interlocked.Increment(ref next)}",
            ["time"] = at.ToUnixTimeMilliseconds(),
            ["type"] = type,
            ["realmId"] = "acme",
            ["clientId"] = "billing-web",
            ["userId"] = userId,
            ["ipAddress"] = ip,
            ["details"] = new JsonObject { ["auth_method"] = "openid-connect", ["username"] = username },
        };
        if (session is not null)
        {
            e["sessionId"] = session;
        }

        if (error is not null)
        {
            e["error"] = error;
        }

        return e;
    }

    /// <summary>What the SDK sends for one request carrying a token of <paramref name="session"/> (its <c>sid</c> claim).</summary>
    private string Access(string subject, string session, DateTimeOffset at) => new JsonArray(new JsonObject
    {
        ["id"] = $"sdk-e2e-{Interlocked.Increment(ref next)}",
        ["time"] = at.ToString("O", CultureInfo.InvariantCulture),
        ["kind"] = "access.request",
        ["subject"] = new JsonObject { ["id"] = subject, ["type"] = "user" },
        ["token"] = new JsonObject { ["jti"] = Guid.NewGuid().ToString("N"), ["session_id"] = session, ["client_id"] = "billing-web" },
        ["network"] = new JsonObject { ["src_ip"] = "198.51.100.150" },
        ["resource"] = new JsonObject { ["type"] = "http_route", ["id"] = "/invoices/{id}" },
        ["action"] = "GET",
        ["outcome"] = "success",
        ["status"] = 200,
    }).ToJsonString();
}
