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
