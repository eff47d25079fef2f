namespace ZtStream.Verifier.Tests.Baselines;

/// <summary>The baseline detector alone: observe, evaluate and learn one event at a time against one principal's state.</summary>
public sealed class BaselineDetectorTests
{
    private readonly BaselineDetector detector = new(new VerifierOptions());
    private readonly PrincipalState state = new();
    private readonly PeerIndex peers = new();

    [Fact]
    public void Evaluate_BeforeWarmUp_SaysNothingWhateverTheEvent()
    {
        var found = Feed(Events.Read(Events.T0, dataClass: "restricted/payroll", bytes: 5_000_000_000));

        Assert.Empty(found);
    }

    [Fact]
    public void Evaluate_WarmPrincipal_SteadyRead_SaysNothing()
    {
        Warm();

        Assert.Empty(Feed(Events.Read(Events.T0.AddHours(48.2), resource: "shop/orders-1")));
    }

    [Fact]
    public void Evaluate_FirstDataClassNoPeerUses_ScoresHigherThanOnePeersUse()
    {
        Warm();
        var alone = Assert.Single(Feed(Events.Read(Events.T0.AddHours(48.2), resource: "hr/salaries", dataClass: "restricted/payroll")), c => c.Rule == RuleNames.FirstDataClass);

        // Another principal of the same namespace makes the class usual there.
        var peerState = new PrincipalState();
        var other = Events.Read(Events.T0.AddHours(48.3), principal: "system:serviceaccount:shop:reports", resource: "hr/totals", dataClass: "internal/hr", workload: "shop/reports-1");
        Feed(other, peerState);
        var withPeers = Assert.Single(Feed(Events.Read(Events.T0.AddHours(48.4), resource: "hr/totals", dataClass: "internal/hr")), c => c.Rule == RuleNames.FirstDataClass);

        Assert.Equal(75, alone.Score);
        Assert.Equal(45, withPeers.Score);
        Assert.Contains("restricted/payroll", alone.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_ReadFarAboveTheBaseline_IsABytesSpike()
    {
        Warm();

        var found = Feed(Events.Read(Events.T0.AddHours(48.2), resource: "shop/orders-2", bytes: 3_000_000_000));

        // Both the per-read rule (against the horizon's mean) and the window rule (against the busiest window) fire.
        var spikes = found.Where(c => c.Rule == RuleNames.BytesSpike).ToList();
        Assert.Equal(2, spikes.Count);
        Assert.Contains(spikes, c => c.Score == 95 && c.Text.Contains("mean", StringComparison.Ordinal));
        Assert.Contains(spikes, c => c.Score == 75 && c.Text.Contains("busiest window", StringComparison.Ordinal));
    }

    [Fact]
    public void Learn_AlertingEvent_DoesNotMoveTheByteBaseline()
    {
        Warm();
        var before = state.RawBytes.Mean;
        var huge = Events.Read(Events.T0.AddHours(48.2), resource: "shop/orders-2", bytes: 3_000_000_000);

        Feed(huge, alerted: true);

        Assert.Equal(before, state.RawBytes.Mean);
        Assert.Equal(49, state.Events);
    }

    [Fact]
    public void Evaluate_TokenSeenFromAnotherWorkload_IsFlagged()
    {
        Warm();
        var token = new TokenInfo { Jti = "jti-1", ClientId = "api" };
        Feed(Events.Read(Events.T0.AddHours(48.1), resource: "shop/orders-1", token: token, workload: "shop/api-1"));

        var found = Feed(Events.Read(Events.T0.AddHours(48.2), resource: "shop/orders-1", token: token, workload: "shop/debug-7"));

        Assert.Contains(found, c => c.Rule == RuleNames.TokenNewWorkload && c.Text.Contains("shop/debug-7", StringComparison.Ordinal));
    }

    public static TheoryData<string> EventShapes => ["default", "no resource type", "no data class", "no network", "no agent", "no workload", "other cluster", "non-ascii", "workload is the principal", "named cluster", "named cluster, workload is the principal", "named cluster, a person"];

    [Theory]
    [MemberData(nameof(EventShapes))]
    public void Observe_EveryShape_FactsAreTheStableHashesOfItsValues(string shape)
    {
        var e = Shaped(shape);
        var who = new Identity(e);

        // The same instances again (as the event reader shares them), then a copy whose strings are new instances.
        foreach (var seen in new[] { e, e, Copy(e) })
        {
            var facts = default(EventFacts);
            detector.Observe(seen, new Identity(seen), new PrincipalState(), ref facts);

            Assert.Equal(seen.Resource?.Id is { } rid ? StableHash.Combine(StableHash.Of(seen.Resource.Type), StableHash.Of(rid)) : 0, facts.Resource);
            Assert.Equal(seen.Resource?.DataClass is { } dc ? StableHash.Of(dc) : 0, facts.DataClass);
            Assert.Equal(who.WorkloadId is { } w && w != who.Principal ? StableHash.Of(w) : 0, facts.Workload);
            Assert.Equal(seen.Network?.SrcIp is { } ip ? StableHash.Of(ip) : 0, facts.Ip);
            Assert.Equal(seen.UserAgent is { } ua ? StableHash.Of(ua) : 0, facts.Agent);
            Assert.Equal(seen.Token?.Jti is { } jti ? StableHash.Of(jti) : 0, facts.Token);
            var group = who.Namespace is { } ns ? StableHash.Of(ns) : StableHash.Of(seen.Subject?.Tenant ?? "(no tenant)");
            Assert.Equal(who.Cluster is { } cluster ? StableHash.Combine(StableHash.Of(cluster), group) : group, facts.PeerGroup);
        }
    }

    private static AccessEvent Shaped(string shape)
    {
        var token = new TokenInfo { Jti = "jti-0b7e", ClientId = "shop-api" };
        return shape switch
        {
            "default" => Events.Read(Events.T0, token: token),
            "no resource type" => Events.Read(Events.T0, resourceType: null),
            "no data class" => Events.Read(Events.T0, dataClass: null),
            "no network" => Events.Read(Events.T0, ip: null),
            "no agent" => Events.Read(Events.T0, agent: null),
            "no workload" => Events.Read(Events.T0, principal: "user:alice", workload: "") with { Subject = new Subject { Id = "user:alice" } },
            "other cluster" => Events.Read(Events.T0, principal: "system:serviceaccount:billing-eu:invoicer", workload: "billing-eu/invoicer-7", resource: "eu-west/ledger", ip: "172.20.3.9", agent: "invoicer/2.4 (eu-west-1)"),
            "non-ascii" => Events.Read(Events.T0, principal: "system:serviceaccount:café:gestionnaire-ñ", workload: "café/gestionnaire-ñ-1", resource: "données/clients-été", dataClass: "confidentiel/données", agent: "agent-ĳ/1.0 日本", token: new TokenInfo { Jti = "jti-ñ-0001" }),
            "workload is the principal" => Events.Read(Events.T0, principal: "pod:shop/api-1", workload: "shop/api-1") with { Subject = null },
            "named cluster" => ManagedClusters.InCluster(Events.Read(Events.T0, token: token), "prod"),
            "named cluster, workload is the principal" => ManagedClusters.InCluster(Events.Read(Events.T0, workload: "shop/api-1") with { Subject = null }, "staging"),
            "named cluster, a person" => ManagedClusters.InCluster(Events.Read(Events.T0, principal: "alice@acme.example", workload: ""), "prod"),
            _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, null),
        };
    }

    /// <summary>The same event with every string a new instance of the same text.</summary>
    private static AccessEvent Copy(AccessEvent e) => e with
    {
        Subject = e.Subject is { } s ? s with { Id = Fresh(s.Id)!, Tenant = Fresh(s.Tenant) } : null,
        Workload = e.Workload is { } w ? w with { Id = Fresh(w.Id)!, Namespace = Fresh(w.Namespace) } : null,
        Resource = e.Resource is { } r ? r with { Type = Fresh(r.Type), Id = Fresh(r.Id), DataClass = Fresh(r.DataClass) } : null,
        Network = e.Network is { } n ? n with { SrcIp = Fresh(n.SrcIp) } : null,
        UserAgent = Fresh(e.UserAgent),
    };

    private static string? Fresh(string? text) => text is null ? null : new string(text.AsSpan());

    private void Warm()
    {
        foreach (var e in Events.WarmHistory())
        {
            Feed(e);
        }
    }

    private List<Contribution> Feed(AccessEvent e, PrincipalState? into = null, bool alerted = false)
    {
        var s = into ?? state;
        var who = new Identity(e);
        var facts = default(EventFacts);
        detector.Observe(e, who, s, ref facts);
        var found = new List<Contribution>();
        detector.Evaluate(e, who, s, peers, facts, found);
        detector.Learn(e, s, peers, facts, alerted);
        return found;
    }
}
