namespace ZtStream.Responder.Tests.Policy;

/// <summary>
/// <c>shop/cart</c> in two clusters is two workloads to the policy too: the action keeps its cluster in the store (and
/// its command carries it), and the per-namespace blast-radius budget counts a namespace within its cluster, so a flood
/// about <c>shop</c> in one cluster leaves <c>shop</c> in another alone. On SQLite here, on PostgreSQL below.
/// </summary>
public class ClusterBudgetTests
{
    private protected const string Policy = Actions.ResponseFlowTests.IsolateTwoPerNamespace;

    private protected virtual Task<ResponderTestHost> StartAsync(RecordingIsolator isolator) =>
        new ResponderTestHost(Policy).With<IWorkloadIsolator>(isolator).StartAsync();

    private static Alert About(string id, string cluster, int pod) =>
        TestAlerts.Critical(id, workload: new AlertWorkload($"pod-{pod}", "shop", $"cart-{pod}") { Cluster = cluster });

    [Fact]
    public async Task PerNamespaceBudget_CountsTheNamespaceWithinItsCluster_AndTheStoreKeepsTheCluster()
    {
        var isolator = new RecordingIsolator { Clusters = new IsolatorClusters(["staging", "prod-eu"], false, "Recording:Clusters") };
        await using var host = await StartAsync(isolator);
        var processor = host.Get<AlertProcessor>();
        for (var i = 0; i < 3; i++)
        {
            await processor.HandleAsync(About($"stg-{i}", "staging", i), Ct);
        }

        await processor.HandleAsync(About("prod-0", "prod-eu", 0), Ct);

        var all = await host.Get<ActionStore>().QueryAsync(new ActionQuery(Limit: 100), Ct);
        Assert.Equal(2, all.Count(a => a.Cluster == "staging" && a.Mode == ResponseModes.Automatic));
        var held = Assert.Single(all, a => a.State == ActionStates.PendingApproval);
        Assert.Equal("staging", held.Cluster);
        Assert.Contains("in namespace shop of cluster staging", held.Decision, StringComparison.Ordinal);
        var prod = Assert.Single(all, a => a.Cluster == "prod-eu");
        Assert.Equal(ResponseModes.Automatic, prod.Mode);
        Assert.Equal("workload shop/cart-0 in cluster prod-eu", prod.Target);

        await host.UntilStateAsync(prod.Id, ActionStates.Active);
        Assert.Contains("isolate pod-0 in prod-eu", isolator.Calls);
        Assert.Contains("isolate pod-0 in staging", isolator.Calls);
    }
}

public sealed class PostgresClusterBudgetTests(ZtStream.TestSupport.Services.PostgresFixture postgres) : ClusterBudgetTests
{
    private protected override async Task<ResponderTestHost> StartAsync(RecordingIsolator isolator) =>
        await new ResponderTestHost(Policy).With<IWorkloadIsolator>(isolator).OnPostgres(await postgres.CreateDatabaseAsync(Ct)).StartAsync();
}
