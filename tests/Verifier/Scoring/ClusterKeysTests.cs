using static ZtStream.Verifier.Tests.ManagedClusters;

namespace ZtStream.Verifier.Tests.Scoring;

/// <summary>
/// Identities that exist once per cluster (service accounts, nodes, the API server's own users, workloads) are keyed
/// with the cluster their events name; people are one principal everywhere; events naming no cluster keep the bare id
/// (docs/detection.md, "Principals per cluster").
/// </summary>
public sealed class ClusterKeysTests
{
    internal const string Runner = "system:serviceaccount:ci:runner";
    private const string Alice = "alice@acme.example";
    private static readonly VerifierOptions Options = new() { ModelEnabled = false };
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Scores an event as the worker does: its bytes, read by the engine's own reader.</summary>
    internal static ScoreResult Score(ScoringEngine engine, AccessEvent e) => engine.Score(ContractJson.Serialize(e));

    /// <summary>
    /// <paramref name="count"/> reads of distinct config maps by the runner in <paramref name="cluster"/>, a second apart
    /// from <paramref name="at"/> (one baseline window).
    /// </summary>
    internal static IEnumerable<AccessEvent> Reads(string shape, string cluster, DateTimeOffset at, int count) =>
        Enumerable.Range(0, count).Select(i => Request(shape, cluster, Runner, at.AddSeconds(i), "get", "configmaps", "ci", $"cm-{i}"));

    /// <summary>
    /// A day of the runner's normal traffic in two clusters: it reads 40 config maps an hour in <paramref name="wide"/>
    /// (a CI runner sweeping its cluster) and 3 an hour in <paramref name="narrow"/>.
    /// </summary>
    internal static IEnumerable<AccessEvent> Day(string wideShape, string wide, string narrowShape, string narrow)
    {
        for (var h = 0; h < 24; h++)
        {
            foreach (var e in Reads(wideShape, wide, T0.AddHours(h), 40).Concat(Reads(narrowShape, narrow, T0.AddHours(h).AddMinutes(30), 3)))
            {
                yield return e;
            }
        }
    }

    /// <summary>The alerts scoring <paramref name="events"/> raised, each as last published (updates keep their alert's id).</summary>
    internal static List<Alert> Alerts(ScoringEngine engine, IEnumerable<AccessEvent> events) =>
        [.. events.Select(e => Score(engine, e).Alert).OfType<Alert>().GroupBy(a => a.Id).Select(g => g.Last())];

    [Theory]
    [MemberData(nameof(Shapes), MemberType = typeof(ManagedClusters))]
    public void SameServiceAccountInTwoClusters_BuildsTwoBaselines_AndASweepInOneIsFoundWhileTheOtherSweepsAsUsual(string shape)
    {
        var (staging, prod) = (ClusterName(shape, "staging"), ClusterName(shape, "prod"));
        var engine = new ScoringEngine(Options, DefaultPolicy.Load());

        Assert.Empty(Alerts(engine, Day(shape, staging, shape, prod)));

        Assert.Null(engine.StateOf(Runner));
        Assert.Equal(24 * 40, engine.StateOf(ClusterKeys.Key(Runner, staging))?.Events);
        Assert.Equal(24 * 3, engine.StateOf(ClusterKeys.Key(Runner, prod))?.Events);

        // Next morning: staging's sweep is what staging's runner always does; the same sweep in prod is not.
        var next = T0.AddHours(30);
        var alerts = Alerts(engine, Reads(shape, staging, next, 40).Concat(Reads(shape, prod, next.AddMinutes(30), 40)));

        var alert = Assert.Single(alerts);
        Assert.Contains(alert.Reasons, r => r.Rule == RuleNames.BreadthSpike);
        Assert.Equal((Runner, prod, Runner), (alert.Principal, alert.PrincipalCluster, alert.SubjectId));
        Assert.EndsWith("|" + prod, alert.DedupKey, StringComparison.Ordinal);
        Assert.StartsWith(Runner + "|", alert.DedupKey, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Shapes), MemberType = typeof(ManagedClusters))]
    public void PersonInTwoClusters_IsOnePrincipal_AndTheAlertNamesTheClusterOfThePodShellIsOpenedIn(string shape)
    {
        var (staging, prod) = (ClusterName(shape, "staging"), ClusterName(shape, "prod"));
        var engine = new ScoringEngine(Options, DefaultPolicy.Load());
        for (var h = 0; h < 6; h++)
        {
            Score(engine, Request(shape, staging, Alice, T0.AddHours(h), "get", "configmaps", "shop", "settings", ip: "203.0.113.7"));
            Score(engine, Request(shape, prod, Alice, T0.AddHours(h).AddMinutes(5), "get", "configmaps", "shop", "settings", ip: "203.0.113.7"));
        }

        var alert = Score(engine, Request(shape, prod, Alice, T0.AddHours(7), "create", "pods/exec", "shop", "web-1", ip: "203.0.113.7")).Alert;

        Assert.NotNull(alert);
        Assert.Equal((Alice, null), (alert.Principal, alert.PrincipalCluster));
        Assert.Equal(new AlertWorkload("shop/web-1", "shop", "web-1") { Cluster = prod }, alert.TargetWorkload);
        Assert.Equal(13, engine.StateOf(Alice)?.Events);
        Assert.Null(engine.StateOf(ClusterKeys.Key(Alice, prod)));
        Assert.Null(engine.StateOf(ClusterKeys.Key(Alice, staging)));
    }

    /// <summary>
    /// A cluster whose audit webhook names no cluster keeps the bare id: it scores exactly as it does alone — same alerts,
    /// same ids — however much the same account does in a named cluster beside it.
    /// </summary>
    [Theory]
    [InlineData(Eks)]
    [InlineData(Gke)]
    public void EventsNamingNoCluster_KeepTheBareKey_AndScoreAsTheyDoAlone(string shape)
    {
        var prod = ClusterName(shape, "prod");
        var sweep = Reads(Webhook, "(none)", T0.AddHours(30), 40).ToList();
        var unnamed = Day(Webhook, "(none)", Webhook, "(none)").Where((_, i) => i % 43 >= 40).ToList();

        var alone = new ScoringEngine(Options, DefaultPolicy.Load());
        Assert.Empty(Alerts(alone, unnamed));
        var expected = Assert.Single(Alerts(alone, sweep));

        // The same events beside a named cluster in which the account sweeps 40 config maps an hour.
        var mixed = new ScoringEngine(Options, DefaultPolicy.Load());
        Assert.Empty(Alerts(mixed, Day(shape, prod, Webhook, "(none)")));
        var got = Assert.Single(Alerts(mixed, sweep));

        Assert.Equal(ContractJson.Serialize(expected), ContractJson.Serialize(got));
        Assert.Equal((Runner, null), (got.Principal, got.PrincipalCluster));
        Assert.DoesNotContain(ClusterKeys.Separator, got.DedupKey);
        Assert.Equal((24 * 3) + 40, mixed.StateOf(Runner)?.Events);
        Assert.Equal(24 * 40, mixed.StateOf(ClusterKeys.Key(Runner, prod))?.Events);
    }

    [Theory]
    [InlineData("system:serviceaccount:kube-system:default", true)]
    [InlineData("system:node:ip-10-0-3-7.eu-west-1.compute.internal", true)]
    [InlineData("system:kube-controller-manager", true)]
    [InlineData("system:kube-scheduler", true)]
    [InlineData("system:apiserver", true)]
    [InlineData("system:anonymous", true)]
    [InlineData("eks:certificate-controller", true)]
    [InlineData("amazon:aws-load-balancer-controller", true)]
    [InlineData("masterclient", true)]
    [InlineData("kubernetes-admin", true)]
    [InlineData(null, true)]
    [InlineData("alice@acme.example", false)]
    [InlineData("oidc:alice", false)]
    [InlineData("arn:aws:sts::111122223333:assumed-role/ops-admin/kim", false)]
    [InlineData("ip:203.0.113.7", false)]
    [InlineData("systemadmin", false)]
    public void ClusterLocalIdentities_AreThoseKubernetesDefinesPerCluster(string? subject, bool local)
    {
        var e = new AccessEvent
        {
            Id = "e-1",
            Time = T0,
            Kind = EventKinds.K8sAudit,
            Subject = subject is null ? null : new Subject { Id = subject },
            Workload = new Workload { Id = "ci/runner-7d9f", Namespace = "ci" },
            Attributes = new() { ["k8s.cluster"] = JsonSerializer.SerializeToElement("prod") },
        };

        var who = new Identity(e, null, new ClusterKeys());

        Assert.Equal(local ? "prod" : null, who.Cluster);
        Assert.Equal(ClusterKeys.Key(e.PrincipalKey, local ? "prod" : null), who.Key);
        Assert.Equal(who.Key, new Identity(e).Key);
    }

    /// <summary>No event can reach another principal's state by the id it chooses: the key is injective.</summary>
    [Theory]
    [InlineData("system:node:a", null)]
    [InlineData("system:node:a", "prod")]
    [InlineData("prod\u001Fsystem:node:a", null)]
    [InlineData("\u001Fsystem:node:a", null)]
    [InlineData("system:node:a", "pr\u001Fod")]
    public void Key_SplitsBackIntoItsIdAndCluster(string id, string? cluster)
    {
        var key = ClusterKeys.Key(id, cluster);

        Assert.Equal((id, cluster?.Replace('\u001F', '\uFFFD')), ClusterKeys.Split(key));
        Assert.Equal(key, new ClusterKeys().KeyOf(id, cluster));
    }
}
