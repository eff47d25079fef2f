namespace ZtStream.Verifier.Tests.State;

public sealed class CheckpointTests
{
    [Fact]
    public void Restore_MidStream_ContinuesExactlyLikeUninterrupted()
    {
        var options = new VerifierOptions { ModelEnabled = false };
        var events = new TrafficSimulator(new SimulationOptions { Principals = 60, Days = 2, Seed = 5 }).Generate().Select(s => s.Event).ToList();
        var cut = events.Count / 2;

        var whole = new ScoringEngine(options, DefaultPolicy.Load());
        var expected = events.Select(e => whole.Score(e)).Select(r => (r.Score, r.Alert?.Id, r.Alert?.Count)).ToList();

        var first = new ScoringEngine(options, DefaultPolicy.Load());
        var got = events.Take(cut).Select(e => first.Score(e)).Select(r => (r.Score, r.Alert?.Id, r.Alert?.Count)).ToList();
        var checkpoint = first.Checkpoint();

        var second = new ScoringEngine(options, DefaultPolicy.Load());
        second.Restore(checkpoint);
        got.AddRange(events.Skip(cut).Select(e => second.Score(e)).Select(r => (r.Score, r.Alert?.Id, r.Alert?.Count)));

        Assert.Equal(expected, got);
        Assert.Equal(whole.PrincipalCount, second.PrincipalCount);
        Assert.Contains(expected, x => x.Id is not null);
    }

    /// <summary>
    /// The same service account's state in two clusters (EKS staging, GKE prod) comes back from a checkpoint as two
    /// principals: prod's sweep after the restart is still measured against prod's own baseline.
    /// </summary>
    [Fact]
    public void Restore_KeepsTheSameServiceAccountOfTwoClustersApart()
    {
        var options = new VerifierOptions { ModelEnabled = false };
        var engine = new ScoringEngine(options, DefaultPolicy.Load());
        Assert.Empty(ClusterKeysTests.Alerts(engine, ClusterKeysTests.Day(ManagedClusters.Eks, "staging", ManagedClusters.Gke, "prod")));

        var restored = new ScoringEngine(options, DefaultPolicy.Load());
        restored.Restore(engine.Checkpoint());

        Assert.Null(restored.StateOf(ClusterKeysTests.Runner));
        Assert.Equal(24 * 40, restored.StateOf(ClusterKeys.Key(ClusterKeysTests.Runner, "staging"))?.Events);
        Assert.Equal(24 * 3, restored.StateOf(ClusterKeys.Key(ClusterKeysTests.Runner, "prod"))?.Events);
        var next = new DateTimeOffset(2026, 11, 3, 6, 0, 0, TimeSpan.Zero);
        var alert = Assert.Single(ClusterKeysTests.Alerts(
            restored,
            ClusterKeysTests.Reads(ManagedClusters.Eks, "staging", next, 40).Concat(ClusterKeysTests.Reads(ManagedClusters.Gke, "prod", next.AddMinutes(30), 40))));
        Assert.Equal((ClusterKeysTests.Runner, "prod"), (alert.Principal, alert.PrincipalCluster));
        Assert.Contains(alert.Reasons, r => r.Rule == RuleNames.BreadthSpike);
    }

    [Fact]
    public void Checkpoint_BufferedIntoGzip_HoldsTheSameContentAndRestoresEarlierCheckpoints()
    {
        var options = new VerifierOptions { ModelEnabled = false };
        var engine = new ScoringEngine(options, DefaultPolicy.Load());
        foreach (var s in new TrafficSimulator(new SimulationOptions { Principals = 80, Days = 2, Seed = 9 }).Generate())
        {
            engine.Score(s.Event);
        }

        // The content field by field, uncompressed: larger than the write buffer, so it crosses several blocks.
        var plain = WrittenBytes.Of(engine.WriteState);

        Assert.True(plain.Length > 3 * 64 * 1024, $"state of {plain.Length} bytes");
        var checkpoint = engine.Checkpoint();
        using var unzipped = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(new MemoryStream(checkpoint), System.IO.Compression.CompressionMode.Decompress))
        {
            gz.CopyTo(unzipped);
        }

        Assert.Equal(plain, unzipped.ToArray());

        // A checkpoint written before the buffer (the binary writer straight on the gzip stream) restores the same state.
        using var earlier = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(earlier, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        using (var w = new BinaryWriter(gz))
        {
            engine.WriteState(w);
        }

        var restored = new ScoringEngine(options, DefaultPolicy.Load());
        restored.Restore(earlier.ToArray());
        Assert.Equal(engine.PrincipalCount, restored.PrincipalCount);
        Assert.Equal(checkpoint, restored.Checkpoint());
    }

    [Fact]
    public void Restore_ReplayedEventsAfterCheckpoint_AreDuplicatesNotNewAlerts()
    {
        var options = new VerifierOptions { ModelEnabled = false };
        var engine = new ScoringEngine(options).Warmed();

        var exfil = Events.Read(Events.T0.AddHours(49), bytes: 2_000_000_000);
        var alert = engine.Score(exfil).Alert!;
        var checkpoint = engine.Checkpoint();

        var restored = new ScoringEngine(options);
        restored.Restore(checkpoint);
        var again = restored.Score(exfil);
        Assert.True(again.Duplicate);

        // The baseline survived: the next exfiltration updates the same alert rather than starting cold.
        var next = restored.Score(Events.Read(Events.T0.AddHours(49.2), bytes: 2_000_000_000)).Alert!;
        Assert.Equal(alert.Id, next.Id);
        Assert.Equal(2, next.Count);
    }

    [Fact]
    public void Restore_BaselinesSurvive()
    {
        var options = new VerifierOptions { ModelEnabled = false };
        var engine = new ScoringEngine(options).Warmed();

        var restored = new ScoringEngine(options);
        restored.Restore(engine.Checkpoint());
        var before = engine.StateOf("system:serviceaccount:shop:api")!;
        var after = restored.StateOf("system:serviceaccount:shop:api")!;
        Assert.Equal(before.Events, after.Events);
        Assert.Equal(before.LogBytes.Mean, after.LogBytes.Mean);
        Assert.Equal(before.Resources.Count, after.Resources.Count);
        Assert.Equal(before.HourCounts, after.HourCounts);
    }
}
