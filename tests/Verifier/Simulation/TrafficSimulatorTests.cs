namespace ZtStream.Verifier.Tests.Simulation;

public sealed class TrafficSimulatorTests
{
    [Fact]
    public void Generate_SameSeed_SameBytes()
    {
        static string Run(int seed) => string.Join('\n', new TrafficSimulator(new SimulationOptions { Principals = 40, Days = 2, Seed = seed })
            .Generate().Select(s => Convert.ToBase64String(ContractJson.Serialize(s.Event))));
        Assert.Equal(Run(3), Run(3));
        Assert.NotEqual(Run(3), Run(4));
    }

    [Fact]
    public void Generate_TimeOrdered_WithLabelsForEveryScenario()
    {
        var sim = new TrafficSimulator(new SimulationOptions { Principals = 100, Days = 2, Seed = 1 });
        var events = sim.Generate().ToList();
        for (var i = 1; i < events.Count; i++)
        {
            Assert.True(events[i].Event.Time >= events[i - 1].Event.Time);
        }

        Assert.Equal(Scenarios.All.Order(), sim.Labels.Select(l => l.Scenario).Order());
        foreach (var label in sim.Labels)
        {
            var mine = events.Where(e => e.Scenario == label.Scenario).ToList();
            Assert.Equal(label.EventIds, mine.Select(e => e.Event.Id));
            Assert.All(mine, e => Assert.Equal(label.Principal, e.Event.PrincipalKey));
        }

        Assert.Equal(events.Count, events.Select(e => e.Event.Id).Distinct().Count());
    }

    [Fact]
    public void Parse_UnknownScenario_IsReported()
    {
        var list = Scenarios.Parse("pod-exec, nope", out var unknown);
        Assert.Equal(["pod-exec"], list);
        Assert.Equal(["nope"], unknown);
    }

    /// <summary>Rules read simulated audit traffic the way they read Ingest's: the kept Event maps back to the same request.</summary>
    [Fact]
    public void Generate_AuditEvents_KeepTheAuditEventIngestWouldMapToTheSameRequest()
    {
        var audit = new TrafficSimulator(new SimulationOptions { Principals = 60, Days = 1, Seed = 3 }).Generate()
            .Select(s => s.Event).Where(e => e.Kind == EventKinds.K8sAudit).ToList();

        Assert.Contains(audit, e => e.Resource!.Type == "pods/exec");
        Assert.All(audit, e =>
        {
            var mapped = Assert.Single(K8sAuditMapper.Map(JsonSerializer.SerializeToUtf8Bytes(e.Raw!.Value)).Events);
            Assert.Equal(e.Id, mapped.Attributes!["k8s.audit_id"].GetString());
            Assert.Equal(e.Time, mapped.Time);
            Assert.Equal(e.Subject!.Id, mapped.Subject!.Id);
            Assert.Equal(e.Action, mapped.Action);
            Assert.Equal(e.Resource, mapped.Resource);
            Assert.Equal(e.Status, mapped.Status);
            Assert.Equal(e.Network!.SrcIp, mapped.Network!.SrcIp);
        });
    }
}
