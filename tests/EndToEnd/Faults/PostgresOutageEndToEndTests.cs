using ZtStream.TestSupport.Http;

namespace ZtStream.EndToEnd.Faults;

/// <summary>
/// <c>ztstream run</c> as a real process on a PostgreSQL store (a server of this test's own, stopped and started for
/// real) while attacks flow and the response policy revokes their tokens: meanwhile the API answers 503 problems with
/// Retry-After, not 500; once the server is back every acknowledged attack is alerted once and its token revoked once.
/// </summary>
public sealed class PostgresOutageEndToEndTests() : ProcessTests("zt-pg-outage-")
{
    private const string ApiToken = "outage-responder-token-0123456789abcdef0123";

    [Fact]
    public async Task PostgresStoppedWhileAttacksFlow_ApiAnswers503WithRetryAfter_ThenEveryAttackIsAlertedAndRevokedOnce()
    {
        await using var postgres = new PostgresFixture();
        var database = await postgres.CreateDatabaseAsync(Ct);
        var policy = await ResponsePolicies.RevokeTokensAsync(Processes.Folder, "low");
        string[] store = ["--store", "postgres", "--postgres", database];

        // Trusted for any subject, so its evidence may revoke automatically.
        var key = await Processes.AddSourceAsync("outage-app", ["--subjects", "*", .. store], Ct);
        var run = await Processes.RunAsync(
            "run",
            [.. store, .. ResponsePolicies.ResponderSettings(policy, ApiToken),
             // The source's key stays trusted through the outage, so attacks are acknowledged while the store is down.
             "--set", "Ingest:CredentialCacheTime=00:05:00"],
            Ct);
        using var ingest = ZtStreamApi.Client(run.Url, key);
        using var api = ZtStreamApi.Client(run.Url, ApiToken);

        await PostAttackAsync(ingest, "user:before");
        await WaitForRevokedAsync(api, run, ["user:before"]);

        await postgres.StopServerAsync();
        List<string> during = ["user:during-1", "user:during-2", "user:during-3"];
        foreach (var victim in during)
        {
            await PostAttackAsync(ingest, victim);
        }

        foreach (var path in new[] { "/v1/alerts?limit=10", "/v1/actions", $"/v1/alerts/{Uri.EscapeDataString("no-such-alert")}" })
        {
            using var response = await api.GetAsync(new Uri(path, UriKind.Relative), Ct);
            await HttpProblem.ReadRetryLaterAsync(response, HttpStatusCode.ServiceUnavailable, "service-unavailable");
        }

        // Long enough for the Verifier's and the Responder's consumers to meet the outage on what was just acknowledged.
        await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        await postgres.StartServerAsync();

        await WaitForRevokedAsync(api, run, during);
        await AssertAlertedAndRevokedOnceAsync(api, during.Append("user:before"));
    }

    internal static string Jti(string victim) => $"jti-{victim}";

    internal static Task PostAttackAsync(HttpClient ingest, string victim) =>
        IngestEvents.PostAcceptedAsync(ingest, [IngestEvents.ExpiredTokenGet($"{victim}-attack", victim, Jti(victim), "/api/orders/0")]);

    /// <summary>Waits until each victim's token has a revocation that is done: its alert was stored and its action executed.</summary>
    internal static async Task WaitForRevokedAsync(HttpClient api, ZtStreamProcess run, IEnumerable<string> victims)
    {
        var jtis = victims.Select(Jti).ToHashSet(StringComparer.Ordinal);
        var done = await Eventually.WithinAsync(
            async () =>
            {
                using var response = await api.GetAsync(new Uri("/v1/actions?kind=revoke_token&state=done&limit=500", UriKind.Relative), Ct);
                if (!response.IsSuccessStatusCode)
                {
                    return false;
                }

                using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
                var revoked = Items(doc.RootElement).Select(a => a.GetProperty("jti").GetString() ?? "").ToHashSet(StringComparer.Ordinal);
                return jtis.IsSubsetOf(revoked);
            },
            ZtStreamApi.Timeout,
            Ct);
        Assert.True(done, $"not every token of {string.Join(", ", jtis)} was revoked within {ZtStreamApi.Timeout.TotalSeconds} s:\n{run.Output}");
    }

    /// <summary>Each victim's attack, once the store is back, is one alert counted once and one revocation of its token.</summary>
    internal static async Task AssertAlertedAndRevokedOnceAsync(HttpClient api, IEnumerable<string> victims)
    {
        await ZtStreamApi.AssertAlertedOnceAsync(api, victims, Ct);
        await ZtStreamApi.AssertRevokedOnceAsync(api, victims.Select(Jti), Ct);
    }

    /// <summary>A list answer's items, whether it is the array itself or an object holding <c>items</c>.</summary>
    private static IEnumerable<JsonElement> Items(JsonElement root) =>
        root.ValueKind == JsonValueKind.Array ? root.EnumerateArray() : root.GetProperty("items").EnumerateArray();
}
