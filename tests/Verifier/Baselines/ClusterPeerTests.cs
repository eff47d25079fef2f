namespace ZtStream.Verifier.Tests.Baselines;

/// <summary>
/// <c>baseline/first_data_class</c> against peers when clusters share namespace names (docs/detection.md "Principals per cluster"): a
/// cluster-local principal's peers are its namespace in its cluster; a person's stay its tenant, across clusters.
/// </summary>
public sealed class ClusterPeerTests
{
    private const string Api = "system:serviceaccount:shop:api";
    private const string Reports = "system:serviceaccount:shop:reports";
    private const string Secrets = "restricted/secrets";

    // A principal keyed by its pod (an event without a subject, such as a runtime tool's).
    private const string Pod = "pod";

    private const string Account = "service account";

    private static readonly VerifierOptions Options = new() { ModelEnabled = false, DedupWindow = TimeSpan.FromMinutes(10) };

    public static TheoryData<string, string, string> Sides => new()
    {
        { Account, "staging", "prod" },
        { Account, "prod", "staging" },
        { Pod, "prod", "staging" },
        { Account, "arn:aws:eks:eu-west-1:111122223333:cluster/blue", "arn:aws:eks:eu-west-1:111122223333:cluster/green" },
    };

    [Theory]
    [MemberData(nameof(Sides))]
    public void SameNamespaceInAnotherCluster_DoesNotMakeAFirstUseNormal(string kind, string cluster, string other)
    {
        var engine = Warm(kind, cluster);
        engine.Score(PeerReads(kind, other, 47));

        var first = engine.Score(FirstRead(kind, cluster, 48.5));

        Assert.Equal(75, first.Score);
        var reason = Assert.Single(first.Alert!.Reasons, r => r.Rule == RuleNames.FirstDataClass);
        Assert.Contains($"no peer in namespace shop of cluster {cluster} has used it", reason.Text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void SameNamespaceInTheSameCluster_StillMakesAFirstUseNormal(string kind, string cluster, string other)
    {
        var engine = Warm(kind, cluster);
        engine.Score(PeerReads(kind, other, 46));
        engine.Score(PeerReads(kind, cluster, 47));

        Assert.Equal(45, engine.Score(FirstRead(kind, cluster, 48.5)).Score);
    }

    [Fact]
    public void PeopleOfOneTenant_AreStillPeersAcrossClusters()
    {
        // alice and bob are identity-provider users of tenant acme: one principal each in every cluster, and peers.
        var engine = new ScoringEngine(Options).Scored(Events.WarmHistory("bob@acme.example", workload: "").Select(e => ManagedClusters.InCluster(e, "prod")));

        engine.Score(ManagedClusters.InCluster(Events.Read(Events.T0.AddHours(47), "alice@acme.example", "vault/db-creds", Secrets, workload: ""), "staging"));

        Assert.Equal(45, engine.Score(ManagedClusters.InCluster(Events.Read(Events.T0.AddHours(48.5), "bob@acme.example", "vault/db-creds", Secrets, workload: ""), "prod")).Score);
    }

    [Fact]
    public void PeerGroupsPerCluster_SurviveACheckpoint()
    {
        var engine = Warm(Account, "prod");
        engine.Score(PeerReads(Account, "staging", 47));
        var restored = new ScoringEngine(Options);

        restored.Restore(engine.Checkpoint());

        Assert.Equal(75, restored.Score(FirstRead(Account, "prod", 48.5)).Score);
    }

    [Fact]
    public void OldCheckpoint_Loads_ItsClustersGroupsRebuiltFromTheirPrincipals_ItsMixedGroupKeptForUnnamedClusters()
    {
        // Staging's and prod's api are warm; staging's reports has read secrets. A format 9 engine kept one group for
        // both clusters' "shop" (the namespace's hash alone), holding staging's secrets and everyone's orders.
        var engine = Warm(Account, "staging")
            .Scored(Events.WarmHistory(Api).Select(e => ManagedClusters.InCluster(e with { Id = "prod-" + e.Id }, "prod")))
            .Scored(Events.WarmHistory(Api).Select(e => e with { Id = "bare-" + e.Id }));

        engine.Score(PeerReads(Account, "staging", 47));
        var shop = StableHash.Of("shop");
        var old = Rules.CheckpointFormats.AsFormatNine(
            engine.Checkpoint(),
            (shop, StableHash.Of("(the unnamed cluster's shop, merged into shop)")),
            (PeerIndex.Group(shop, StableHash.Of("staging")), shop),
            (PeerIndex.Group(shop, StableHash.Of("prod")), StableHash.Of("(merged into shop)")));
        var restored = new ScoringEngine(Options);

        restored.Restore(old);
        var rewritten = new ScoringEngine(Options);
        rewritten.Restore(restored.Checkpoint());

        // Prod's first secret read is not made normal by staging's peer, though the old group mixed them.
        var prod = restored.Score(FirstRead(Account, "prod", 48.5));
        Assert.Equal(75, prod.Score);
        Assert.Contains(prod.Alert!.Reasons, r => r.Text.Contains("no peer in namespace shop of cluster prod", StringComparison.Ordinal));

        // Staging's group is rebuilt from staging's reports, so there it is still a peer's class.
        Assert.Equal(45, restored.Score(FirstRead(Account, "staging", 48.6)).Score);

        // An account whose events name no cluster still has the old group, as it did before the upgrade.
        Assert.Equal(45, restored.Score(Events.Read(Events.T0.AddHours(48.7), Api, "shop/db-creds", Secrets) with { Id = "bare-first" }).Score);

        // Written again, the checkpoint is the current format and reads the same.
        Assert.Equal(75, rewritten.Score(FirstRead(Account, "prod", 48.5)).Score);
        Assert.Equal(45, rewritten.Score(FirstRead(Account, "staging", 48.6)).Score);
    }

    private static ScoringEngine Warm(string kind, string cluster) =>
        new ScoringEngine(Options).Scored(Events.WarmHistory(Api).Select(e => ManagedClusters.InCluster(As(kind, e) with { Id = cluster + "-" + e.Id }, cluster)));

    private static AccessEvent PeerReads(string kind, string cluster, double hours) => ManagedClusters.InCluster(
        As(kind, Events.Read(Events.T0.AddHours(hours), Reports, "shop/db-creds", Secrets, workload: "shop/reports-1")),
        cluster);

    private static AccessEvent FirstRead(string kind, string cluster, double hours) =>
        ManagedClusters.InCluster(As(kind, Events.Read(Events.T0.AddHours(hours), Api, "shop/db-creds", Secrets)), cluster);

    private static AccessEvent As(string kind, AccessEvent e) => kind == Pod ? e with { Subject = null } : e;
}
