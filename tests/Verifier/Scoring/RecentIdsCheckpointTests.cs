using System.Buffers.Binary;

namespace ZtStream.Verifier.Tests.Scoring;

/// <summary>The recent ids in a checkpoint: where they are, in what layout, and what a restore makes of them.</summary>
public sealed class RecentIdsCheckpointTests
{
    private const int RingCapacity = 65_536;

    private static readonly string[] Ids =
        ["evt-0001", "ëvénement-ñ-0002", "事件-0003", "evt-\U0001F600-0004", "a", "evt-other-cluster-eu-west-0005", "evt-0006"];

    [Fact]
    public void WriteState_EventsOfManyShapes_RingIsEachIdLittleEndianInTheOrderScored()
    {
        var engine = new ScoringEngine(new VerifierOptions { ModelEnabled = false });
        foreach (var e in Shapes())
        {
            Assert.False(engine.Score(e).Duplicate);
        }

        // As BinaryWriter wrote it one id at a time: the next slot, the capacity, then every slot, unused ones zero.
        var expected = new byte[8 + (RingCapacity * 8)];
        BinaryPrimitives.WriteInt32LittleEndian(expected, Ids.Length);
        BinaryPrimitives.WriteInt32LittleEndian(expected.AsSpan(4), RingCapacity);
        for (var i = 0; i < Ids.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(expected.AsSpan(8 + (i * 8)), StableHash.Of(Ids[i]));
        }

        Assert.True(WrittenBytes.Of(engine.WriteState).AsSpan().IndexOf(expected) > 0);
    }

    [Fact]
    public void Restore_EventsOfManyShapes_KnowsEveryIdAndWritesTheSameCheckpoint()
    {
        var options = new VerifierOptions { ModelEnabled = false };
        var engine = new ScoringEngine(options);
        foreach (var e in Shapes())
        {
            engine.Score(e);
        }

        var checkpoint = engine.Checkpoint();
        var restored = new ScoringEngine(options);
        restored.Restore(checkpoint);

        Assert.Equal(WrittenBytes.Of(engine.WriteState), WrittenBytes.Of(restored.WriteState));
        foreach (var e in Shapes())
        {
            Assert.True(restored.Score(e).Duplicate);
        }

        Assert.False(restored.Score(Events.Read(Events.T0.AddHours(1)) with { Id = "evt-never-seen" }).Duplicate);
    }

    [Fact]
    public void Restore_FullRingWrappedAround_ForgetsExactlyTheIdsPushedOut()
    {
        var options = new VerifierOptions { ModelEnabled = false };
        var engine = new ScoringEngine(options);
        var first = Events.Read(Events.T0) with { Id = "evt-pushed-out" };
        engine.Score(first);
        for (var i = 0; i < RingCapacity; i++)
        {
            engine.Score(Events.Read(Events.T0.AddSeconds(i), agent: null) with { Id = $"evt-{i}" });
        }

        var restored = new ScoringEngine(options);
        restored.Restore(engine.Checkpoint());

        Assert.Equal(WrittenBytes.Of(engine.WriteState), WrittenBytes.Of(restored.WriteState));
        Assert.True(restored.Score(Events.Read(Events.T0) with { Id = $"evt-{RingCapacity - 1}" }).Duplicate);
        Assert.True(restored.Score(Events.Read(Events.T0) with { Id = "evt-1" }).Duplicate);
        Assert.False(restored.Score(first).Duplicate);
    }

    /// <summary>One event per id: missing fields, another cluster, non-ASCII ids and values.</summary>
    private static IEnumerable<AccessEvent> Shapes()
    {
        var t = Events.T0.AddHours(3);
        yield return Events.Read(t) with { Id = Ids[0] };
        yield return Events.Read(t, principal: "system:serviceaccount:café:gestionnaire-ñ", workload: "café/gestionnaire-ñ-1", resource: "données/été") with { Id = Ids[1] };
        yield return Events.Read(t, principal: "user:田中", workload: "", resourceType: null, dataClass: null) with { Id = Ids[2] };
        yield return Events.Read(t, ip: null, agent: null) with { Id = Ids[3], Resource = null };
        yield return Events.Read(t) with { Id = Ids[4], Subject = null, Token = null };
        yield return Events.Read(t, principal: "system:serviceaccount:billing-eu:invoicer", workload: "billing-eu/invoicer-7", ip: "172.20.3.9") with { Id = Ids[5] };
        yield return Events.Read(t, outcome: Outcomes.Denied, action: "delete") with { Id = Ids[6] };
    }
}
