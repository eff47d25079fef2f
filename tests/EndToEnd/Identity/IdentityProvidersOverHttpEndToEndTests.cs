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
/// </summary>
public sealed class IdentityProvidersOverHttpEndToEndTests : IAsyncDisposable
{
    private const string ApiToken = "e2e-idp-http-token-0123456789abcdef0123456789ab";
    private readonly ZtStreamProcesses processes = new("zt-e2e-idp-http-");

    [Fact]
    public async Task EntraAndAuth0_EachDeliveryPath_RenamedWithMembersLeftOut_SameAlerts()
    {
        var ct = Ct;
        var db = Path.Combine(processes.Folder.FullName, "zt.db");
        var keys = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["entra"] = await processes.AddSourceAsync("entra-contoso", ["--sqlite", db, "--kinds", "auth.*"], ct),
            ["auth0"] = await processes.AddSourceAsync("auth0-initrode", ["--sqlite", db, "--kinds", "auth.*"], ct),
        };
        var run = await processes.StartAsync("ztstream", [
            "run", "--sqlite", db, "--urls", "http://127.0.0.1:0", "--set", "Verifier:ModelEnabled=false",
            "--set", "Responder:ApiTokens:0:Name=e2e", "--set", "Responder:ApiTokens:0:Role=analyst", "--set", $"Responder:ApiTokens:0:Token={ApiToken}",
        ], waitForListening: true, ct);
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
            () => processes.Output, ct);
    }

    public ValueTask DisposeAsync() => processes.DisposeAsync();
}
