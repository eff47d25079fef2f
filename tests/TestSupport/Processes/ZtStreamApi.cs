namespace ZtStream.TestSupport.Processes;

/// <summary>What end-to-end tests ask of a running <c>ztstream</c>: a client with a bearer credential, an alert to wait for.</summary>
public static class ZtStreamApi
{
    /// <summary>How long a step may take on a loaded machine.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>
    /// The arguments that give a <c>ztstream run</c> one API token, <paramref name="token"/>, with <paramref name="role"/>
    /// (viewer, analyst, responder), named <paramref name="name"/> in its audit entries.
    /// </summary>
    public static string[] ApiToken(string role, string token, string name = "e2e") =>
        ["--set", $"Responder:ApiTokens:0:Name={name}", "--set", $"Responder:ApiTokens:0:Role={role}", "--set", $"Responder:ApiTokens:0:Token={token}"];

    /// <summary>A client of <paramref name="url"/> presenting <paramref name="bearer"/> (a source key or an API token).</summary>
    public static HttpClient Client(Uri url, string bearer)
    {
        var http = new HttpClient { BaseAddress = url };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return http;
    }

    /// <summary>
    /// Posts <paramref name="body"/> (JSON) to <paramref name="path"/> and fails the test, with the status and the answer,
    /// unless Ingest took all of it (202).
    /// </summary>
    public static async Task PostAcceptedAsync(HttpClient http, string path, string body, CancellationToken ct)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), content, ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
    }

    /// <summary>The alerts <c>GET /v1/alerts</c> lists on <paramref name="principal"/> now (at most 100).</summary>
    public static async Task<List<JsonElement>> AlertsAsync(HttpClient api, string principal, CancellationToken ct)
    {
        using var doc = JsonDocument.Parse(await api.GetStringAsync(new Uri($"/v1/alerts?principal={Uri.EscapeDataString(principal)}&limit=100", UriKind.Relative), ct));
        return [.. doc.RootElement.GetProperty("items").EnumerateArray().Select(e => e.Clone())];
    }

    /// <summary>Every alert <c>GET /v1/alerts</c> lists now, page by page (its <c>items</c>' <c>alert</c>s).</summary>
    public static async Task<List<JsonElement>> AllAlertsAsync(HttpClient api, CancellationToken ct)
    {
        var alerts = new List<JsonElement>();
        string? cursor = null;
        do
        {
            using var doc = JsonDocument.Parse(await api.GetStringAsync(new Uri("/v1/alerts?limit=500" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), UriKind.Relative), ct));
            alerts.AddRange(doc.RootElement.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("alert").Clone()));
            cursor = doc.RootElement.TryGetProperty("next_cursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);

        return alerts;
    }

    /// <summary>
    /// Polls <see cref="AlertsAsync"/> until it lists at least <paramref name="count"/> alerts on <paramref name="principal"/>
    /// within <paramref name="timeout"/> (<see cref="Timeout"/> when null); else fails the test naming the principal, with
    /// the processes' <paramref name="output"/> when given (a <see cref="ZtStreamProcess"/>'s or all of <see cref="ZtStreamProcesses"/>').
    /// </summary>
    public static async Task<List<JsonElement>> WaitForAlertsAsync(
        HttpClient api, string principal, int count, CancellationToken ct, TimeSpan? timeout = null, Func<string>? output = null)
    {
        var within = timeout ?? Timeout;
        List<JsonElement> alerts = [];
        var found = await Eventually.WithinAsync(async () => (alerts = await AlertsAsync(api, principal, ct)).Count >= count, within, ct);
        Assert.True(found, $"no alert for {principal} within {within.TotalSeconds} s{(output is null ? "" : ":\n" + output())}");
        return alerts;
    }

    /// <summary>
    /// <see cref="WaitForAlertsAsync(HttpClient, string, int, CancellationToken, TimeSpan?, Func{string}?)"/> for an alert on
    /// each of <paramref name="principals"/> in turn; fails the test naming the first that has none.
    /// </summary>
    public static async Task WaitForEachAlertedAsync(
        HttpClient api, IEnumerable<string> principals, CancellationToken ct, TimeSpan? timeout = null, Func<string>? output = null)
    {
        foreach (var principal in principals)
        {
            await WaitForAlertsAsync(api, principal, 1, ct, timeout, output);
        }
    }

    /// <summary>
    /// Fails the test unless each of <paramref name="principals"/> has exactly one alert, counted once: anything scored twice
    /// (a retried batch, a record handed again after a restart or an outage) shows as a second alert or a higher count.
    /// </summary>
    public static async Task AssertAlertedOnceAsync(HttpClient api, IEnumerable<string> principals, CancellationToken ct)
    {
        foreach (var principal in principals)
        {
            var alerts = await AlertsAsync(api, principal, ct);
            Assert.True(alerts.Count == 1, $"{principal} has {alerts.Count} alerts, not one");
            var count = alerts[0].GetProperty("alert").GetProperty("count").GetInt32();
            Assert.True(count == 1, $"{principal}'s alert was counted {count} times, not once");
        }
    }

    /// <summary>Fails the test unless <c>GET /v1/actions</c> lists exactly one <c>revoke_token</c> action on each of <paramref name="jtis"/>.</summary>
    public static async Task AssertRevokedOnceAsync(HttpClient api, IEnumerable<string> jtis, CancellationToken ct)
    {
        var revocations = await ActionsAsync(api, "revoke_token", ct);
        foreach (var jti in jtis)
        {
            var found = revocations.Count(a => a.GetProperty("jti").GetString() == jti);
            Assert.True(found == 1, $"{found} revocations of {jti}, not one");
        }
    }

    /// <summary>The actions <c>GET /v1/actions?kind=</c> lists of <paramref name="kind"/> now (at most 500).</summary>
    public static async Task<List<JsonElement>> ActionsAsync(HttpClient api, string kind, CancellationToken ct)
    {
        using var doc = JsonDocument.Parse(await api.GetStringAsync(new Uri($"/v1/actions?kind={kind}&limit=500", UriKind.Relative), ct));
        return [.. doc.RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    /// <summary>The one <c>revoke_token</c> action on <paramref name="jti"/> (fails the test unless there is exactly one): its id and state.</summary>
    public static async Task<(string Id, string State)> RevocationOfAsync(HttpClient api, string jti, CancellationToken ct)
    {
        var action = Assert.Single(await ActionsAsync(api, "revoke_token", ct), a => a.GetProperty("jti").GetString() == jti);
        return (action.GetProperty("id").GetString()!, action.GetProperty("state").GetString()!);
    }

    /// <summary>The kinds of the audit entries <c>GET /v1/audit?action_id=</c> lists on <paramref name="actionId"/>.</summary>
    public static async Task<List<string>> AuditKindsAsync(HttpClient api, string actionId, CancellationToken ct)
    {
        using var doc = JsonDocument.Parse(await api.GetStringAsync(new Uri($"/v1/audit?action_id={actionId}&limit=500", UriKind.Relative), ct));
        return [.. doc.RootElement.EnumerateArray().Select(e => e.GetProperty("kind").GetString()!)];
    }

    /// <summary>The token ids of the revocation feed's snapshot (<c>GET /v1/revocations</c>), one per entry ("" for an entry on no token).</summary>
    public static async Task<List<string>> ListedTokenIdsAsync(HttpClient api, CancellationToken ct)
    {
        using var doc = JsonDocument.Parse(await api.GetStringAsync(new Uri("/v1/revocations", UriKind.Relative), ct));
        return [.. doc.RootElement.GetProperty("revocations").EnumerateArray().Select(r => r.TryGetProperty("jti", out var j) ? j.GetString()! : "")];
    }

    /// <summary>
    /// Waits until the one revocation of <paramref name="jti"/> is done (else fails the test with
    /// <paramref name="process"/>'s output), and checks it was carried out once: no second action, one completion in the
    /// audit trail, one entry on the revocation list.
    /// </summary>
    public static async Task WaitRevokedOnceAsync(HttpClient api, string jti, ZtStreamProcess process, CancellationToken ct)
    {
        var done = await Eventually.WithinAsync(async () => (await RevocationOfAsync(api, jti, ct)).State == "done", Timeout, ct);
        Assert.True(done, $"the revocation of {jti} did not complete within {Timeout.TotalSeconds} s:\n{process.Output}");
        var (id, _) = await RevocationOfAsync(api, jti, ct);

        Assert.Single(await ActionsAsync(api, "revoke_token", ct));
        Assert.Single(await AuditKindsAsync(api, id, ct), k => k == "action.completed");
        Assert.Single(await ListedTokenIdsAsync(api, ct), j => j == jti);
    }

    /// <summary>
    /// Polls <c>GET /v1/alerts?principal=</c> until an alert on <paramref name="principal"/> has a reason of
    /// <paramref name="detector"/>/<paramref name="rule"/>; that alert and the reason's text.
    /// </summary>
    public static async Task<(JsonElement Alert, string Text)> WaitForReasonAsync(HttpClient api, string principal, string detector, string rule, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            using var doc = JsonDocument.Parse(await api.GetStringAsync(new Uri($"/v1/alerts?principal={Uri.EscapeDataString(principal)}&limit=20", UriKind.Relative), ct));
            foreach (var item in doc.RootElement.GetProperty("items").EnumerateArray())
            {
                var alert = item.GetProperty("alert");
                foreach (var reason in alert.GetProperty("reasons").EnumerateArray())
                {
                    if (reason.GetProperty("detector").GetString() == detector && reason.GetProperty("rule").GetString() == rule)
                    {
                        return (alert.Clone(), reason.GetProperty("text").GetString()!);
                    }
                }
            }

            await Task.Delay(250, ct);
        }

        Assert.Fail($"no alert with {detector}/{rule} on {principal} within {Timeout.TotalSeconds} s");
        return default;
    }

    /// <summary>
    /// Posts <paramref name="body"/> (JSON) to <paramref name="path"/> and fails the test, with the status and the answer,
    /// unless Ingest took part of it (207): the twin of <see cref="PostAcceptedAsync"/> for a batch with refused items.
    /// Answers each refused item's index, field and reason, and the ids of the events it took.
    /// </summary>
    public static async Task<(List<(int Index, string? Field, string? Reason)> Errors, List<string?> AcceptedIds)> PostPartlyAcceptedAsync(
        HttpClient http, string path, string body, CancellationToken ct)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), content, ct);
        var answer = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.MultiStatus, $"{path}: {(int)response.StatusCode} {answer}");
        using var problem = JsonDocument.Parse(answer);
        return (
            [.. problem.RootElement.GetProperty("errors").EnumerateArray()
                .Select(e => (e.GetProperty("index").GetInt32(), e.GetProperty("field").GetString(), e.GetProperty("reason").GetString()))],
            [.. problem.RootElement.GetProperty("accepted_ids").EnumerateArray().Select(e => e.GetString())]);
    }
}
