using ZtStream.Verifier.Attack;

namespace ZtStream.Verifier.Tests.Attack;

/// <summary>Each built-in detector's reasons carry the ATT&amp;CK techniques of docs/detection.md; the alert carries their union.</summary>
public sealed class TechniqueMappingTests
{
    private static readonly VerifierOptions Options = new() { ModelEnabled = false };

    private static ScoringEngine Warm(string principal = "system:serviceaccount:shop:api") => new ScoringEngine(Options, DefaultPolicy.Load()).Warmed(principal);

    private static AlertReason ReasonOf(ScoringEngine engine, AccessEvent e, string rule)
    {
        var alert = engine.Score(e).Alert ?? throw new Xunit.Sdk.XunitException("no alert");
        return alert.Reasons.First(r => r.Rule == rule);
    }

    public static TheoryData<string, string[]> PolicyCases => new()
    {
        { RuleNames.PodExec, ["T1609"] },
        { RuleNames.TokenExpired, ["T1550.001"] },
        { RuleNames.TokenBinding, ["T1528", "T1550.001"] },
        { RuleNames.DataClass, ["T1213"] },
    };

    [Theory]
    [MemberData(nameof(PolicyCases))]
    public void PolicyRule_ReasonCarriesItsTechniques(string rule, string[] techniques)
    {
        var at = Events.T0.AddHours(49);
        var e = rule switch
        {
            RuleNames.PodExec => Events.Read(at, "user:bob", workload: "", resourceType: "pods/exec", resource: "payments/pay-1", dataClass: null, action: "create", kind: EventKinds.K8sAudit),
            RuleNames.TokenExpired => Events.Read(at, token: new() { Jti = "j", ExpiresAt = Events.T0.AddHours(48) }),
            RuleNames.TokenBinding => Events.Read(at, workload: "default/attacker", token: new() { Jti = "j", BoundWorkload = "shop/api-1" }),
            _ => Events.Read(at, dataClass: "confidential/payments", resource: "payments/cards"),
        };

        var reason = ReasonOf(Warm(), e, rule);

        Assert.Equal(techniques, reason.Techniques);
        Assert.NotEmpty(reason.Tactics);
    }

    [Fact]
    public void DataRead_FromABucket_IsCloudStorageNotARepository()
    {
        var reason = ReasonOf(Warm(), Events.Read(Events.T0.AddHours(49), dataClass: "confidential/payments", resource: "exports/cards.csv", resourceType: "bucket"), RuleNames.DataClass);

        Assert.Equal(["T1530"], reason.Techniques);
    }

    [Fact]
    public void DenialSpike_OnKubernetesIsDiscovery_ElsewhereNoTechnique()
    {
        static AlertReason? Spike(string kind)
        {
            var engine = Warm();
            for (var i = 0; i < 20; i++)
            {
                var r = engine.Score(Events.Read(Events.T0.AddHours(49).AddSeconds(i), resource: $"shop/admin-{i}", outcome: Outcomes.Denied, dataClass: null, kind: kind));
                if (r.Alert?.Reasons.FirstOrDefault(x => x.Rule == RuleNames.DenialSpike) is { } reason)
                {
                    return reason;
                }
            }

            return null;
        }

        Assert.Equal(["T1613"], Spike(EventKinds.K8sAudit)!.Techniques);
        Assert.Empty(Spike(EventKinds.AccessData)!.Techniques);
    }

    [Fact]
    public void Alert_TechniquesAreTheSortedUnionOfItsReasons_AndGrowOnUpdate()
    {
        var engine = Warm();
        var first = engine.Score(Events.Read(Events.T0.AddHours(49), workload: "default/attacker", dataClass: "confidential/payments", resource: "payments/cards",
            token: new() { Jti = "j", BoundWorkload = "shop/api-1" })).Alert!;
        Assert.Equal(["T1213", "T1528", "T1550.001"], first.Techniques);
        Assert.Equal(first.Reasons.SelectMany(r => r.Techniques).Distinct().Order(StringComparer.Ordinal), first.Techniques);
        Assert.Contains("collection", first.Tactics);

        var second = engine.Score(Events.Read(Events.T0.AddHours(49.1), dataClass: "confidential/payments", resource: "payments/cards", resourceType: "bucket")).Alert!;
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(["T1213", "T1528", "T1530", "T1550.001"], second.Techniques);
    }

    [Fact]
    public void Alert_WithTechniques_RoundTripsThroughTheContract_AndOldAlertsReadAsEmpty()
    {
        var alert = Warm().Score(Events.Read(Events.T0.AddHours(49), token: new() { Jti = "j", ExpiresAt = Events.T0.AddHours(48) })).Alert!;
        var json = ContractJson.Serialize(alert);
        var back = ContractJson.DeserializeAlert(json);
        Assert.Equal(alert.Techniques, back.Techniques);
        Assert.Equal(alert.Reasons[0].Techniques, back.Reasons[0].Techniques);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("T1550.001", doc.RootElement.GetProperty("reasons")[0].GetProperty("techniques")[0].GetString());

        var old = ContractJson.DeserializeAlert("""
            {"schema":1,"id":"a","dedup_key":"k","principal":"p","detector":"policy","score":90,"severity":"critical",
             "reasons":[{"detector":"policy","rule":"token_expired","score":90,"text":"t"}],"evidence_event_ids":["e"],
             "first_seen":"2026-01-01T00:00:00Z","last_seen":"2026-01-01T00:00:00Z","count":1}
            """u8);
        Assert.Empty(old.Techniques);
        Assert.Empty(old.Reasons[0].Techniques);
    }

    [Theory]
    [InlineData("T1059", "T1059")]
    [InlineData("t1059.004", "T1059.004")]
    [InlineData("attack.t1611", "T1611")]
    [InlineData(" T1552.007 ", "T1552.007")]
    [InlineData("T105", null)]
    [InlineData("T1059.04", null)]
    [InlineData("TA0002", null)]
    [InlineData("mitre_execution", null)]
    [InlineData("container", null)]
    public void AttackTags_Technique(string tag, string? expected) => Assert.Equal(expected, AttackTags.Technique(tag));

    [Theory]
    [InlineData("mitre_execution", "execution")]
    [InlineData("mitre_privilege_escalation", "privilege-escalation")]
    [InlineData("MITRE_Credential_Access", "credential-access")]
    [InlineData("attack.lateral-movement", "lateral-movement")]
    [InlineData("mitre_command_and_control", "command-and-control")]
    [InlineData("mitre_stealth", "stealth")]
    [InlineData("mitre_nonsense", null)]
    [InlineData("execution", null)]
    [InlineData("T1059", null)]
    public void AttackTags_Tactic(string tag, string? expected) => Assert.Equal(expected, AttackTags.Tactic(tag));
}
