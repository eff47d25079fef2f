namespace ZtStream.Verifier.Tests.Explanation;

/// <summary>Pins the wording (and numbers) of one reason per detector rule: analysts and runbooks read these.</summary>
public sealed class ReasonWordingTests
{
    private static readonly VerifierOptions Options = new() { ModelEnabled = false };

    private static string Reason(ScoringEngine engine, AccessEvent e, string rule)
    {
        var r = engine.Score(e);
        var alert = r.Alert ?? throw new Xunit.Sdk.XunitException($"no alert (score {r.Score})");
        return alert.Reasons.First(x => x.Rule == rule).Text;
    }

    private static ScoringEngine Warm(ZeroTrustPolicy? policy = null, string principal = "system:serviceaccount:shop:api") =>
        new ScoringEngine(Options, policy ?? DefaultPolicy.Load()).Warmed(principal);

    [Fact]
    public void BytesSpike_NamesVolumeMeanAndSigma()
    {
        var text = Reason(Warm(), Events.Read(Events.T0.AddHours(49), bytes: 2_254_857_830, dataClass: "confidential/customers"), RuleNames.BytesSpike);
        Assert.Equal("read 2.1 GB of confidential/customers; 30-day mean 1.1 MB, 16038.1σ (30.2σ on log scale)", text);
    }

    [Fact]
    public void FirstDataClass_NoPeer_NamesClassAndHistory()
    {
        var text = Reason(Warm(), Events.Read(Events.T0.AddHours(49), dataClass: "restricted/hr"), RuleNames.FirstDataClass);
        Assert.Equal("first access to data class restricted/hr in 2 days of history (1 classes known); no peer in namespace shop has used it (1 classes seen there)", text);
    }

    [Fact]
    public void DenialSpike_NamesCountShareAndBaseline()
    {
        var engine = Warm();
        string? text = null;
        for (var i = 0; i < 20 && text is null; i++)
        {
            var r = engine.Score(Events.Read(Events.T0.AddHours(49).AddSeconds(i), resource: $"shop/admin-{i}", outcome: Outcomes.Denied, dataClass: null));
            text = r.Alert?.Reasons.FirstOrDefault(x => x.Rule == RuleNames.DenialSpike)?.Text;
        }

        Assert.Equal("16 denied requests in 5 min (100% of 16); before at most 0", text);
    }

    [Fact]
    public void RateAndBreadthSpike_NameCountsAndBusiestWindow()
    {
        var engine = Warm();
        string? rate = null, breadth = null;
        for (var i = 0; i < 200; i++)
        {
            var r = engine.Score(Events.Read(Events.T0.AddHours(49).AddSeconds(i), resource: $"shop/t-{i}"));
            rate ??= r.Alert?.Reasons.FirstOrDefault(x => x.Rule == RuleNames.RateSpike)?.Text;
            breadth ??= r.Alert?.Reasons.FirstOrDefault(x => x.Rule == RuleNames.BreadthSpike)?.Text;
        }

        Assert.Equal("26 distinct resources in 5 min; before at most 1", breadth);
        Assert.Equal("151 requests in 5 min; busiest window before 1, mean 1", rate);
    }

    [Fact]
    public void TokenNewWorkload_NamesTokenAndWorkload()
    {
        var engine = Warm(ZeroTrustPolicy.Empty);
        engine.Score(Events.Read(Events.T0.AddHours(48.2), token: new() { Jti = "jti-9" }));
        var text = Reason(engine, Events.Read(Events.T0.AddHours(48.3), workload: "default/debug", token: new() { Jti = "jti-9" }), RuleNames.TokenNewWorkload);
        Assert.Equal("token jti-9 used from workload default/debug, 1 workloads known, not the one it was first used from", text);
    }

    [Fact]
    public void NewSourceUnusualHour_NamesSourcesAndHours()
    {
        var engine = new ScoringEngine(Options, ZeroTrustPolicy.Empty);
        for (var d = 0; d < 2; d++)
        {
            for (var h = 9; h < 17; h++)
            {
                for (var k = 0; k < 3; k++)
                {
                    engine.Score(Events.Read(Events.T0.AddDays(d).AddHours(h).AddMinutes(k * 10), "user:ana", resource: "/api/a", workload: "", ip: "192.168.1.10", agent: "Firefox"));
                }
            }
        }

        var text = Reason(engine, Events.Read(Events.T0.AddDays(2).AddHours(3), "user:ana", resource: "/api/a", workload: "", ip: "185.220.101.47", agent: "python-requests/2.32"), RuleNames.NewSourceUnusualHour);
        Assert.Equal("new address 185.220.101.47, new user agent python-requests/2.32 at 03:00 UTC, an hour never active in 48 events (active hours 09:00–16:00)", text);
    }

    [Fact]
    public void PolicyDataClass_NamesRule()
    {
        var text = Reason(Warm(), Events.Read(Events.T0.AddHours(49), dataClass: "confidential/payments", resource: "payments/cards"), RuleNames.DataClass);
        Assert.Equal("service account shop/api read confidential/payments (table payments/cards); policy data_classes[confidential/payments].read does not allow it", text);
    }

    [Fact]
    public void TokenBinding_NamesBoundAndUsedWorkload()
    {
        var text = Reason(Warm(), Events.Read(Events.T0.AddHours(49), workload: "default/attacker", token: new() { Jti = "jti-1", BoundWorkload = "shop/api-1" }), RuleNames.TokenBinding);
        Assert.Equal("token jti-1 is bound to workload shop/api-1 but was used from default/attacker; policy tokens.enforce_binding", text);
    }

    [Fact]
    public void TokenExpired_NamesExpiryAndLateness()
    {
        var text = Reason(Warm(), Events.Read(Events.T0.AddHours(49), token: new() { Jti = "jti-2", ExpiresAt = Events.T0.AddHours(48) }), RuleNames.TokenExpired);
        Assert.Equal("token jti-2 expired at 2026-01-07 00:00:00Z and was used 1 h later", text);
    }

    [Fact]
    public void TokenRevoked_NamesLogoutTime()
    {
        var engine = Warm();
        engine.Score(Events.Read(Events.T0.AddHours(48.5), kind: EventKinds.AuthLogout, token: new() { Jti = "jti-3" }, resourceType: null, dataClass: null));
        var text = Reason(engine, Events.Read(Events.T0.AddHours(49), token: new() { Jti = "jti-3" }), RuleNames.TokenRevoked);
        Assert.Equal("token jti-3 was revoked (session logged out) at 2026-01-07 00:30:00Z and used 30 min later", text);
    }

    [Fact]
    public void Segmentation_NamesAllowedNamespaces()
    {
        var text = Reason(Warm(principal: "system:serviceaccount:frontend:web"),
            Events.Read(Events.T0.AddHours(49), "system:serviceaccount:frontend:web", workload: "frontend/web-1", resourceType: "service", resource: "payments/ledger", dataClass: null, action: "POST"),
            RuleNames.Segmentation);
        Assert.Equal("frontend/web-1 in namespace frontend called payments/ledger; segmentation allows frontend to reach only [checkout, catalog, search, identity]", text);
    }

    [Fact]
    public void ProtectedResource_NamesRule()
    {
        var text = Reason(Warm(), Events.Read(Events.T0.AddHours(49), resourceType: "secrets", resource: "kube-system/bootstrap-token", dataClass: null, action: "get", kind: EventKinds.K8sAudit), RuleNames.ProtectedResource);
        Assert.Equal("service account shop/api get protected resource secrets kube-system/bootstrap-token; policy protected_resources 'kube-system/*' does not allow it", text);
    }

    [Fact]
    public void PodExec_NamesPodAndRule()
    {
        var text = Reason(Warm(), Events.Read(Events.T0.AddHours(49), "user:bob", workload: "", resourceType: "pods/exec", resource: "payments/pay-1", dataClass: null, action: "create", kind: EventKinds.K8sAudit), RuleNames.PodExec);
        Assert.Equal("user:bob ran exec in pod payments/pay-1; kubernetes.exec_allowed does not list it", text);
    }
}
