namespace ZtStream.EndToEnd.Rules;

/// <summary>
/// Detection rules as a user runs them: one <c>ztstream run</c> process on the embedded seams with a rules folder.
/// A Kubernetes audit event posted to Ingest's webhook endpoint raises an alert from a built-in rule; a rule file
/// dropped into the folder while the process runs scores the next events; a broken file keeps the rules in force.
/// </summary>
public sealed class RulesThroughTheBinaryTests : IAsyncDisposable
{
    private const string ApiToken = "e2e-rules-token-0123456789abcdef0123456789abcd";
    private static readonly TimeSpan Timeout = ZtStreamApi.Timeout;
    private readonly ZtStreamProcesses processes = new("zt-e2e-rules-");

    [Fact]
    public async Task AuditEvent_AlertsFromABuiltinRule_AndRuleFilesReloadLive()
    {
        var ct = Ct;
        var rules = Directory.CreateDirectory(Path.Combine(processes.Folder.FullName, "rules")).FullName;
        var (run, key) = await StartWithRulesAsync(rules, "apiserver", ct);
        using var http = ZtStreamApi.Client(run.Url, key);
        using var api = ZtStreamApi.Client(run.Url, ApiToken);

        // A built-in rule: a privileged DaemonSet created by a user (the API server's webhook body: an EventList).
        await Post(http, Audit("create", "daemonsets", "team-a", "node-agent", "mallory@example.com", "apps",
            """{"apiVersion":"apps/v1","kind":"DaemonSet","spec":{"template":{"spec":{"containers":[{"name":"agent","image":"alpine","securityContext":{"privileged":true}}]}}}}"""), ct);
        var alert = await WaitForRuleAlert(api, "mallory@example.com", "k8s-privileged-container", ct);
        Assert.Equal("rule", alert.GetProperty("detector").GetString());

        // A rule dropped into the folder scores the events after the reload.
        await File.WriteAllTextAsync(Path.Combine(rules, "configmap-delete.yaml"), """
            id: team-configmap-deleted
            title: Config map deleted in a team namespace
            severity: critical
            techniques: [T1485]
            detection:
              delete:
                kind: k8s.audit
                action: delete
                resource.type: configmaps
              condition: delete
            """, ct);
        await WaitForOutput(run, "version 1", ct);
        await Post(http, Audit("delete", "configmaps", "team-a", "settings", "trudy@example.com", null, null), ct);
        var reason = await WaitForRuleAlert(api, "trudy@example.com", "team-configmap-deleted", ct);
        Assert.Equal("critical", reason.GetProperty("severity").GetString());

        // A broken file: the reload is refused, the rules in force keep scoring.
        await File.WriteAllTextAsync(Path.Combine(rules, "broken.yaml"), "id: broken\ntitle: B\nseverity: high\ndetection:\n  s:\n    nosuch: 1\n  condition: s\n", ct);
        await WaitForOutput(run, "not reloaded", ct);
        Assert.Contains("broken.yaml:6", run.Output, StringComparison.Ordinal);
        await Post(http, Audit("delete", "configmaps", "team-b", "settings", "victor@example.com", null, null), ct);
        await WaitForRuleAlert(api, "victor@example.com", "team-configmap-deleted", ct);
    }

    [Fact]
    public async Task IdentityProviderSigmaRules_FromTheRulesFolder_AlertOnEventsPostedToEachProvidersEndpoint()
    {
        var ct = Ct;
        var rules = Directory.CreateDirectory(Path.Combine(processes.Folder.FullName, "sigma")).FullName;
        await File.WriteAllTextAsync(Path.Combine(rules, "okta_proxy_session.yml"), SigmaRule("6f2a8c14-0e7d-4b3a-9c51-2d8e4f6a1b01", "okta", "okta", """
            eventtype: user.session.start
            securitycontext.isproxy: 'true'
            """), ct);
        await File.WriteAllTextAsync(Path.Combine(rules, "auth0_refresh_reuse.yml"), SigmaRule("6f2a8c14-0e7d-4b3a-9c51-2d8e4f6a1b02", "auth0", "oidc_oauth2", """
            data.type: ferrt
            """), ct);
        await File.WriteAllTextAsync(Path.Combine(rules, "entra_strong_auth_failed.yml"), SigmaRule("6f2a8c14-0e7d-4b3a-9c51-2d8e4f6a1b03", "azure", "signinlogs", """
            ResultType: 500121
            """), ct);
        var (run, key) = await StartWithRulesAsync(rules, "idp", ct);
        using var http = ZtStreamApi.Client(run.Url, key);
        using var api = ZtStreamApi.Client(run.Url, ApiToken);
        var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);

        // Okta: an event hook delivery.
        await Post(http, "/v1/sources/okta", $$$"""
            {"eventType":"com.okta.event_hook","eventTypeVersion":"1.0","cloudEventsVersion":"0.1","eventId":"{{{Guid.NewGuid()}}}","data":{"events":[
              {"uuid":"{{{Guid.NewGuid()}}}","published":"{{{now}}}","eventType":"user.session.start","actor":{"id":"00u1","type":"User","alternateId":"ines.proxy@example.org"},
               "client":{"ipAddress":"185.220.101.4"},"outcome":{"result":"SUCCESS"},"securityContext":{"isProxy":true,"asOrg":"tor exit"}}]} }
            """, ct);

        // Auth0: a log stream's webhook body.
        await Post(http, "/v1/sources/auth0", $$$"""
            [{"log_id":"900{{{Guid.NewGuid():N}}}","data":{"date":"{{{now}}}","type":"ferrt","description":"Unsuccessful Refresh Token exchange, reused refresh token detected",
              "client_id":"AaiyAPdpYdesoKnqjj8HJqRn4T5titww","ip":"192.0.2.44","user_id":"auth0|6501f2c3","user_name":"rita.reuse@example.com"}}]
            """, ct);

        // Entra ID: a diagnostic-settings export.
        await Post(http, "/v1/sources/entra", $$$"""
            {"records":[{"time":"{{{now}}}","operationName":"Sign-in activity","category":"SignInLogs","resultType":"500121","tenantId":"72f988bf-0000-4000-8000-2d7cd011db47",
              "properties":{"id":"{{{Guid.NewGuid()}}}","createdDateTime":"{{{now}}}","userPrincipalName":"kim.mfa@contoso.example","appId":"00000002-0000-0ff1-ce00-000000000000",
              "ipAddress":"203.0.113.77","status":{"errorCode":500121,"additionalDetails":"MFA denied; user declined the authentication"} } }]}
            """, ct);

        var okta = await WaitForRuleAlert(api, "ines.proxy@example.org", "6f2a8c14-0e7d-4b3a-9c51-2d8e4f6a1b01", ct);
        Assert.Equal("high", okta.GetProperty("severity").GetString());
        await WaitForRuleAlert(api, "rita.reuse@example.com", "6f2a8c14-0e7d-4b3a-9c51-2d8e4f6a1b02", ct);
        await WaitForRuleAlert(api, "kim.mfa@contoso.example", "6f2a8c14-0e7d-4b3a-9c51-2d8e4f6a1b03", ct);
    }

    /// <summary>One <c>ztstream run</c> on the embedded seams reading rules from <paramref name="rules"/>, and a key of source <paramref name="source"/>.</summary>
    private async Task<(ZtStreamProcess Run, string Key)> StartWithRulesAsync(string rules, string source, CancellationToken ct)
    {
        var db = Path.Combine(processes.Folder.FullName, "zt.db");
        var key = await processes.AddSourceAsync(source, ["--sqlite", db], ct);
        var run = await processes.StartAsync("ztstream", [
            "run", "--sqlite", db, "--urls", "http://127.0.0.1:0",
            "--set", "Verifier:ModelEnabled=false",
            "--set", $"Verifier:Rules:Paths:0={rules}",
            "--set", "Verifier:Rules:ReloadDelay=00:00:00.2",
            "--set", "Responder:ApiTokens:0:Name=e2e", "--set", "Responder:ApiTokens:0:Role=analyst",
            "--set", $"Responder:ApiTokens:0:Token={ApiToken}",
        ], waitForListening: true, ct);
        return (run, key);
    }

    /// <summary>A Sigma rule in SigmaHQ's layout whose selection is <paramref name="selection"/>.</summary>
    private static string SigmaRule(string id, string product, string service, string selection) => $"""
        title: Identity provider rule {id[^2..]}
        id: {id}
        status: test
        logsource:
            product: {product}
            service: {service}
        detection:
            selection:
        {string.Join('\n', selection.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => "        " + l))}
            condition: selection
        level: high
        """;

    private static string Audit(string verb, string resource, string ns, string name, string user, string? apiGroup, string? requestObject) => $$"""
        {"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request",
          "auditID":"{{Guid.NewGuid()}}","stage":"ResponseComplete","requestURI":"/apis/{{apiGroup ?? "api"}}/v1/namespaces/{{ns}}/{{resource}}","verb":"{{verb}}",
          "user":{"username":"{{user}}","groups":["system:authenticated"]},"sourceIPs":["203.0.113.10"],"userAgent":"kubectl/v1.31.0",
          "objectRef":{"resource":"{{resource}}","namespace":"{{ns}}","name":"{{name}}"{{(apiGroup is null ? "" : $",\"apiGroup\":\"{apiGroup}\"")}},"apiVersion":"v1"},
          "responseStatus":{"metadata":{},"code":200}{{(requestObject is null ? "" : ",\"requestObject\":" + requestObject)}},
          "requestReceivedTimestamp":"{{DateTimeOffset.UtcNow:O}}","stageTimestamp":"{{DateTimeOffset.UtcNow:O}}"}]}
        """;

    private static Task Post(HttpClient http, string body, CancellationToken ct) => Post(http, "/v1/sources/k8s-audit", body, ct);

    private static async Task Post(HttpClient http, string path, string body, CancellationToken ct)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        var response = await http.PostAsync(new Uri(path, UriKind.Relative), content, ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private static async Task<JsonElement> WaitForRuleAlert(HttpClient api, string principal, string rule, CancellationToken ct) =>
        (await ZtStreamApi.WaitForReasonAsync(api, principal, "rule", rule, ct)).Alert;

    private static async Task WaitForOutput(ZtStreamProcess process, string text, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!process.Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"'{text}' not logged within {Timeout.TotalSeconds} s:\n{process.Output}");
            await Task.Delay(100, ct);
        }
    }

    public ValueTask DisposeAsync() => processes.DisposeAsync();
}
