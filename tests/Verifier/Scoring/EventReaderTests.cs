using System.Text;
using System.Text.Json;
using ZtStream.Contracts.Events;
using ZtStream.Contracts.Serialization;
using ZtStream.Verifier.Scoring;
using ZtStream.Verifier.Simulation;

namespace ZtStream.Verifier.Tests.Scoring;

public sealed class EventReaderTests
{
    private static List<AccessEvent> Simulated(int take = 3_000) =>
        [.. new TrafficSimulator(new SimulationOptions { Principals = 40, Days = 1, Seed = 5 }).Generate().Select(s => s.Event).Take(take)];

    [Fact]
    public void Read_SimulatedTraffic_EqualsContractDeserializer()
    {
        var reader = new EventReader();
        var fast = 0;
        foreach (var e in Simulated())
        {
            var bytes = ContractJson.Serialize(e);
            var expected = ContractJson.DeserializeEvent(bytes);
            if (reader.TryRead(bytes) is { } read)
            {
                fast++;
                Assert.Equal(expected, read);
            }

            Assert.Equal(bytes, ContractJson.Serialize(reader.Read(bytes)));
        }

        Assert.True(fast > 0);
    }

    [Fact]
    public void Read_EveryField_EqualsContractDeserializer()
    {
        var e = Events.Read(Events.T0, token: new TokenInfo
        {
            Jti = "j-1", ClientId = "web", SessionId = "s-1", IssuedAt = Events.T0.AddMinutes(-5), ExpiresAt = Events.T0.AddHours(1), BoundWorkload = "shop/api-1",
        }) with
        {
            Source = "gateway",
            Status = 403,
            Network = new NetworkInfo { SrcIp = "10.0.0.1", DstIp = "10.0.0.2", DstPort = 5432 },
            Workload = new Workload { Id = "shop/api-1", Name = "api", Namespace = "shop", Image = "api:1", Node = "n1", ServiceAccount = "api" },
        };
        var bytes = ContractJson.Serialize(e);
        var read = new EventReader().TryRead(bytes);
        Assert.NotNull(read);
        Assert.Equal(ContractJson.DeserializeEvent(bytes), read);
        Assert.Equal(e, read);
    }

    [Theory]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"k8s.audit","attributes":{"verb":"create"}}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","extra":1}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","kind":"auth.login"}""")]
    [InlineData("""{"\u0069d":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data"}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","subject":{"id":"u","groups":[]}}""")]
    [InlineData("""{"id":null,"time":"2026-01-05T00:00:00+00:00","kind":"access.data"}""")]
    public void TryRead_OutsideTheFastShape_DefersToTheContract(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        Assert.Null(new EventReader().TryRead(bytes));
        Assert.Equal(ContractJson.Serialize(ContractJson.DeserializeEvent(bytes)), ContractJson.Serialize(new EventReader().Read(bytes)));
    }

    [Theory]
    [InlineData("subject")]
    [InlineData("workload")]
    [InlineData("subject", "workload")]
    [InlineData]
    public void Read_SourceScopeAsIngestWritesIt_FastAndEqualToTheContract(params string[] scope)
    {
        var bytes = ContractJson.Serialize(Events.Read(Events.T0) with { Source = "orders-api", SourceScope = scope });

        var read = new EventReader().TryRead(bytes);

        Assert.NotNull(read);
        Assert.Equal(scope, read.SourceScope);
        Assert.Equal(bytes, ContractJson.Serialize(read));
    }

    [Theory]
    [InlineData("""["workload","subject"]""")]
    [InlineData("""["subject","subject"]""")]
    [InlineData("""["tenant"]""")]
    public void Read_SourceScopeInAnotherShape_DefersToTheContract(string scope)
    {
        var bytes = Encoding.UTF8.GetBytes($$"""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","source_scope":{{scope}}}""");

        Assert.Null(new EventReader().TryRead(bytes));
        Assert.Equal(ContractJson.DeserializeEvent(bytes).SourceScope, new EventReader().Read(bytes).SourceScope);
    }

    [Theory]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00"}""")]
    [InlineData("""{"id":"a","time":"yesterday","kind":"access.data"}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","bytes":"12"}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data"} x""")]
    [InlineData("""[]""")]
    public void Read_Invalid_ThrowsLikeTheContract(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        Assert.ThrowsAny<JsonException>(() => ContractJson.DeserializeEvent(bytes));
        Assert.ThrowsAny<JsonException>(() => new EventReader().Read(bytes));
    }

    [Fact]
    public void Read_NoSchema_EqualsContractDeserializer()
    {
        var bytes = """{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","resource":{"type":"table","id":"t\"1"}}"""u8.ToArray();
        var read = new EventReader().TryRead(bytes);
        Assert.NotNull(read);
        Assert.Equal(ContractJson.DeserializeEvent(bytes), read);
        Assert.Equal("t\"1", read.Resource!.Id);
    }

    [Fact]
    public void Read_RepeatedAndDifferentValues_KeepEachEventsOwnValues()
    {
        var reader = new EventReader();
        for (var i = 0; i < 10_000; i++)
        {
            var e = Events.Read(Events.T0.AddSeconds(i), principal: $"user-{i % 5_000}", resource: $"r/{i}");
            var read = reader.Read(ContractJson.Serialize(e));
            Assert.Equal(e, read);
        }
    }

    [Fact]
    public void ScoreBytes_SimulatedTrafficWithAttacks_SameAsScoringEvents()
    {
        var options = new VerifierOptions { ModelEnabled = false };
        var policy = Verifier.Policy.DefaultPolicy.Load();
        var byEvent = new ScoringEngine(options, policy);
        var byBytes = new ScoringEngine(options, policy);
        var alerts = 0;
        foreach (var e in Simulated(20_000))
        {
            var a = byEvent.Score(e);
            var b = byBytes.Score(ContractJson.Serialize(e));
            Assert.Equal(a.Score, b.Score);
            Assert.Equal(a.Duplicate, b.Duplicate);
            Assert.Equal(a.Alert is null ? null : ContractJson.Serialize(a.Alert), b.Alert is null ? null : ContractJson.Serialize(b.Alert));
            alerts += a.Alert is null ? 0 : 1;
        }

        Assert.True(alerts > 0);
        Assert.Equal(byEvent.Checkpoint(), byBytes.Checkpoint());
    }
}
