namespace ZtStream.Verifier.Tests.Scoring;

public sealed class ScoringEngineTests
{
    private static ScoringEngine Warm(VerifierOptions? options = null, ZeroTrustPolicy? policy = null)
    {
        var engine = new ScoringEngine(options ?? new VerifierOptions { ModelEnabled = false }, policy);
        foreach (var e in Events.WarmHistory())
        {
            Assert.Null(engine.Score(e).Alert);
        }

        return engine;
    }

    [Fact]
    public void Score_SteadyTraffic_RaisesNothing()
    {
        var engine = Warm();
        var r = engine.Score(Events.Read(Events.T0.AddHours(48.5)));
        Assert.Null(r.Alert);
        Assert.True(r.Score < 60);
    }

    [Fact]
    public void Score_SameEventIdTwice_ScoresOnce()
    {
        var engine = Warm();
        var e = Events.Read(Events.T0.AddHours(49), bytes: 2_000_000_000);
        var first = engine.Score(e);
        var again = engine.Score(e);
        Assert.NotNull(first.Alert);
        Assert.True(again.Duplicate);
        Assert.Null(again.Alert);
    }

    [Fact]
    public void Score_Bytes_AcceptsSerializedEvent()
    {
        var engine = Warm();
        var r = engine.Score(ContractJson.Serialize(Events.Read(Events.T0.AddHours(49), bytes: 2_000_000_000)));
        Assert.Equal(Detectors.Baseline, r.Alert?.Detector);
    }

    [Fact]
    public void Alert_RepeatedWithinDedupWindow_UpdatesOneAlert()
    {
        var engine = Warm();
        var first = engine.Score(Events.Read(Events.T0.AddHours(49), bytes: 2_000_000_000)).Alert!;
        var second = engine.Score(Events.Read(Events.T0.AddHours(49.1), bytes: 2_100_000_000)).Alert!;
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(first.DedupKey, second.DedupKey);
        Assert.Equal(2, second.Count);
        Assert.Equal(Events.T0.AddHours(49.1), second.LastSeen);
        Assert.Equal(first.FirstSeen, second.FirstSeen);
        Assert.Equal(2, second.EvidenceEventIds.Count);
    }

    [Fact]
    public void Alert_AfterDedupWindow_IsNewAlert()
    {
        var engine = Warm(new VerifierOptions { ModelEnabled = false, DedupWindow = TimeSpan.FromHours(1) });
        var first = engine.Score(Events.Read(Events.T0.AddHours(49), bytes: 2_000_000_000)).Alert!;
        var later = engine.Score(Events.Read(Events.T0.AddHours(51), bytes: 2_000_000_000)).Alert!;
        Assert.NotEqual(first.Id, later.Id);
        Assert.Equal(1, later.Count);
    }

    [Fact]
    public void Alert_CarriesPrincipalWorkloadTokenAndEvidence()
    {
        var engine = Warm();
        var e = Events.Read(Events.T0.AddHours(49), bytes: 2_000_000_000, token: new() { Jti = "j-1", ClientId = "api" });
        var alert = engine.Score(e).Alert!;
        Assert.Equal("system:serviceaccount:shop:api", alert.Principal);
        Assert.Equal("shop/api-1", alert.Workload?.Id);
        Assert.Equal("j-1", alert.Token?.Jti);
        Assert.Equal([e.Id], alert.EvidenceEventIds);
        Assert.Equal("internal/orders", alert.ResourceClass);
        Assert.Equal(Severities.FromScore(alert.Score), alert.Severity);
    }

    [Theory]
    [InlineData(60)]
    [InlineData(int.MaxValue)]
    public void TokenExpiringAtTheEndOfTime_IsScored_WhateverTheGrace(int grace)
    {
        // The expiry comes from the event, the grace from the policy: their sum may lie past the last date there is.
        var policy = PolicyLoader.Parse($"tokens:\n  expiry_grace_seconds: {grace}\n");
        var engine = new ScoringEngine(new VerifierOptions { ModelEnabled = false }, policy);

        var result = engine.Score(Events.Read(Events.T0, bytes: 100, token: new() { Jti = "j-end", ExpiresAt = DateTimeOffset.MaxValue.AddSeconds(-1) }));

        Assert.DoesNotContain(result.Alert?.Reasons ?? [], r => r.Rule == RuleNames.TokenExpired);
    }

    [Fact]
    public void Alert_EvidenceScope_IsWhatEveryEvidenceEventVouchedFor_WithItsSourcesAndTheTokensExpiry()
    {
        var engine = Warm();
        var exp = Events.T0.AddHours(50);
        var first = engine.Score(Events.Read(Events.T0.AddHours(49), bytes: 2_000_000_000, token: new() { Jti = "j-2", ExpiresAt = exp })
            with { Source = "orders-api", SourceScope = ["subject", "workload"] }).Alert!;
        Assert.Equal(["subject", "workload"], first.EvidenceScope);
        Assert.Equal(["orders-api"], first.EvidenceSources);
        Assert.Equal(exp, first.Token?.ExpiresAt);

        var second = engine.Score(Events.Read(Events.T0.AddHours(49.1), bytes: 2_100_000_000) with { Source = "gateway", SourceScope = ["subject"] }).Alert!;
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(["subject"], second.EvidenceScope);
        Assert.Equal(["orders-api", "gateway"], second.EvidenceSources);

        // One event from a source that vouches for nothing takes the rest away for good.
        engine.Score(Events.Read(Events.T0.AddHours(49.2), bytes: 2_200_000_000) with { Source = "legacy" });
        var fourth = engine.Score(Events.Read(Events.T0.AddHours(49.3), bytes: 4_400_000_000) with { Source = "orders-api", SourceScope = ["subject", "workload"] }).Alert!;
        Assert.Empty(fourth.EvidenceScope!);
        Assert.Equal(["orders-api", "gateway", "legacy"], fourth.EvidenceSources);
    }

    [Fact]
    public void Score_BeforeWarmUp_BaselinesStayQuiet()
    {
        var engine = new ScoringEngine(new VerifierOptions { ModelEnabled = false });
        for (var i = 0; i < 5; i++)
        {
            engine.Score(Events.Read(Events.T0.AddMinutes(i)));
        }

        Assert.Null(engine.Score(Events.Read(Events.T0.AddMinutes(10), bytes: 5_000_000_000)).Alert);
    }

    [Fact]
    public void ProbeClientTraffic_IsNeitherScoredNorLearned()
    {
        const string a = "system:serviceaccount:shop:api";
        var engine = new ScoringEngine(new VerifierOptions { ModelEnabled = false, ProbeClients = ["ztstream-demo-probe"] }).Warmed(a);

        var probe = new TokenInfo { Jti = "probe-1", ClientId = "ztstream-demo-probe" };
        var state = engine.StateOf(a)!.LastSeenTicks;
        Assert.Null(engine.Score(Events.Read(Events.T0.AddHours(49), a, bytes: 2_000_000_000, token: probe)).Alert);
        Assert.Null(engine.Score(Events.Read(Events.T0.AddHours(49), "probe-only-user", token: probe)).Alert);
        Assert.Equal(2, engine.ProbesSkipped);
        Assert.Equal(state, engine.StateOf(a)!.LastSeenTicks);
        Assert.Null(engine.StateOf("probe-only-user"));

        // The same behaviour from the principal's own client still alerts.
        Assert.NotNull(engine.Score(Events.Read(Events.T0.AddHours(49), a, bytes: 2_000_000_000, token: probe with { ClientId = "orders-app" })).Alert);
    }
}
