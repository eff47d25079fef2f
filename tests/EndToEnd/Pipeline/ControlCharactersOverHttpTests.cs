namespace ZtStream.EndToEnd.Pipeline;

/// <summary>
/// A source scoped to <c>user:*@shop.example</c> claims <c>user:ceo@corp.example\u0000@shop.example</c>: the glob matches,
/// and PostgreSQL, which refuses a NUL in text, could never store the alert it raises — the Responder failed it three times
/// and dead-lettered it, so the alert never reached the queue. Against a real <c>ztstream run</c> on PostgreSQL, such an item is
/// refused by index and field through the canonical endpoint, and the rest of the batch is alerted on and listed; through a
/// vendor adapter, which reports what a third party saw, the name is kept escaped and its alert is stored.
/// </summary>
public sealed class ControlCharactersOverHttpTests(PostgresFixture postgres) : ProcessTests("zt-e2e-control-")
{
    private const string ApiToken = "control-characters-viewer-token-0123456789ab";

    [Fact]
    public async Task ControlCharacters_AreRefusedFromASenderAndEscapedFromAnAdapter_AndEveryAlertIsStored()
    {
        var ct = Ct;
        string[] store = ["--store", "postgres", "--postgres", await postgres.CreateDatabaseAsync(ct)];
        var appKey = await Processes.AddSourceAsync("shop-app", ["--kinds", "access.request", "--subjects", "user:*@shop.example", .. store], ct);
        var kubeKey = await Processes.AddSourceAsync("kube", ["--kinds", "k8s.audit", .. store], ct);
        var run = await Processes.RunAsync(
            "run",
            [.. store, .. ZtStreamApi.ApiToken("viewer", ApiToken)],
            ct);
        using var app = ZtStreamApi.Client(run.Url, appKey);
        using var kube = ZtStreamApi.Client(run.Url, kubeKey);
        using var api = ZtStreamApi.Client(run.Url, ApiToken);

        // The forged subject first, escaped as any JSON writer escapes a NUL; a line break and an escape sequence after.
        string[] forged = ["user:ceo@corp.example\u0000@shop.example", "user:ceo@corp.example\n@shop.example", "user:\u001b[2Kceo@shop.example"];
        var batch = forged.Select((subject, i) => IngestEvents.ExpiredTokenGet($"cc-forged-{i}", subject, $"jti-forged-{i}", "/api/orders/1"))
            .Append(IngestEvents.ExpiredTokenGet("cc-dana", "user:dana@shop.example", "jti-dana", "/api/orders/2"));
        var (errors, acceptedIds) = await ZtStreamApi.PostPartlyAcceptedAsync(
            app, "/v1/events", $"[{string.Join(',', batch.Select(e => Encoding.UTF8.GetString(ContractJson.Serialize(e))))}]", ct);
        Assert.Equal(
            [(0, "subject.id", "must not hold a control character: U+0000 at position 21"),
             (1, "subject.id", "must not hold a control character: U+000A at position 21"),
             (2, "subject.id", "must not hold a control character: U+001B at position 5")],
            errors);
        Assert.Equal(["cc-dana"], acceptedIds);

        // The API server's own record, through its adapter: a user name with a NUL — a client certificate's CN, an OIDC
        // claim — is kept, written as \u0000, and the alert its cluster-wide secret list raises is stored like any other.
        var time = DateTimeOffset.UtcNow.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        string Audit(string id, string user, string name) => $$$"""
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{{{id}}}","stage":"ResponseComplete",
             "requestURI":"/api/v1/secrets","verb":"list","user":{"username":"{{{user}}}","groups":["system:authenticated"]},
             "sourceIPs":["10.4.2.17"],"objectRef":{"resource":"secrets","name":"{{{name}}}","apiVersion":"v1"},"responseStatus":{"code":200},
             "requestReceivedTimestamp":"{{{time}}}","stageTimestamp":"{{{time}}}"}
            """;
        using var audit = await kube.PostAsync("/v1/sources/k8s-audit", new StringContent(
            $$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{{Audit("a-ok", "ops@example.com", "db")}},{{Audit("a-nul", "evil\\u0000admin", "db")}},{{Audit("a-soh", "ops@example.com", "x\\u0001y")}}]}""",
            Encoding.UTF8, "application/json"), ct);
        var auditBody = await audit.Content.ReadAsStringAsync(ct);
        Assert.True(audit.StatusCode == HttpStatusCode.Accepted, auditBody);
        Assert.Equal(3, JsonDocument.Parse(auditBody).RootElement.GetProperty("accepted").GetInt32());
        var escaped = await ZtStreamApi.WaitForAlertsAsync(api, @"evil\u0000admin", 1, ct, output: () => run.Output);
        Assert.All(escaped, a => Assert.Equal(@"evil\u0000admin", a.GetProperty("alert").GetProperty("principal").GetString()));

        // What was accepted is alerted on and stored in PostgreSQL; nothing was stored on any forged subject.
        await ZtStreamApi.WaitForAlertsAsync(api, "user:dana@shop.example", 1, ct, output: () => run.Output);
        using var all = JsonDocument.Parse(await api.GetStringAsync(new Uri("/v1/alerts?limit=500", UriKind.Relative), ct));
        Assert.DoesNotContain(all.RootElement.GetProperty("items").EnumerateArray(), a => a.GetProperty("alert").GetProperty("principal").GetString()!.Contains("ceo", StringComparison.Ordinal));
    }
}
