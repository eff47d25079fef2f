namespace ZtStream.Responder.Tests.Suppressions;

/// <summary>
/// The cluster a suppression holds in. Made from an alert on a cluster-local principal (staging's
/// <c>system:serviceaccount:ci:deployer</c>) it names that cluster, whatever is asked, so a verdict in staging never
/// silences prod's account of the same name; a person's may be held to one cluster the alert names; one naming no cluster
/// holds in every cluster, as every suppression made before clusters were named does. Before, no suppression named one.
/// </summary>
public partial class SuppressionApiTests
{
    private const string Deployer = "system:serviceaccount:ci:deployer";

    private static Alert InCluster(string id, string principal, string? principalCluster, string? workloadCluster) => TwoReasons(id, principal) with
    {
        PrincipalCluster = principalCluster,
        Workload = new AlertWorkload("ci/deployer-7f9", "ci", "deployer-7f9") { Cluster = workloadCluster },
    };

    private static async Task<ItemErrorView> ErrorOf(HttpResponseMessage response)
    {
        var error = await HttpProblem.ReadOneErrorAsync(response, HttpStatusCode.BadRequest);
        return new ItemErrorView(error.GetProperty("index").GetInt32(), error.GetProperty("field").GetString()!, error.GetProperty("reason").GetString()!);
    }

    /// <summary>A suppression's <c>cluster</c>; null when it holds in every cluster (the member is left out, as every null is).</summary>
    private static string? ClusterOf(JsonElement suppression) =>
        suppression.TryGetProperty("cluster", out var c) ? c.GetString() : null;

    private sealed record ItemErrorView(int Index, string Field, string Reason);

    [Fact]
    public async Task Verdict_OnAClusterLocalPrincipal_NamesItsCluster_AndNoOtherCanBeAsked()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), InCluster("sc-1", Deployer, "staging", "staging"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        // Another cluster, or a name no event could carry: 400 naming cluster, nothing told to the Verifier.
        var prod = await ErrorOf(await analyst.PostAsJsonAsync("/v1/alerts/sc-1/verdict", new { verdict = "false_positive", cluster = "prod" }, Ct));
        Assert.Equal((0, "cluster"), (prod.Index, prod.Field));
        Assert.Contains("holds in cluster staging", prod.Reason, StringComparison.Ordinal);
        var spaced = await ErrorOf(await analyst.PostAsJsonAsync("/v1/suppressions", new { alert_id = "sc-1", cluster = " staging" }, Ct));
        Assert.Equal("cluster", spaced.Field);
        var control = await ErrorOf(await analyst.PostAsJsonAsync("/v1/alerts/sc-1/status", new { status = "false_positive", cluster = "stag\u001bing" }, Ct));
        Assert.Equal("cluster", control.Field);
        Assert.Empty(Feedback(host));
        Assert.Equal(AlertStatuses.Open, (await host.Get<AlertStore>().GetAsync("sc-1", Ct))!.Status);

        // Asked for nothing, or for its own cluster: staging, in the answer, the store, the audit and the message.
        using var ok = await analyst.PostAsJsonAsync("/v1/alerts/sc-1/verdict", new { verdict = "false_positive", scope = "principal" }, Ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var made = (await JsonOf(ok)).GetProperty("suppressions")[0];
        Assert.Equal("staging", made.GetProperty("cluster").GetString());
        var sent = Assert.Single(Feedback(host));
        Assert.Equal((Deployer, "staging"), (sent.Principal, sent.Cluster));
        var listed = await analyst.GetFromJsonAsync<JsonElement>($"/v1/suppressions?alert_id=sc-1", Ct);
        Assert.Equal("staging", Assert.Single(listed.EnumerateArray()).GetProperty("cluster").GetString());
        var audit = Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.SuppressionCreated), Ct));
        Assert.Contains($"{Deployer} in cluster staging", audit.Summary, StringComparison.Ordinal);

        var own = await analyst.PostAsJsonAsync("/v1/suppressions", new { alert_id = "sc-1", cluster = "staging" }, Ct);
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
        Assert.Equal("staging", (await JsonOf(own)).GetProperty("cluster").GetString());
    }

    [Fact]
    public async Task Suppression_OfAPerson_HoldsEverywhere_OrInOneClusterTheAlertNames()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), InCluster("sc-2", "alice@acme.example", null, "staging"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        var everywhere = await JsonOf(await analyst.PostAsJsonAsync("/v1/suppressions", new { alert_id = "sc-2" }, Ct));
        Assert.Null(ClusterOf(everywhere));
        Assert.Null(Assert.Single(Feedback(host)).Cluster);

        var staging = await JsonOf(await analyst.PostAsJsonAsync("/v1/suppressions", new { alert_id = "sc-2", cluster = "staging" }, Ct));
        Assert.Equal("staging", staging.GetProperty("cluster").GetString());
        Assert.Equal("staging", Feedback(host)[^1].Cluster);

        var other = await ErrorOf(await analyst.PostAsJsonAsync("/v1/suppressions", new { alert_id = "sc-2", cluster = "qa" }, Ct));
        Assert.Equal("cluster", other.Field);
        Assert.Contains("names cluster staging, not qa", other.Reason, StringComparison.Ordinal);

        // Narrowed, the one held everywhere may come to hold in staging; the one in staging never widens or moves.
        var narrowed = await analyst.PatchAsJsonAsync($"/v1/suppressions/{everywhere.GetProperty("id").GetString()}", new { cluster = "staging" }, Ct);
        Assert.Equal(HttpStatusCode.OK, narrowed.StatusCode);
        Assert.Equal("staging", (await JsonOf(narrowed)).GetProperty("cluster").GetString());
        Assert.Equal("staging", Feedback(host)[^1].Cluster);
        var moved = await ErrorOf(await analyst.PatchAsJsonAsync($"/v1/suppressions/{staging.GetProperty("id").GetString()}", new { cluster = "qa" }, Ct));
        Assert.Equal("cluster", moved.Field);
    }

    [Fact]
    public async Task Suppression_FromAnAlertNamingNoCluster_HoldsInEveryCluster_AndNoneCanBeAsked()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TwoReasons("sc-3", Deployer));
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        var made = await JsonOf(await responder.PostAsJsonAsync("/v1/suppressions", new { alert_id = "sc-3", scope = "principal" }, Ct));
        Assert.Null(ClusterOf(made));
        Assert.Null(Assert.Single(Feedback(host)).Cluster);
        var asked = await ErrorOf(await responder.PostAsJsonAsync("/v1/suppressions", new { alert_id = "sc-3", cluster = "staging" }, Ct));
        Assert.Contains("names no cluster", asked.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NamespaceSuppression_HoldsInTheClusterOfItsNamespace()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), InCluster("sc-4", "alice@acme.example", null, "staging"));
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        var made = await JsonOf(await responder.PostAsJsonAsync("/v1/suppressions", new { alert_id = "sc-4", scope = "namespace", rules = new[] { "*" } }, Ct));
        Assert.Equal(("ci", "staging"), (made.GetProperty("namespace").GetString(), made.GetProperty("cluster").GetString()));
        Assert.Equal(("ci", "staging"), (Feedback(host)[^1].Namespace, Feedback(host)[^1].Cluster));
    }
}
