using ZtStream.Verifier.Tests.Rules;

namespace ZtStream.Verifier.Tests.Scoring;

/// <summary>
/// An event id is unique within the source that sent it (docs/events.md): two producers may both number their events
/// from 1, and one source must not be able to make the Verifier pass over another's events by sending their ids first.
/// A redelivery — the same source's id again, before or after a restart — is still scored once.
/// </summary>
public sealed class EventIdsPerSourceTests
{
    private const int RingCapacity = 65_536;
    private const string Orders = "system:serviceaccount:shop:api";
    private const string Billing = "system:serviceaccount:billing-eu:invoicer";

    [Fact]
    public void Score_SameIdFromTwoSources_BothScored()
    {
        var engine = new ScoringEngine(new VerifierOptions { ModelEnabled = false });

        var first = engine.Score(Events.Read(Events.T0, Orders) with { Id = "1", Source = "orders-api" });
        var second = engine.Score(Events.Read(Events.T0.AddSeconds(1), Billing, workload: "billing-eu/invoicer-7") with { Id = "1", Source = "billing-api" });

        Assert.False(first.Duplicate);
        Assert.False(second.Duplicate);
        Assert.Equal(2, engine.EventsScored);
        Assert.Equal(1, engine.StateOf(Billing)!.WindowCount);
    }

    [Fact]
    public void Score_AnotherSourceSentTheIdFirst_TheExfiltrationStillAlerts()
    {
        var engine = new ScoringEngine(new VerifierOptions { ModelEnabled = false }).Warmed();

        // A low-trust source that has learnt or guessed the id the orders service will use next.
        Assert.Null(engine.Score(Events.Read(Events.T0.AddHours(48.9), "user:mallory@shop.example", workload: "shop/web-1") with { Id = "ord-000042", Source = "shop-web" }).Alert);
        var exfiltration = engine.Score(Events.Read(Events.T0.AddHours(49), bytes: 2_000_000_000) with { Id = "ord-000042", Source = "orders-api" });

        Assert.False(exfiltration.Duplicate);
        Assert.Equal(Orders, exfiltration.Alert?.Principal);
    }

    [Fact]
    public void Score_SameSourceAgain_IsADuplicate_BeforeAndAfterARestart()
    {
        var options = new VerifierOptions { ModelEnabled = false };
        var engine = new ScoringEngine(options);
        var e = Events.Read(Events.T0) with { Id = "evt-7", Source = "orders-api" };
        Assert.False(engine.Score(e).Duplicate);
        Assert.True(engine.Score(e).Duplicate);

        var restored = new ScoringEngine(options);
        restored.Restore(engine.Checkpoint());

        Assert.True(restored.Score(e).Duplicate);
        Assert.False(restored.Score(e with { Source = "gateway" }).Duplicate);
        Assert.True(restored.Score(e with { Source = "gateway" }).Duplicate);
    }

    [Fact]
    public void Alert_EventOfAnotherSourceUnderAnIdTheAlertHolds_IsAnotherOccurrence()
    {
        var engine = new ScoringEngine(new VerifierOptions { ModelEnabled = false }).Warmed();

        var first = engine.Score(Events.Read(Events.T0.AddHours(49), bytes: 2_000_000_000) with { Id = "req-1", Source = "orders-api" }).Alert!;
        var second = engine.Score(Events.Read(Events.T0.AddHours(49.1), bytes: 2_100_000_000) with { Id = "req-1", Source = "gateway" }).Alert!;

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(2, second.Count);
        Assert.Equal(["req-1", "req-1"], second.EvidenceEventIds);
        Assert.Equal(["orders-api", "gateway"], second.EvidenceSources);
    }

    [Fact]
    public void RecentIds_AreKeyedWithinTheirSource_InTheCheckpoint()
    {
        var engine = new ScoringEngine(new VerifierOptions { ModelEnabled = false });
        engine.Score(Events.Read(Events.T0) with { Id = "évt-1", Source = "entra-corp" });
        engine.Score(Events.Read(Events.T0) with { Id = "évt-1" });

        var state = WrittenBytes.Of(engine.WriteState);

        Assert.True(state.AsSpan().IndexOf(BitConverter.GetBytes(StableHash.Combine(StableHash.Of("entra-corp"), StableHash.Of("évt-1")))) > 0);
        Assert.True(state.AsSpan().IndexOf(BitConverter.GetBytes(StableHash.Of("évt-1"))) > 0);
    }

    /// <summary>
    /// A checkpoint written before ids were kept per source (format 10, each id keyed alone), restored by this version: what
    /// it remembered is still known — a redelivery of it is a duplicate — until the ring has pushed the last of it out;
    /// from then on an id is only its own source's.
    /// </summary>
    [Fact]
    public void Restore_CheckpointOfIdsKeyedAlone_RedeliveriesStayDuplicates_UntilTheRingHasTurned()
    {
        var options = new VerifierOptions { ModelEnabled = false };
        var engine = new ScoringEngine(options);
        var before = new[]
        {
            Events.Read(Events.T0) with { Id = "evt-1", Source = "orders-api" },
            Events.Read(Events.T0, Billing, workload: "billing-eu/invoicer-7") with { Id = "b7a1c2d0-0000-4000-8000-000000000001", Source = "billing-api" },
            Events.Read(Events.T0, "user:田中", workload: "") with { Id = "事件-3", Source = "entra-corp" },
        };
        foreach (var e in before)
        {
            engine.Score(e);
        }

        var restored = new ScoringEngine(options);
        restored.Restore(CheckpointFormats.AsFormatTen(engine.Checkpoint(), [.. before.Select(e => (ScoringEngine.IdKey(e), StableHash.Of(e.Id)))]));

        Assert.All(before, e => Assert.True(restored.Score(e).Duplicate));
        Assert.False(restored.Score(Events.Read(Events.T0) with { Id = "evt-2", Source = "orders-api" }).Duplicate);

        for (var i = 0; i < RingCapacity; i++)
        {
            restored.Score(Events.Read(Events.T0.AddSeconds(i), agent: null) with { Id = $"later-{i}", Source = "orders-api" });
        }

        Assert.False(restored.Score(before[0] with { Source = "gateway" }).Duplicate);
    }
}
