namespace ZtStream.Verifier.Tests.Scoring;

public sealed class EvidenceSummaryTests
{
    private static readonly List<Contribution> BytesSpike = [new(Detectors.Baseline, RuleNames.BytesSpike, 70, "read 2.1 GB")];

    [Fact]
    public void Alert_CarriesASummaryOfEachEvidenceEvent_WithTheFieldsItsReasonsUsed()
    {
        const string a = "system:serviceaccount:shop:api";
        var engine = new ScoringEngine(new VerifierOptions { ModelEnabled = false, DedupWindow = TimeSpan.FromMinutes(10) }).Warmed(a);

        var spike = Events.Read(Events.T0.AddHours(49), a, bytes: 2_100_000_000) with { Source = "orders-db-audit" };
        var alert = engine.Score(spike).Alert!;

        var evidence = Assert.Single(alert.Evidence);
        Assert.Equal((spike.Id, EventKinds.AccessData, spike.Time, "orders-db-audit", a), (evidence.EventId, evidence.Kind, evidence.Time, evidence.Source, evidence.Subject));
        Assert.Equal(("shop/api-1", "table/shop/orders [internal/orders]", "read", "success"), (evidence.Workload, evidence.Resource, evidence.Action, evidence.Outcome));
        Assert.Equal("2100000000", evidence.Fields["bytes"]);
        Assert.Null(evidence.Raw);
        Assert.Null(alert.TargetWorkload);
    }

    [Fact]
    public void Exec_NamesThePodExecdIntoAsTarget_AndKeepsTheSmallOriginalObject()
    {
        var raw = JsonDocument.Parse("""{"kind":"Event","verb":"create","objectRef":{"resource":"pods","subresource":"exec","namespace":"payments","name":"db-0"}}""").RootElement;
        var exec = new AccessEvent
        {
            Id = "audit-1",
            Time = Events.T0,
            Kind = EventKinds.K8sAudit,
            Subject = new Subject { Id = "alice@acme.example", Type = "user" },
            Resource = new ResourceRef { Type = "pods/exec", Id = "payments/db-0" },
            Action = "create",
            Raw = raw,
        };
        var book = new AlertBook(TimeSpan.FromMinutes(10), new StateBudget(new VerifierOptions()), int.MaxValue);

        var alert = book.Record(exec, new Identity(exec), 80, [new(Detectors.Policy, RuleNames.PodExec, 80, "alice ran exec in pod payments/db-0")])!;

        Assert.Equal(new AlertWorkload("payments/db-0", "payments", "db-0"), alert.TargetWorkload);
        Assert.Null(alert.Workload);
        var evidence = Assert.Single(alert.Evidence);
        Assert.Equal("payments/db-0", evidence.Fields["resource.id"]);
        Assert.Equal("pods/exec", evidence.Fields["resource.type"]);
        Assert.Equal("db-0", evidence.Raw!.Value.GetProperty("objectRef").GetProperty("name").GetString());
    }

    [Fact]
    public void Evidence_IsBounded_InCountAndInTheSizeOfOriginalObjects()
    {
        var big = JsonDocument.Parse(JsonSerializer.Serialize(new { blob = new string('x', AlertEvidence.MaxRawBytes) })).RootElement;
        var small = JsonDocument.Parse("""{"ok":true}""").RootElement;
        var book = new AlertBook(TimeSpan.FromHours(1), new StateBudget(new VerifierOptions()), int.MaxValue);
        Alert? last = null;
        for (var i = 0; i < AlertEvidence.MaxPerAlert + 5; i++)
        {
            var e = Events.Read(Events.T0.AddSeconds(i), bytes: 2_000_000_000) with { Raw = i == 0 ? big : small };
            last = book.Record(e, new Identity(e), 70, BytesSpike) ?? last;
        }

        // Updates are published at powers of two; record once more past the cap and read what it carries.
        var past = Events.Read(Events.T0.AddSeconds(100), bytes: 2_000_000_000) with { Raw = small };
        last = book.Record(past, new Identity(past), 99, BytesSpike)!;
        Assert.Equal(AlertEvidence.MaxPerAlert, last.Evidence.Count);
        Assert.Null(last.Evidence[0].Raw);
        Assert.True(last.Evidence[0].RawOmittedBytes > AlertEvidence.MaxRawBytes);
        Assert.All(last.Evidence.Skip(1).Take(AlertEvidence.MaxWithRaw - 1), e => Assert.NotNull(e.Raw));
        Assert.All(last.Evidence.Skip(AlertEvidence.MaxWithRaw), e => Assert.Equal((null, 11), (e.Raw, e.RawOmittedBytes)));
    }
}
