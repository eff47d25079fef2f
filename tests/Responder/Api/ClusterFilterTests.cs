namespace ZtStream.Responder.Tests.Api;

/// <summary>
/// <c>?cluster=</c> on the alert queue (an alert whose principal is of that cluster, or whose workload is) and on the
/// actions: a SOC running staging and prod side by side reads one of them. A name no event could carry is a 400 naming
/// <c>cluster</c>. Before, the parameter was unknown (400) and neither list could be read per cluster.
/// </summary>
public sealed class ClusterFilterTests
{
    private const string Deployer = "system:serviceaccount:ci:deployer";

    private static Alert Staging => TestAlerts.Critical("cf-staging", Deployer) with
    {
        PrincipalCluster = "staging",
        Workload = new AlertWorkload("ci/deployer-1", "ci", "deployer-1") { Cluster = "staging" },
    };

    private static Alert Prod => TestAlerts.Critical("cf-prod", Deployer) with
    {
        PrincipalCluster = "prod",
        Workload = new AlertWorkload("ci/deployer-1", "ci", "deployer-1") { Cluster = "prod" },
    };

    // A person is no cluster's principal: the cluster of the pod she exec'd into is the alert's.
    private static Alert Person => TestAlerts.Critical("cf-person", "alice@acme.example") with
    {
        TargetWorkload = new AlertWorkload("shop/web-1", "shop", "web-1") { Cluster = "staging" },
    };

    private static Alert Unnamed => TestAlerts.Critical("cf-none", Deployer);

    private static async Task<List<string>> IdsAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var root = JsonDocument.Parse(text).RootElement;
        var items = root.ValueKind == JsonValueKind.Array
            ? root.EnumerateArray().Select(a => a.GetProperty("alert_id").GetString()!)
            : ResponderTestHost.AlertIds(root);
        return [.. items.Order(StringComparer.Ordinal)];
    }

    [Theory]
    [InlineData("staging", new[] { "cf-person", "cf-staging" })]
    [InlineData("prod", new[] { "cf-prod" })]
    [InlineData("Prod", new string[0])]
    [InlineData("qa", new string[0])]
    public async Task Alerts_OfOneCluster_AreThoseWhosePrincipalOrWorkloadIsThere(string cluster, string[] expected)
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(new ResponderTestHost().StartAsync(), Staging, Prod, Person, Unnamed);
        var viewer = host.ClientFor(ResponderTestHost.ViewerToken);

        Assert.Equal(expected, await IdsAsync(viewer, $"/v1/alerts?cluster={cluster}"));
        Assert.Equal(4, (await IdsAsync(viewer, "/v1/alerts")).Count);
        Assert.Equal(expected.Where(id => id != "cf-person"), await IdsAsync(viewer, $"/v1/alerts?cluster={cluster}&principal={Uri.EscapeDataString(Deployer)}"));
    }

    [Theory]
    [InlineData("/v1/alerts?cluster=%20staging", "white space")]
    [InlineData("/v1/alerts?cluster=staging%09", "white space")]
    [InlineData("/v1/alerts/stream?cluster=%20staging", "white space")]
    [InlineData("/v1/actions?cluster=%20prod", "white space")]
    public async Task Cluster_NoEventCouldName_Is400NamingIt(string path, string why)
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var viewer = host.ClientFor(ResponderTestHost.ViewerToken);

        using var response = await viewer.GetAsync(path, Ct);

        var error = await HttpProblem.ReadOneErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal((0, "cluster"), (error.GetProperty("index").GetInt32(), error.GetProperty("field").GetString()));
        Assert.Contains(why, error.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cluster_TooLong_Is400NamingIt()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var viewer = host.ClientFor(ResponderTestHost.ViewerToken);

        using var response = await viewer.GetAsync("/v1/alerts?cluster=" + new string('c', 254), Ct);

        var error = await HttpProblem.ReadOneErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("253", error.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Actions_OfOneCluster_AreTheIsolationsThere()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        foreach (var cluster in new[] { "staging", "prod", null })
        {
            using var response = await responder.PostAsJsonAsync("/v1/actions", new { kind = "isolate_workload", workload_id = "shop/cart-1", @namespace = "shop", name = "cart-1", cluster }, Ct);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var staging = await responder.GetFromJsonAsync<JsonElement>("/v1/actions?cluster=staging", Ct);
        Assert.Equal(["staging"], staging.EnumerateArray().Select(a => a.GetProperty("cluster").GetString()));
        var prod = await responder.GetFromJsonAsync<JsonElement>("/v1/actions?kind=isolate_workload&cluster=prod", Ct);
        Assert.Equal(["prod"], prod.EnumerateArray().Select(a => a.GetProperty("cluster").GetString()));
        Assert.Equal(3, (await responder.GetFromJsonAsync<JsonElement>("/v1/actions", Ct)).GetArrayLength());
    }
}
