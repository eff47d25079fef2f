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
        var db = Path.Combine(processes.Folder.FullName, "zt.db");
        var key = await processes.AddSourceAsync("apiserver", ["--sqlite", db], ct);

        var run = await processes.StartAsync("ztstream", [
            "run", "--sqlite", db, "--urls", "http://127.0.0.1:0",
            "--set", "Verifier:ModelEnabled=false",
            "--set", $"Verifier:Rules:Paths:0={rules}",
            "--set", "Verifier:Rules:ReloadDelay=00:00:00.2",
            "--set", "Responder:ApiTokens:0:Name=e2e", "--set", "Responder:ApiTokens:0:Role=analyst",
            "--set", $"Responder:ApiTokens:0:Token={ApiToken}",
        ], waitForListening: true, ct);
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

    private static string Audit(string verb, string resource, string ns, string name, string user, string? apiGroup, string? requestObject) => $$"""
        {"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request",
          "auditID":"{{Guid.NewGuid()}}","stage":"ResponseComplete","requestURI":"/apis/{{apiGroup ?? "api"}}/v1/namespaces/{{ns}}/{{resource}}","verb":"{{verb}}",
          "user":{"username":"{{user}}","groups":["system:authenticated"]},"sourceIPs":["203.0.113.10"],"userAgent":"kubectl/v1.31.0",
          "objectRef":{"resource":"{{resource}}","namespace":"{{ns}}","name":"{{name}}"{{(apiGroup is null ? "" : $",\"apiGroup\":\"{apiGroup}\"")}},"apiVersion":"v1"},
          "responseStatus":{"metadata":{},"code":200}{{(requestObject is null ? "" : ",\"requestObject\":" + requestObject)}},
          "requestReceivedTimestamp":"{{DateTimeOffset.UtcNow:O}}","stageTimestamp":"{{DateTimeOffset.UtcNow:O}}"}]}
        """;

    private static async Task Post(HttpClient http, string body, CancellationToken ct)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        var response = await http.PostAsync(new Uri("/v1/sources/k8s-audit", UriKind.Relative), content, ct);
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
