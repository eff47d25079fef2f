using k8s;
using ZtStream.Responder.Isolation.Kubernetes;

namespace ZtStream.Responder.Tests.Isolation.Kubernetes;

public sealed class KubernetesWorkloadIsolatorTests : IAsyncLifetime
{
    private const string Ns = "payments";
    private const string Pod = "api-7d9f";
    private const string Key = "ztstream.io/quarantine";
    private const string PoliciesPath = "/apis/networking.k8s.io/v1/namespaces/payments/networkpolicies";
    private const string PodPath = "/api/v1/namespaces/payments/pods/api-7d9f";
    private FakeApiServer server = null!;
    private k8s.Kubernetes client = null!;

    public async ValueTask InitializeAsync()
    {
        server = await FakeApiServer.StartAsync();
        server.AddPod(Ns, Pod, new() { ["app"] = "api" });
        server.AddPolicy(Ns, "default-deny-unrelated");
        client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = server.BaseAddress.ToString().TrimEnd('/') });
    }

    public async ValueTask DisposeAsync()
    {
        client.Dispose();
        await server.DisposeAsync();
    }

    private KubernetesWorkloadIsolator Isolator(KubernetesIsolationOptions? options = null) =>
        new(client, options ?? new KubernetesIsolationOptions(), NullLogger<KubernetesWorkloadIsolator>.Instance);

    private static IsolateWorkload Isolate(Guid id) => IsolationCommands.Isolate(id, "k8s:payments/api-7d9f", Pod, Ns);

    private static ReleaseWorkload Release(Guid isolation) => IsolationCommands.Release(isolation, "k8s:payments/api-7d9f", Pod, Ns);

    /// <summary>
    /// The driver itself refuses a cluster it has no connection for, whoever calls it: it never sends a command for
    /// another cluster to the connection it has.
    /// </summary>
    [Theory]
    [InlineData("prod-eu", "staging")]
    [InlineData(null, "staging")]
    [InlineData("prod-eu", null)]
    public async Task IsolateOrRelease_ForAClusterWithoutAConnection_FailsPermanently_AndSendsNothing(string? configured, string? named)
    {
        var isolator = Isolator(new KubernetesIsolationOptions { Cluster = configured });

        var isolate = await Assert.ThrowsAsync<DriverFailedException>(() => isolator.IsolateAsync(Isolate(Guid.NewGuid()) with { Cluster = named }, Ct));
        var release = await Assert.ThrowsAsync<DriverFailedException>(() => isolator.ReleaseAsync(Release(Guid.NewGuid()) with { Cluster = named }, Ct));

        Assert.True(isolate.Permanent);
        Assert.True(release.Permanent);
        Assert.Contains(named is null ? "names no cluster" : $"is in cluster {named}", isolate.Message, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Isolate_CreatesDenyAllPolicyThenLabelsThePod()
    {
        var id = Guid.NewGuid();
        var value = id.ToString("N");

        var result = await Isolator().IsolateAsync(Isolate(id), Ct);

        Assert.True(result.Changed);
        var writes = server.Requests.Where(r => r.Method != "GET").ToList();
        Assert.Equal(["POST " + PoliciesPath, "PATCH " + PodPath], writes.Select(r => r.ToString()));

        var policy = JsonNode.Parse(writes[0].Body)!;
        Assert.Equal($"ztstream-quarantine-{value}", policy["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal(value, policy["spec"]!["podSelector"]!["matchLabels"]![Key]!.GetValue<string>());
        Assert.Equal(["Ingress", "Egress"], policy["spec"]!["policyTypes"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Empty(policy["spec"]!["ingress"]?.AsArray() ?? []);
        Assert.Empty(policy["spec"]!["egress"]?.AsArray() ?? []);

        Assert.StartsWith("application/merge-patch+json", writes[1].ContentType, StringComparison.Ordinal);
        Assert.Equal(value, JsonNode.Parse(writes[1].Body)!["metadata"]!["labels"]![Key]!.GetValue<string>());
        Assert.Equal(new Dictionary<string, string> { ["app"] = "api", [Key] = value }, server.PodLabels(Ns, Pod));
    }

    /// <summary>Quarantines the pod under <paramref name="first"/>, then asks again under <paramref name="second"/>: a no-op that only reads.</summary>
    private async Task<DriverResult> IsolateAgainAsync(Guid first, Guid second)
    {
        await Isolator().IsolateAsync(Isolate(first), Ct);
        server.ClearRequests();

        var again = await Isolator().IsolateAsync(Isolate(second), Ct);

        Assert.False(again.Changed);
        Assert.All(server.Requests, r => Assert.Equal("GET", r.Method));
        return again;
    }

    [Fact]
    public async Task Isolate_Twice_SecondIsANoOpThatWritesNothing()
    {
        var id = Guid.NewGuid();

        var again = await IsolateAgainAsync(id, id);

        Assert.Contains("already quarantined by this action", again.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Isolate_PodQuarantinedByAnotherAction_IsANoOpNamingIt()
    {
        var first = Guid.NewGuid();

        var second = await IsolateAgainAsync(first, Guid.NewGuid());

        Assert.Contains(first.ToString("N"), second.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Release_DeletesExactlyThePolicyAndLabelIsolateAdded()
    {
        var id = Guid.NewGuid();
        var value = id.ToString("N");
        await Isolator().IsolateAsync(Isolate(id), Ct);
        server.ClearRequests();

        var result = await Isolator().ReleaseAsync(Release(id), Ct);

        Assert.True(result.Changed);
        var writes = server.Requests.Where(r => r.Method != "GET").ToList();
        Assert.Equal(["PATCH " + PodPath, $"DELETE {PoliciesPath}/ztstream-quarantine-{value}"], writes.Select(r => r.ToString()));
        Assert.StartsWith("application/json-patch+json", writes[0].ContentType, StringComparison.Ordinal);
        var operations = JsonNode.Parse(writes[0].Body)!.AsArray();
        Assert.Equal("test", operations[0]!["op"]!.GetValue<string>());
        Assert.Equal(value, operations[0]!["value"]!.GetValue<string>());
        Assert.Equal("remove", operations[1]!["op"]!.GetValue<string>());
        Assert.Equal("/metadata/labels/ztstream.io~1quarantine", operations[1]!["path"]!.GetValue<string>());

        Assert.Equal(new Dictionary<string, string> { ["app"] = "api" }, server.PodLabels(Ns, Pod));
        Assert.Equal(["payments/default-deny-unrelated"], server.Policies.Keys);
    }

    /// <summary>
    /// A command naming no namespace and no pod name means the configured default namespace and the pod named as the
    /// workload: the release finds the pod its isolation labelled and takes off only what it added.
    /// </summary>
    [Theory]
    [InlineData("default", null)]
    [InlineData("tenants", "tenants")]
    public async Task IsolateThenRelease_CommandNamingNoNamespaceOrPod_ActOnTheDefaultNamespacesPodNamedAsTheWorkload(string ns, string? configured)
    {
        const string Workload = "batch-runner";
        server.AddPod(ns, Workload, new() { ["app"] = "batch" });
        var options = configured is null ? new KubernetesIsolationOptions() : new KubernetesIsolationOptions { DefaultNamespace = configured };
        var id = Guid.NewGuid();
        var isolate = IsolationCommands.Isolate(id, Workload, Pod) with { Name = null };
        var release = IsolationCommands.Release(id, Workload, Pod) with { Name = null };

        Assert.True((await Isolator(options).IsolateAsync(isolate, Ct)).Changed);
        Assert.Equal(id.ToString("N"), server.PodLabels(ns, Workload)[Key]);
        Assert.Contains($"{ns}/ztstream-quarantine-{id:N}", server.Policies.Keys);

        Assert.True((await Isolator(options).ReleaseAsync(release, Ct)).Changed);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "batch" }, server.PodLabels(ns, Workload));
        Assert.DoesNotContain($"{ns}/ztstream-quarantine-{id:N}", server.Policies.Keys);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "api" }, server.PodLabels(Ns, Pod));
    }

    [Fact]
    public async Task Release_Twice_SecondIsANoOpThatSaysSo()
    {
        var id = Guid.NewGuid();
        await Isolator().IsolateAsync(Isolate(id), Ct);
        await Isolator().ReleaseAsync(Release(id), Ct);
        server.ClearRequests();

        var again = await Isolator().ReleaseAsync(Release(id), Ct);

        Assert.False(again.Changed);
        Assert.Contains("already released", again.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Requests, r => r.Method == "PATCH");
        Assert.Equal(["payments/default-deny-unrelated"], server.Policies.Keys);
    }

    [Fact]
    public async Task Release_OfAnotherIsolation_LeavesTheCurrentQuarantineInPlace()
    {
        var id = Guid.NewGuid();
        await Isolator().IsolateAsync(Isolate(id), Ct);

        var other = await Isolator().ReleaseAsync(Release(Guid.NewGuid()), Ct);

        Assert.False(other.Changed);
        Assert.Equal(id.ToString("N"), server.PodLabels(Ns, Pod)[Key]);
        Assert.Contains($"payments/ztstream-quarantine-{id:N}", server.Policies.Keys);
    }

    [Fact]
    public async Task Isolate_WithDnsAndApiServerAllowed_AddsOnlyThoseEgressRules()
    {
        var options = new KubernetesIsolationOptions { AllowDns = true, ApiServerCidrs = ["10.96.0.1/32"], ApiServerPorts = [443] };

        await Isolator(options).IsolateAsync(Isolate(Guid.NewGuid()), Ct);

        var policy = JsonNode.Parse(server.Requests.Single(r => r.Method == "POST").Body)!;
        var egress = policy["spec"]!["egress"]!.AsArray();
        Assert.Equal(2, egress.Count);
        Assert.Equal("kube-system", egress[0]!["to"]![0]!["namespaceSelector"]!["matchLabels"]!["kubernetes.io/metadata.name"]!.GetValue<string>());
        Assert.Equal("kube-dns", egress[0]!["to"]![0]!["podSelector"]!["matchLabels"]!["k8s-app"]!.GetValue<string>());
        Assert.Equal(["UDP:53", "TCP:53"], egress[0]!["ports"]!.AsArray().Select(p => $"{p!["protocol"]}:{p["port"]}"));
        Assert.Equal("10.96.0.1/32", egress[1]!["to"]![0]!["ipBlock"]!["cidr"]!.GetValue<string>());
        Assert.Equal(["TCP:443"], egress[1]!["ports"]!.AsArray().Select(p => $"{p!["protocol"]}:{p["port"]}"));
        Assert.Empty(policy["spec"]!["ingress"]?.AsArray() ?? []);
    }

    [Fact]
    public async Task Isolate_MissingPod_FailsPermanently()
    {
        var command = Isolate(Guid.NewGuid()) with { Name = "gone" };

        var failure = await Assert.ThrowsAsync<DriverFailedException>(() => Isolator().IsolateAsync(command, Ct));

        Assert.True(failure.Permanent);
        Assert.Contains("payments/gone not found", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Requests, r => r.Method != "GET");
    }

    [Fact]
    public void Rbac_GrantsExactlyTheVerbsTheDriverUses()
    {
        Assert.Contains("resources: [\"pods\"]\n    verbs: [\"get\", \"patch\"]", KubernetesRbac.ClusterRole, StringComparison.Ordinal);
        Assert.Contains("resources: [\"networkpolicies\"]\n    verbs: [\"get\", \"create\", \"delete\"]", KubernetesRbac.ClusterRole, StringComparison.Ordinal);
        Assert.DoesNotContain("list", KubernetesRbac.ClusterRole, StringComparison.Ordinal);
        Assert.DoesNotContain("*", KubernetesRbac.ClusterRole, StringComparison.Ordinal);
    }
}
