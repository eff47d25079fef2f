using ZtStream.TestSupport.Metamorphic;

namespace ZtStream.EndToEnd.Identity;

/// <summary>
/// Entra ID and Auth0 records of five attacks at once (<see cref="IdpScenario"/>: a password guessed after failures,
/// MFA fatigue, a session used from two networks, a first sign-in from another country, a spray) posted to one running
/// <c>ztstream run</c>, as written through the vendor's most common path — Entra's diagnostic-settings export
/// (<c>{"records": […]}</c>), Auth0's log-stream webhook (a JSON array) — and again through each of the vendor's other
/// paths — Event Hubs batches, Log Analytics rows and Graph <c>signIn</c> pages; the webhook's JSON lines and one JSON
/// object a request, EventBridge events and Management API pages — each copy with every user, tenant, application,
/// session, device, place and address renamed consistently and members no rule reads left out or null. The Responder
/// lists the same alerts on the renamed principals, with the same severities, scores, counts and rules. The copies' record
/// ids are renamed too: Ingest keeps a record's id, and the event log drops an id it has seen as the same event sent again.
/// Keycloak's user events likewise, as its webhook listener posts them.
/// </summary>
public sealed class IdentityProvidersOverHttpEndToEndTests(IdentityProvidersOverHttpEndToEndTests.Run run) : IClassFixture<IdentityProvidersOverHttpEndToEndTests.Run>
{
    private const string ApiToken = "e2e-idp-http-token-0123456789abcdef0123456789ab";

    /// <summary>
    /// The one <c>ztstream run</c> of the class: each test adds its own sources to its store and posts records no other
    /// test names, and each compares only the alerts on its own scenario's principals.
    /// </summary>
    public sealed class Run : IAsyncLifetime
    {
        public ZtStreamProcesses Processes { get; } = new("zt-e2e-idp-http-");

        public string Db => Processes.SqlitePath;

        public Uri Url { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            var process = await Processes.RunAsync("ztstream", [
                "--sqlite", Db, "--set", "Verifier:ModelEnabled=false",
                .. ZtStreamApi.ApiToken("analyst", ApiToken),
            ], TestContext.Current.CancellationToken);
            Url = process.Url;
        }

        public ValueTask DisposeAsync() => Processes.DisposeAsync();
    }

    [Fact]
    public async Task EntraAndAuth0_EachDeliveryPath_RenamedWithMembersLeftOut_SameAlerts()
    {
        var ct = Ct;
        var keys = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["entra"] = await run.Processes.AddSourceAsync("entra-contoso", ["--sqlite", run.Db, "--kinds", "auth.*"], ct),
            ["auth0"] = await run.Processes.AddSourceAsync("auth0-initrode", ["--sqlite", run.Db, "--kinds", "auth.*"], ct),
        };
        using var api = ZtStreamApi.Client(run.Url, ApiToken);

        // The scenarios span a week; they end two hours ago, well inside Ingest:MaxEventAge.
        var t0 = DateTimeOffset.UtcNow.AddDays(-7).AddHours(-2);
        var rules = ZtStream.Verifier.Rules.RuleLoader.Builtin().Select(s => s.Text).ToList();
        var random = new Random(JsonMetamorphs.Seed);
        var copies = new List<(string What, Renaming Renaming)>();
        foreach (var format in new[] { "entra", "auth0" })
        {
            var scenario = IdpScenario.Of(format, t0);
            using var http = ZtStreamApi.Client(run.Url, keys[format]);
            var paths = IdpDeliveryPaths.Of(format, scenario.Records, random).ToList();
            foreach (var payload in paths[0].Payloads)
            {
                await ZtStreamApi.PostAcceptedAsync(http, $"/v1/sources/{format}", payload, ct);
            }

            for (var i = 1; i < paths.Count; i++)
            {
                var renaming = new Renaming([.. scenario.Names, .. scenario.Ids], scenario.Addresses, random, Renaming.IdentityName,
                    name => rules.Exists(t => t.Contains(name, StringComparison.OrdinalIgnoreCase)));
                var renamed = scenario.Records.Select(r => JsonMetamorphs.Prune(renaming.Apply(r), random, IdpScenario.Unread).AsObject()).ToList();
                var (path, payloads) = IdpDeliveryPaths.Of(format, renamed, random).ElementAt(i);
                foreach (var payload in payloads)
                {
                    await ZtStreamApi.PostAcceptedAsync(http, $"/v1/sources/{format}", payload, ct);
                }

                copies.Add(($"{format} through {path}", renaming));
            }
        }

        await AlertVerdicts.SameAsync(api, copies,
            [
                "tpelkonen@contoso-ltd.test identity/success_after_failures",
                "rjones@contoso-ltd.test identity/mfa_fatigue",
                "amartin@contoso-ltd.test identity/session_hijack",
                "bchen@contoso-ltd.test identity/new_country",
                "ip:198.51.100.251 rule/identity-password-spray",
                "aino.salo@initrode.example identity/success_after_failures",
                "omar.haddad@initrode.example identity/mfa_fatigue",
                "li.wei@initrode.example identity/session_hijack",
                "ip:198.51.100.252 rule/identity-password-spray",
            ],
            () => run.Processes.Output, ct);
    }

    /// <summary>
    /// Keycloak's user events as an event-listener webhook posts them (Keycloak's <c>EventRepresentation</c>: <c>time</c>
    /// in Unix milliseconds, <c>details.username</c>; an unknown user's <c>user_not_found</c> without <c>userId</c>): a
    /// password guessed after twelve failures, a spray over ten accounts, one session refreshed from another network.
    /// Posted as a JSON array, then renamed as JSON lines, and renamed again one event a request without the optional
    /// <c>id</c> (older Keycloak): the same alerts.
    /// </summary>
    [Fact]
    public async Task Keycloak_ArrayLinesAndOneByOne_RenamedWithoutIds_SameAlerts()
    {
        var ct = Ct;
        var key = await run.Processes.AddSourceAsync("keycloak-northwind", ["--sqlite", run.Db, "--kinds", "auth.*"], ct);
        using var api = ZtStreamApi.Client(run.Url, ApiToken);
        using var http = ZtStreamApi.Client(run.Url, key);

        var t0 = DateTimeOffset.UtcNow.AddHours(-3);
        var n = 0;
        var events = new List<JsonObject>();
        void Add(string type, string username, string? userId, string ip, DateTimeOffset at, string? session = null, string? error = null)
        {
            var e = new JsonObject
            {
                ["id"] = $"9c0d{++n:D4}-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                ["time"] = at.ToUnixTimeMilliseconds(),
                ["type"] = type,
                ["realmId"] = "northwind-prod",
                ["clientId"] = "portal-web",
                ["userId"] = userId,
                ["sessionId"] = session,
                ["ipAddress"] = ip,
                ["error"] = error,
                ["details"] = new JsonObject
                {
                    ["auth_method"] = "openid-connect", ["auth_type"] = "code", ["username"] = username,
                    ["redirect_uri"] = "https://portal.northwind.example/callback",
                },
            };
            foreach (var absent in e.Where(p => p.Value is null).Select(p => p.Key).ToList())
            {
                e.Remove(absent);
            }

            events.Add(e);
        }

        const string Mirja = "0b6e3f7a-1c2d-4e5f-8a9b-7c6d5e4f3a2b";
        for (var i = 0; i < 12; i++)
        {
            Add("LOGIN_ERROR", "mirja.koski@northwind.example", Mirja, "203.0.113.60", t0.AddSeconds(20 * i), error: "invalid_user_credentials");
        }

        Add("LOGIN", "mirja.koski@northwind.example", Mirja, "203.0.113.60", t0.AddMinutes(5), session: "4d3c2b1a-0f9e-4d8c-b7a6-958473625140");
        for (var i = 0; i < 10; i++)
        {
            Add("LOGIN_ERROR", $"kcspray{i}", i % 2 == 0 ? $"1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f{i}" : null, "198.51.100.201", t0.AddMinutes(10 + (2 * i)),
                error: i % 2 == 0 ? "invalid_user_credentials" : "user_not_found");
        }

        Add("LOGIN", "teo.laine@northwind.example", "7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d", "198.51.100.70", t0.AddMinutes(40), session: "aa11bb22-cc33-4d44-8e55-ff6677889900");
        Add("REFRESH_TOKEN", "teo.laine@northwind.example", "7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d", "203.0.113.91", t0.AddMinutes(43), session: "aa11bb22-cc33-4d44-8e55-ff6677889900");

        string[] names =
        [
            "mirja.koski", "teo.laine", "northwind.example", "northwind-prod", "portal-web", .. Enumerable.Range(0, 10).Select(i => $"kcspray{i}"),
            Mirja, "7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d", "4d3c2b1a-0f9e-4d8c-b7a6-958473625140", "aa11bb22-cc33-4d44-8e55-ff6677889900",
            .. Enumerable.Range(0, 10).Where(i => i % 2 == 0).Select(i => $"1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f{i}"),
            .. events.Select(e => e["id"]!.GetValue<string>()),
        ];
        string[] addresses = ["203.0.113.60", "198.51.100.201", "198.51.100.70", "203.0.113.91"];
        var rules = ZtStream.Verifier.Rules.RuleLoader.Builtin().Select(s => s.Text).ToList();
        var random = new Random(JsonMetamorphs.Seed);
        Renaming Rename() => new(names, addresses, random, Renaming.IdentityName, name => rules.Exists(t => t.Contains(name, StringComparison.OrdinalIgnoreCase)));

        await ZtStreamApi.PostAcceptedAsync(http, "/v1/sources/keycloak", new JsonArray([.. events.Select(e => e.DeepClone())]).ToJsonString(), ct);
        var lines = Rename();
        foreach (var batch in JsonMetamorphs.Split(events, random, 8))
        {
            await ZtStreamApi.PostAcceptedAsync(http, "/v1/sources/keycloak", string.Join('\n', batch.Select(e => JsonMetamorphs.Reorder(lines.Apply(e), random).ToJsonString())), ct);
        }

        var alone = Rename();
        foreach (var e in events)
        {
            // Without an id (Keycloak before 23), an event is known by a digest of what it says.
            var renamed = alone.Apply(e).AsObject();
            renamed.Remove("id");
            await ZtStreamApi.PostAcceptedAsync(http, "/v1/sources/keycloak", renamed.ToJsonString(), ct);
        }

        await AlertVerdicts.SameAsync(api, [("JSON lines", lines), ("one event a request, no ids", alone)],
            ["mirja.koski@northwind.example identity/success_after_failures", "ip:198.51.100.201 rule/identity-password-spray"],
            () => run.Processes.Output, ct);
    }
}
