namespace ZtStream.EndToEnd.Pipeline;

/// <summary>
/// Staging and prod side by side, each cluster's audit webhook a source of its own labelled with its cluster: a
/// false-positive verdict on staging's <c>system:serviceaccount:ci:deployer</c>, given through the Responder's API of a
/// real <c>ztstream run</c>, reaches the Verifier over <c>zt.feedback.v1</c> and silences that account in staging only —
/// prod's account of the same name binding itself to cluster-admin afterwards is alerted on, as it would be without it.
/// </summary>
public sealed class VerdictPerClusterOverHttpTests() : ProcessTests("zt-e2e-verdictcluster-")
{
    private const string ApiToken = "e2e-responder-token-0123456789abcdef012345678";
    private const string Deployer = "system:serviceaccount:ci:deployer";

    [Fact]
    public async Task FalsePositiveOnStagingsAccount_SuppressesItInStaging_NeverProdsAccountOfTheSameName()
    {
        var ct = Ct;
        string[] seams = ["--sqlite", Processes.SqlitePath];
        var stagingKey = await Processes.AddSourceAsync("kube-staging", ["--kinds", "k8s.audit", "--cluster", "staging", .. seams], ct);
        var prodKey = await Processes.AddSourceAsync("kube-prod", ["--kinds", "k8s.audit", "--cluster", "prod", .. seams], ct);
        var run = await Processes.RunAsync("run", [.. seams,
            .. ZtStreamApi.ApiToken("responder", ApiToken, "soc")], ct);
        using var staging = ZtStreamApi.Client(run.Url, stagingKey);
        using var prod = ZtStreamApi.Client(run.Url, prodKey);
        using var api = ZtStreamApi.Client(run.Url, ApiToken);

        // The same account in both clusters binds itself to cluster-admin: two principals, two alerts.
        await ZtStreamApi.PostAcceptedAsync(staging, "/v1/sources/k8s-audit", Binding("s-1"), ct);
        await ZtStreamApi.PostAcceptedAsync(prod, "/v1/sources/k8s-audit", Binding("p-1"), ct);
        var alerts = await ZtStreamApi.WaitForAlertsAsync(api, Deployer, 2, ct, output: () => run.Output);
        var stagingAlert = Assert.Single(alerts, a => a.GetProperty("alert").GetProperty("principal_cluster").GetString() == "staging").GetProperty("alert");
        var prodAlert = Assert.Single(alerts, a => a.GetProperty("alert").GetProperty("principal_cluster").GetString() == "prod").GetProperty("alert");

        // Staging's is judged a false positive (its pipeline does that nightly): the suppression names staging.
        using var verdict = await api.PostAsJsonAsync($"/v1/alerts/{stagingAlert.GetProperty("id").GetString()}/verdict",
            new { verdict = "false_positive", scope = "principal", note = "staging's pipeline bootstraps its test clusters" }, ct);
        var answer = await verdict.Content.ReadAsStringAsync(ct);
        Assert.True(verdict.StatusCode == HttpStatusCode.OK, answer);
        var suppression = JsonDocument.Parse(answer).RootElement.GetProperty("suppressions")[0];
        Assert.Equal((Deployer, "staging"), (suppression.GetProperty("principal").GetString(), suppression.GetProperty("cluster").GetString()));
        Assert.True(await Eventually.WithinAsync(
            () => Task.FromResult(run.Output.Contains($"on {Deployer} in cluster staging for [", StringComparison.Ordinal)), ZtStreamApi.Timeout, ct),
            $"the Verifier did not apply the verdict:\n{run.Output}");

        // Both do it again, staging first: both records are the same principal id's, so one partition scores them in this
        // order, and once prod's is alerted staging's has been scored.
        await ZtStreamApi.PostAcceptedAsync(staging, "/v1/sources/k8s-audit", Binding("s-2"), ct);
        await ZtStreamApi.PostAcceptedAsync(prod, "/v1/sources/k8s-audit", Binding("p-2"), ct);
        var prodId = prodAlert.GetProperty("id").GetString();
        Assert.True(await Eventually.WithinAsync(async () => Count(await ZtStreamApi.AlertsAsync(api, Deployer, ct), prodId!) >= 2, ZtStreamApi.Timeout, ct),
            $"prod's account was not alerted on again:\n{run.Output}");

        var now = await ZtStreamApi.AlertsAsync(api, Deployer, ct);
        Assert.Equal(1, Count(now, stagingAlert.GetProperty("id").GetString()!));
        Assert.Equal(2, now.Count);
        Assert.DoesNotContain(now, a => a.GetProperty("alert").GetProperty("principal_cluster").GetString() == "staging"
            && a.GetProperty("alert").GetProperty("id").GetString() != stagingAlert.GetProperty("id").GetString());
    }

    private static int Count(List<JsonElement> items, string alertId) =>
        items.Single(a => a.GetProperty("alert").GetProperty("id").GetString() == alertId).GetProperty("alert").GetProperty("count").GetInt32();

    /// <summary>The CI account binds itself to cluster-admin, as its cluster's API server's audit webhook reports it.</summary>
    private static string Binding(string id)
    {
        var time = DateTimeOffset.UtcNow.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        return $$$"""
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"{{{id}}}","stage":"ResponseComplete",
             "requestURI":"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings","verb":"create",
             "user":{"username":"{{{Deployer}}}","groups":["system:serviceaccounts","system:serviceaccounts:ci","system:authenticated"]},
             "sourceIPs":["10.4.2.17"],"userAgent":"kubectl/v1.31.0",
             "objectRef":{"resource":"clusterrolebindings","name":"deployer-admin-{{{id}}}","apiGroup":"rbac.authorization.k8s.io","apiVersion":"v1"},
             "requestObject":{"kind":"ClusterRoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"deployer-admin-{{{id}}}"},
               "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},
               "subjects":[{"kind":"ServiceAccount","name":"deployer","namespace":"ci"}]},
             "responseStatus":{"metadata":{},"code":201},
             "requestReceivedTimestamp":"{{{time}}}","stageTimestamp":"{{{time}}}",
             "annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}
            """;
    }
}
