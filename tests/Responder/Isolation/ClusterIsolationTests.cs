using k8s;
using ZtStream.Responder.Actions;
using ZtStream.Responder.Audit;
using ZtStream.Responder.Isolation.Kubernetes;
using ZtStream.Responder.Isolation.Nftables;
using ZtStream.Responder.Tests.Actions;
using ZtStream.Responder.Tests.Isolation.Kubernetes;
using ZtStream.Responder.Tests.Isolation.Nftables;

namespace ZtStream.Responder.Tests.Isolation;

/// <summary>
/// An isolation acts in its workload's cluster only (docs/response.md "Clusters"): the real Kubernetes driver against a
/// test API server per cluster, and the real nftables driver in network namespaces, behind the whole Responder. An alert
/// about <c>payments/api-7d9f</c> in a cluster the driver does not act in must not touch the same-named pod it reaches.
/// </summary>
public sealed class ClusterIsolationTests : IAsyncLifetime
{
    private const string Ns = "payments";
    private const string Pod = "api-7d9f";
    private const string Key = "ztstream.io/quarantine";
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "api" };
    private FakeApiServer prod = null!;
    private FakeApiServer staging = null!;
    private readonly List<IDisposable> clients = [];

    public async ValueTask InitializeAsync()
    {
        prod = await FakeApiServer.StartAsync();
        staging = await FakeApiServer.StartAsync();
        prod.AddPod(Ns, Pod, Labels);
        staging.AddPod(Ns, Pod, Labels);
    }

    public async ValueTask DisposeAsync()
    {
        clients.ForEach(c => c.Dispose());
        await prod.DisposeAsync();
        await staging.DisposeAsync();
    }

    private k8s.Kubernetes Client(FakeApiServer server)
    {
        var client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = server.BaseAddress.ToString().TrimEnd('/') });
        clients.Add(client);
        return client;
    }

    /// <summary>The driver reaching <see cref="prod"/> as <paramref name="cluster"/>, and <see cref="staging"/> when <paramref name="withStaging"/>.</summary>
    private KubernetesWorkloadIsolator Driver(string? cluster, bool withStaging = false) => new(
        Client(prod),
        new KubernetesIsolationOptions
        {
            Cluster = cluster,
            Clusters = withStaging ? [new KubernetesClusterOptions { Name = "staging", Host = staging.BaseAddress }] : [],
        },
        NullLogger<KubernetesWorkloadIsolator>.Instance,
        withStaging ? new Dictionary<string, IKubernetes> { ["staging"] = Client(staging) } : null);

    private static Task<ResponderTestHost> StartAsync(IWorkloadIsolator driver) =>
        new ResponderTestHost(ResponseFlowTests.IsolateCritical).With<IWorkloadIsolator>(driver).StartAsync();

    private static Alert About(string id, string? cluster) =>
        TestAlerts.Critical(id, workload: new AlertWorkload($"k8s:{Ns}/{Pod}", Ns, Pod) { Cluster = cluster });

    private static IEnumerable<string> Writes(FakeApiServer server) => server.Requests.Where(r => r.Method != "GET").Select(r => r.ToString());

    /// <summary>Waits for the action to fail and answers its reason, after checking the audit trail says the same.</summary>
    private static async Task<string> FailureOfAsync(ResponderTestHost host, ActionRecord action)
    {
        await host.UntilStateAsync(action.Id, ActionStates.Failed);
        var failed = await host.Get<ActionStore>().GetAsync(action.Id, Ct);
        var trail = await host.Get<AuditLog>().QueryAsync(new AuditQuery(ActionId: action.Id.ToString()), Ct);
        var entry = Assert.Single(trail, e => e.Kind == AuditKinds.Failed);
        Assert.Contains(failed!.Error!, entry.Summary, StringComparison.Ordinal);
        Assert.True(await host.Harness.Published.Any<ActionFailed>(x => x.Context.Message.ActionId == action.Id && x.Context.Message.Reason == failed.Error, Ct));
        return failed.Error!;
    }

    [Fact]
    public async Task Kubernetes_AlertInAClusterTheDriverDoesNotActIn_IsolatesNothingAndFailsNamingIt()
    {
        await using var host = await StartAsync(Driver("prod-eu"));

        var action = await host.RaiseAsync(About("stg-1", "staging"));

        Assert.Equal("staging", action.Cluster);
        var reason = await FailureOfAsync(host, action);
        Assert.Contains("is in cluster staging", reason, StringComparison.Ordinal);
        Assert.Contains("acts only in cluster prod-eu", reason, StringComparison.Ordinal);
        Assert.Contains("Responder:Drivers:Kubernetes:Cluster", reason, StringComparison.Ordinal);
        Assert.Empty(Writes(prod));
        Assert.Equal(Labels, prod.PodLabels(Ns, Pod));
        Assert.Empty(prod.Policies);
    }

    /// <summary>
    /// A single-cluster deployment whose events start naming their cluster: the driver, told of no cluster, does not guess
    /// that the named one is the one it reaches; the failure says what to set.
    /// </summary>
    [Fact]
    public async Task Kubernetes_NoClusterConfigured_AlertNamingACluster_FailsSayingWhatToSet()
    {
        await using var host = await StartAsync(Driver(cluster: null));

        var reason = await FailureOfAsync(host, await host.RaiseAsync(About("named-1", "prod-eu")));

        Assert.Contains("is in cluster prod-eu", reason, StringComparison.Ordinal);
        Assert.Contains("configured for no cluster", reason, StringComparison.Ordinal);
        Assert.Contains("name prod-eu in Responder:Drivers:Kubernetes:Cluster", reason, StringComparison.Ordinal);
        Assert.Empty(Writes(prod));
    }

    [Fact]
    public async Task Kubernetes_ClusterConfigured_AlertNamingNoCluster_FailsRatherThanGuess()
    {
        await using var host = await StartAsync(Driver("prod-eu"));

        var reason = await FailureOfAsync(host, await host.RaiseAsync(About("unnamed-1", cluster: null)));

        Assert.Contains($"workload {Ns}/{Pod} names no cluster", reason, StringComparison.Ordinal);
        Assert.Empty(Writes(prod));
    }

    [Fact]
    public async Task Kubernetes_AlertInTheDriversCluster_IsolatesAsBefore_ThePolicyNamingTheCluster()
    {
        await using var host = await StartAsync(Driver("prod-eu"));

        var action = await host.RaiseAsync(About("own-1", "prod-eu"));

        await host.UntilStateAsync(action.Id, ActionStates.Active);
        var value = action.Id.ToString("N");
        Assert.Equal(value, prod.PodLabels(Ns, Pod)[Key]);
        var writes = prod.Requests.Where(r => r.Method != "GET").ToList();
        Assert.Equal(["POST /apis/networking.k8s.io/v1/namespaces/payments/networkpolicies", $"PATCH /api/v1/namespaces/{Ns}/pods/{Pod}"], writes.Select(r => r.ToString()));
        Assert.Equal("prod-eu", JsonNode.Parse(writes[0].Body)!["metadata"]!["annotations"]!["ztstream.io/cluster"]!.GetValue<string>());
        Assert.Equal("workload payments/api-7d9f in cluster prod-eu", (await host.Get<ActionStore>().GetAsync(action.Id, Ct))!.Target);
    }

    /// <summary>
    /// <c>payments/api-7d9f</c> in two clusters is two workloads: two actions, each quarantining the pod of its own cluster
    /// through that cluster's connection, and each release undoing only its own.
    /// </summary>
    [Fact]
    public async Task Kubernetes_SameNamedPodsInTwoClusters_AreTwoActionsEachInItsCluster()
    {
        await using var host = await StartAsync(Driver("prod-eu", withStaging: true));

        var inProd = await host.RaiseAsync(About("two-prod", "prod-eu"));
        var inStaging = await host.RaiseAsync(About("two-staging", "staging"));
        await host.UntilStateAsync(inProd.Id, ActionStates.Active);
        await host.UntilStateAsync(inStaging.Id, ActionStates.Active);

        Assert.NotEqual(inProd.Id, inStaging.Id);
        Assert.Equal(inProd.Id.ToString("N"), prod.PodLabels(Ns, Pod)[Key]);
        Assert.Equal(inStaging.Id.ToString("N"), staging.PodLabels(Ns, Pod)[Key]);
        Assert.Equal($"workload {Ns}/{Pod} in cluster staging", (await host.Get<ActionStore>().GetAsync(inStaging.Id, Ct))!.Target);

        var (change, _) = await host.Get<ActionService>().ReleaseAsync(inStaging.Id, "alice", "false positive", Ct);
        Assert.Equal(ActionChange.Done, change);
        await host.UntilStateAsync(inStaging.Id, ActionStates.Released);
        Assert.Equal(Labels, staging.PodLabels(Ns, Pod));
        Assert.Equal(inProd.Id.ToString("N"), prod.PodLabels(Ns, Pod)[Key]);
        Assert.Single(prod.Policies);
    }

    /// <summary>The nftables driver on one host of cluster edge-1: an alert about a same-named namespace in another cluster cuts nothing.</summary>
    [Fact]
    public async Task Nftables_AlertForAnotherCluster_CutsNothing_OneForItsCluster_Isolates()
    {
        await using var pair = await NetnsPair.CreateAsync();
        if (pair is null)
        {
            return;
        }

        var service = pair.Listen();
        var timeout = TimeSpan.FromSeconds(1);
        var driver = new NftablesWorkloadIsolator(new ProcessRunner(), new NftablesIsolationOptions { Cluster = "edge-1" }, NullLogger<NftablesWorkloadIsolator>.Instance);
        await using var host = await StartAsync(driver);
        Assert.True(await pair.ReachesFromAAsync(service, timeout, TimeSpan.FromSeconds(15)), "before isolation A reaches B");

        var elsewhere = await host.RaiseAsync(TestAlerts.Critical("nft-other", workload: new AlertWorkload(pair.A, null, pair.A) { Cluster = "edge-2" }));
        var reason = await FailureOfAsync(host, elsewhere);
        Assert.Contains("is in cluster edge-2", reason, StringComparison.Ordinal);
        Assert.Contains("Responder:Drivers:Nftables:Cluster", reason, StringComparison.Ordinal);
        Assert.True(await pair.CanConnectFromAAsync(service, timeout), "an alert for another cluster must not cut A off");

        var own = await host.RaiseAsync(TestAlerts.Critical("nft-own", workload: new AlertWorkload(pair.A, null, pair.A) { Cluster = "edge-1" }));
        await host.UntilStateAsync(own.Id, ActionStates.Active);
        Assert.False(await pair.CanConnectFromAAsync(service, timeout), "isolated A must not reach B");

        await host.Get<ActionService>().ReleaseAsync(own.Id, "alice", "false positive", Ct);
        await host.UntilStateAsync(own.Id, ActionStates.Released);
        Assert.True(await pair.ReachesFromAAsync(service, timeout, TimeSpan.FromSeconds(15)), "released A reaches B again");
    }
}
