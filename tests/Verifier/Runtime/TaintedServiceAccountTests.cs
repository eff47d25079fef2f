using static ZtStream.Verifier.Tests.Runtime.RuntimeAlertTests;

namespace ZtStream.Verifier.Tests.Runtime;

/// <summary>
/// A Falco alert on a pod taints the pod's service account for the taint window: its token used elsewhere afterwards
/// scores higher, naming both. The link crosses partitions as derived records; here engines stand for partitions and the
/// records are routed by the same partitioner the event log uses.
/// </summary>
public sealed class TaintedServiceAccountTests
{
    private const string ServiceAccount = "system:serviceaccount:shop:web";
    private static readonly VerifierOptions Options = new() { ModelEnabled = false };
    private static readonly DateTimeOffset T = new(2026, 1, 7, 10, 0, 0, TimeSpan.Zero);

    /// <summary>The API server's audit event for the service account's token used from a pod (bound token: user.extra names the pod).</summary>
    internal static AccessEvent TokenUse(string id, DateTimeOffset at, string? pod, string ip = "10.4.2.17", string resource = "secrets", string verb = "get") =>
        ManagedClusters.Request(ManagedClusters.Webhook, string.Empty, ServiceAccount, at, verb, resource, "shop", "db", ip, extra: pod is null ? null : ManagedClusters.Pod(pod), id: id);

    private static ScoringEngine Engine() => new(Options, DefaultPolicy.Load());

    /// <summary>
    /// An engine that saw the service account's token used from shop/web-5c8d (binding the pod to it), then a Critical
    /// Falco alert on that pod; the link records are delivered between the two unless <paramref name="bindingDeliveredFirst"/> is false.
    /// </summary>
    private static ScoringEngine BoundThenAlerted(bool bindingDeliveredFirst = true)
    {
        var engine = Engine();
        engine.Score(TokenUse("u-1", T.AddMinutes(-30), "web-5c8d"));
        if (bindingDeliveredFirst)
        {
            engine.DeliverLinksLocally();
        }

        engine.Score(Falco(FalcoJson(time: "2026-01-07T10:00:00Z")));
        return engine;
    }

    private static AlertReason? Tainted(Alert? alert) => alert?.Reasons.FirstOrDefault(r => r.Rule == RuntimeLinks.TaintRule);

    [Fact]
    public void BindingThenFalcoAlert_TokenUsedFromAnotherPod_HighAlertNamingServiceAccountAndPod()
    {
        var engine = BoundThenAlerted();
        engine.DeliverLinksLocally();

        var result = engine.Score(TokenUse("u-2", T.AddMinutes(12), "batch-77f9", ip: "10.4.9.3"));

        var reason = Tainted(result.Alert);
        Assert.NotNull(reason);
        Assert.Equal(76, reason.Score);
        Assert.Equal(Severities.High, result.Alert!.Severity);
        Assert.Equal(ServiceAccount, result.Alert.Principal);
        Assert.Equal(
            "system:serviceaccount:shop:web: its workload shop/web-5c8d raised Falco \"Terminal shell in container\" (Critical) 12 min before, and its token is now used from workload shop/batch-77f9 (10.4.9.3)",
            reason.Text);
        Assert.Equal(["T1528", "T1550.001"], reason.Techniques);
        Assert.Contains("T1550.001", result.Alert.Techniques);
    }

    /// <summary>
    /// The pod named only by the k8smeta plugin (Falco 0.37+, the <c>k8s.*</c> fields null or <c>&lt;NA&gt;</c>): the alert is
    /// still on shop/web-5c8d, so it taints the service account bound to that pod.
    /// </summary>
    [Theory]
    [InlineData("null")]
    [InlineData("\"<NA>\"")]
    public void FalcoAlertNamingThePodThroughK8smeta_TaintsItsServiceAccount(string none)
    {
        var engine = Engine();
        engine.Score(TokenUse("u-1", T.AddMinutes(-30), "web-5c8d"));
        engine.DeliverLinksLocally();
        var alert = """
            {"hostname":"node-3","output":"10:00:00.000000000: Critical A shell was spawned in a container with an attached terminal (user=root container_id=3ad0c8f5e2a1)",
             "priority":"Critical","rule":"Terminal shell in container","source":"syscall","tags":["container","shell","mitre_execution","T1059"],"time":"2026-01-07T10:00:00Z",
             "output_fields":{"container.id":"3ad0c8f5e2a1","k8s.ns.name":NONE,"k8s.pod.name":NONE,"k8smeta.ns.name":"shop","k8smeta.pod.name":"web-5c8d","proc.cmdline":"bash","user.name":"root"}}
            """.Replace("NONE", none, StringComparison.Ordinal);

        engine.Score(Falco(alert));
        engine.DeliverLinksLocally();

        Assert.NotNull(Tainted(engine.Score(TokenUse("u-2", T.AddMinutes(12), "batch-77f9", ip: "10.4.9.3")).Alert));
    }

    /// <summary>
    /// Staging and prod both run shop/web-5c8d as system:serviceaccount:shop:web. A Falco alert on staging's pod taints
    /// staging's account only, across a restart from the checkpoint: prod's token used elsewhere is prod's business.
    /// </summary>
    [Theory]
    [InlineData(ManagedClusters.Eks)]
    [InlineData(ManagedClusters.Aks)]
    public void FalcoAlertInOneCluster_TaintsThatClustersServiceAccountOnly(string shape)
    {
        var (staging, prod) = (ManagedClusters.ClusterName(shape, "staging"), ManagedClusters.ClusterName(shape, "prod"));
        AccessEvent Use(string cluster, DateTimeOffset at, string pod) =>
            ManagedClusters.Request(shape, cluster, ServiceAccount, at, "get", "secrets", "shop", "db", ip: "10.4.9.3", extra: ManagedClusters.Pod(pod));
        var engine = Engine();
        engine.Score(Use(staging, T.AddMinutes(-30), "web-5c8d"));
        engine.Score(Use(prod, T.AddMinutes(-20), "web-5c8d"));
        engine.DeliverLinksLocally();
        engine.Score(ManagedClusters.InCluster(Falco(FalcoJson(time: "2026-01-07T10:00:00Z")), staging));
        engine.DeliverLinksLocally();
        var restored = Engine();
        restored.Restore(engine.Checkpoint());

        var inProd = restored.Score(Use(prod, T.AddMinutes(12), "batch-77f9"));
        var inStaging = restored.Score(Use(staging, T.AddMinutes(12), "batch-77f9"));

        Assert.Null(Tainted(inProd.Alert));
        var reason = Tainted(inStaging.Alert);
        Assert.NotNull(reason);
        Assert.Equal(76, reason.Score);
        Assert.StartsWith($"{ServiceAccount} (cluster {staging}): its workload shop/web-5c8d raised Falco", reason.Text);
        Assert.Equal((ServiceAccount, staging), (inStaging.Alert!.Principal, inStaging.Alert.PrincipalCluster));
        Assert.Equal(new AlertWorkload("shop/batch-77f9", "shop", "batch-77f9") { Cluster = staging }, inStaging.Alert.Workload);
        Assert.Single(restored.Links.TaintsOf(ClusterKeys.Key(ServiceAccount, staging)));
        Assert.Empty(restored.Links.TaintsOf(ClusterKeys.Key(ServiceAccount, prod)));
        Assert.Equal(ServiceAccount, restored.Links.ServiceAccountOf(ClusterKeys.Key("shop/web-5c8d", prod)));
    }

    [Fact]
    public void PluginSourceAlertOnAnActor_HoldsNoWorkloadLink()
    {
        var engine = Engine();
        var alert = """
            {"hostname":"falco-cloud-0","output":"Console login without MFA","output_fields":{"ct.user":"ops-admin","ct.srcip":"203.0.113.50"},
             "priority":"Critical","rule":"Console Login Without MFA","source":"aws_cloudtrail","tags":["T1078"],"time":"2026-01-07T10:00:00Z"}
            """;

        Assert.NotNull(engine.Score(Falco(alert)).Alert);
        engine.DeliverLinksLocally();

        Assert.Equal(0, engine.Links.WorkloadCount);
        Assert.Empty(engine.Links.Outbox);
    }

    [Fact]
    public void FalcoAlertBeforeTheBinding_TaintReachesTheServiceAccountWhenTheBindingArrives()
    {
        var engine = Engine();
        engine.Score(Falco(FalcoJson(time: "2026-01-07T10:00:00Z")));
        engine.DeliverLinksLocally();
        Assert.Empty(engine.Links.TaintsOf(ServiceAccount));

        engine.Score(TokenUse("u-1", T.AddMinutes(1), "web-5c8d"));
        engine.DeliverLinksLocally();

        var taint = Assert.Single(engine.Links.TaintsOf(ServiceAccount));
        Assert.Equal("shop/web-5c8d", taint.Workload);
        Assert.NotNull(Tainted(engine.Score(TokenUse("u-2", T.AddMinutes(5), pod: null)).Alert));
    }

    [Fact]
    public void PodCreatedByAController_BindsThePodToTheServiceAccountItsSpecNames()
    {
        var engine = Engine();
        var create = new JsonObject
        {
            ["kind"] = "Event",
            ["apiVersion"] = "audit.k8s.io/v1",
            ["level"] = "Request",
            ["auditID"] = "create-1",
            ["stage"] = "ResponseComplete",
            ["requestURI"] = "/api/v1/namespaces/shop/pods",
            ["verb"] = "create",
            ["user"] = new JsonObject { ["username"] = "system:serviceaccount:kube-system:replicaset-controller" },
            ["sourceIPs"] = new JsonArray("172.18.0.2"),
            ["objectRef"] = new JsonObject { ["resource"] = "pods", ["namespace"] = "shop", ["apiVersion"] = "v1" },
            ["responseStatus"] = new JsonObject { ["metadata"] = new JsonObject(), ["code"] = 201 },
            ["requestObject"] = new JsonObject
            {
                ["kind"] = "Pod",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject { ["name"] = "web-5c8d", ["generateName"] = "web-", ["namespace"] = "shop" },
                ["spec"] = new JsonObject { ["serviceAccountName"] = "web", ["containers"] = new JsonArray(new JsonObject { ["name"] = "web", ["image"] = "registry.local/shop/web:2.1" }) },
            },
            ["requestReceivedTimestamp"] = "2026-01-07T09:00:00Z",
        };
        engine.Score(Assert.Single(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(create.ToJsonString())).Events));
        engine.DeliverLinksLocally();

        Assert.Equal(ServiceAccount, engine.Links.ServiceAccountOf("shop/web-5c8d"));
        engine.Score(Falco(FalcoJson(time: "2026-01-07T10:00:00Z")));
        engine.DeliverLinksLocally();
        Assert.Single(engine.Links.TaintsOf(ServiceAccount));
    }

    [Fact]
    public void TokenUsedFromTheAlertedPodItself_SupportsButDoesNotAlertAlone()
    {
        var engine = BoundThenAlerted(bindingDeliveredFirst: false);
        engine.DeliverLinksLocally();

        var result = engine.Score(TokenUse("u-2", T.AddMinutes(3), "web-5c8d"));

        Assert.Equal(38, result.Score);
        Assert.Null(result.Alert);
    }

    [Fact]
    public void AfterTheTaintWindow_OrBeforeTheAlert_NothingRaised()
    {
        var engine = BoundThenAlerted(bindingDeliveredFirst: false);
        engine.DeliverLinksLocally();

        Assert.Null(Tainted(engine.Score(TokenUse("u-early", T.AddMinutes(-1), "batch-1")).Alert));
        Assert.NotNull(Tainted(engine.Score(TokenUse("u-in", T.AddHours(23.9), "batch-1")).Alert));
        Assert.Equal(0, engine.Score(TokenUse("u-late", T.AddHours(24.1), "batch-2")).Score);
        Assert.Empty(engine.Links.TaintsOf(ServiceAccount));
    }

    [Fact]
    public void NoticeFalcoAlert_TaintsNothing()
    {
        var engine = Engine();
        engine.Score(TokenUse("u-1", T.AddMinutes(-30), "web-5c8d"));
        engine.Score(Falco(FalcoJson(priority: "Notice", time: "2026-01-07T10:00:00Z")));
        engine.DeliverLinksLocally();

        Assert.Empty(engine.Links.TaintsOf(ServiceAccount));
    }

    [Fact]
    public void AcrossPartitions_RecordsRoutedByKey_TaintReachesTheServiceAccountsPartition()
    {
        const int partitions = 4;
        var podPartition = Murmur2Partitioner.PartitionFor("shop/web-5c8d", partitions);
        var saPartition = Murmur2Partitioner.PartitionFor(ServiceAccount, partitions);
        Assert.NotEqual(podPartition, saPartition);
        var engines = Enumerable.Range(0, partitions).Select(_ => Engine()).ToArray();

        void Deliver(AccessEvent e)
        {
            var engine = engines[Murmur2Partitioner.PartitionFor(e.PrincipalKey, partitions)];
            engine.Score(ContractJson.Serialize(e));
            var outbox = engine.Links.Outbox.ToList();
            engine.Links.Delivered(outbox.Count);
            outbox.ForEach(Deliver);
        }

        Deliver(TokenUse("u-1", T.AddMinutes(-30), "web-5c8d"));
        Deliver(Falco(FalcoJson(time: "2026-01-07T10:00:00Z")));

        Assert.Equal(ServiceAccount, engines[podPartition].Links.ServiceAccountOf("shop/web-5c8d"));
        Assert.Single(engines[saPartition].Links.TaintsOf(ServiceAccount));
        Assert.Empty(engines[podPartition].Links.TaintsOf(ServiceAccount));
        Assert.NotNull(Tainted(engines[saPartition].Score(ContractJson.Serialize(TokenUse("u-2", T.AddMinutes(2), "batch-1"))).Alert));
    }

    [Fact]
    public void Checkpoint_KeepsBindingsTaintsAndUndeliveredRecords()
    {
        var engine = BoundThenAlerted();
        var pending = Assert.Single(engine.Links.Outbox);
        Assert.Equal(EventKinds.RuntimeTaint, pending.Kind);
        Assert.Equal(ServiceAccount, pending.PrincipalKey);

        var restored = Engine();
        restored.Restore(engine.Checkpoint());

        Assert.Equal(ServiceAccount, restored.Links.ServiceAccountOf("shop/web-5c8d"));
        Assert.Equal(pending.Id, Assert.Single(restored.Links.Outbox).Id);
        restored.DeliverLinksLocally();
        Assert.NotNull(Tainted(restored.Score(TokenUse("u-2", T.AddMinutes(2), "batch-1")).Alert));
    }

    [Fact]
    public void Checkpoint_FormatTwo_WithoutLinks_IsStillRead()
    {
        var engine = Engine();
        engine.Score(TokenUse("u-1", T.AddMinutes(-30), "web-5c8d"));
        engine.Links.Delivered(engine.Links.Outbox.Count);

        var restored = Engine();
        restored.Restore(Rules.CheckpointFormats.AsFormat(engine.Checkpoint(), 2));

        Assert.Equal(engine.PrincipalCount, restored.PrincipalCount);
        Assert.Equal(0, restored.Links.WorkloadCount);
        Assert.Empty(restored.Links.Outbox);
    }

    [Fact]
    public void RedeliveredLinkRecords_ChangeNothing()
    {
        var engine = BoundThenAlerted();
        var taint = Assert.Single(engine.Links.Outbox);
        engine.DeliverLinksLocally();

        var again = engine.Score(taint);

        Assert.True(again.Duplicate);
        Assert.Single(engine.Links.TaintsOf(ServiceAccount));
        Assert.Empty(engine.Links.Outbox);
    }
}
