namespace ZtStream.EndToEnd.Rules;

/// <summary>
/// A managed cluster's audit event, posted in its cloud's envelope to one <c>ztstream run</c> process, raises the same
/// built-in rule's alert as the API server's own webhook body does: the rules read the native event's paths, and GKE's
/// Cloud Audit Logs entry is mapped to them.
/// </summary>
public sealed class ManagedClusterRulesTests : IAsyncDisposable
{
    private const string ApiToken = "e2e-managed-token-0123456789abcdef0123456789ab";
    private const string Rule = "k8s-privileged-container";
    private readonly ZtStreamProcesses processes = new("zt-e2e-managed-");

    [Fact]
    public async Task PrivilegedPodCreation_FromGkeAksAndTheWebhook_RaisesTheSameBuiltinRuleAlert()
    {
        var ct = Ct;
        var db = Path.Combine(processes.Folder.FullName, "zt.db");
        var key = await processes.AddSourceAsync("clusters", ["--sqlite", db], ct);
        var run = await processes.StartAsync("ztstream", [
            "run", "--sqlite", db, "--urls", "http://127.0.0.1:0",
            "--set", "Verifier:ModelEnabled=false",
            "--set", "Responder:ApiTokens:0:Name=e2e", "--set", "Responder:ApiTokens:0:Role=analyst",
            "--set", $"Responder:ApiTokens:0:Token={ApiToken}",
        ], waitForListening: true, ct);
        using var http = ZtStreamApi.Client(run.Url, key);
        using var api = ZtStreamApi.Client(run.Url, ApiToken);
        var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);

        // The API server's webhook: an EventList.
        await PostAsync(http, $$$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{{{NativeEvent("webhook@example.com", now)}}}]}""", ct);

        // AKS: an Event Hubs message of diagnostic-settings records, the event as a string.
        await PostAsync(http, $$$"""
            {"records":[{"time":"{{{now}}}","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-1","category":"kube-audit","operationName":"Microsoft.ContainerService/managedClusters/diagnosticLogs/Read","properties":{"log":{{{JsonSerializer.Serialize(NativeEvent("aks@example.com", now))}}},"stream":"stdout","pod":"kube-apiserver-1"}}]}
            """, ct);

        // GKE: a Pub/Sub push of a Cloud Audit Logs entry.
        var entry = """
            {"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"gke@example.com"},"requestMetadata":{"callerIp":"203.0.113.77","callerSuppliedUserAgent":"kubectl/v1.31.0"},"serviceName":"k8s.io","methodName":"io.k8s.core.v1.pods.create","resourceName":"core/v1/namespaces/team-a/pods/debug","request":{"@type":"core.k8s.io/v1.Pod","apiVersion":"v1","kind":"Pod","metadata":{"name":"debug","namespace":"team-a"},"spec":{"containers":[{"name":"debug","image":"alpine","securityContext":{"privileged":true}}]}}},"insertId":"INSERT-ID","resource":{"type":"k8s_cluster","labels":{"cluster_name":"gke-1","project_id":"p","location":"europe-west1"}},"timestamp":"NOW","labels":{"authorization.k8s.io/decision":"allow"}}
            """.Replace("INSERT-ID", Guid.NewGuid().ToString(), StringComparison.Ordinal).Replace("NOW", now, StringComparison.Ordinal);
        await PostAsync(http, $$$"""{"message":{"data":"{{{Convert.ToBase64String(Encoding.UTF8.GetBytes(entry))}}}","messageId":"1"},"subscription":"projects/p/subscriptions/s"}""", ct);

        foreach (var principal in new[] { "webhook@example.com", "aks@example.com", "gke@example.com" })
        {
            var (alert, _) = await ZtStreamApi.WaitForReasonAsync(api, principal, "rule", Rule, ct);
            Assert.Equal("rule", alert.GetProperty("detector").GetString());
        }
    }

    private static string NativeEvent(string user, string now) => $$$"""
        {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"{{{Guid.NewGuid()}}}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/team-a/pods","verb":"create","user":{"username":"{{{user}}}","groups":["system:authenticated"]},"sourceIPs":["203.0.113.10"],"userAgent":"kubectl/v1.31.0","objectRef":{"resource":"pods","namespace":"team-a","name":"debug","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":201},"requestObject":{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"debug","image":"alpine","securityContext":{"privileged":true}}]}},"requestReceivedTimestamp":"{{{now}}}","stageTimestamp":"{{{now}}}"}
        """;

    private static async Task PostAsync(HttpClient http, string body, CancellationToken ct)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri("/v1/sources/k8s-audit", UriKind.Relative), content, ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(ct));
    }

    public ValueTask DisposeAsync() => processes.DisposeAsync();
}
