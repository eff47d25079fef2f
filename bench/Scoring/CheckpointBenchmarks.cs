using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using ZtStream.Verifier;
using ZtStream.Verifier.Policy;
using ZtStream.Verifier.Scoring;
using ZtStream.Verifier.Simulation;

namespace ZtStream.Benchmarks.Scoring;

/// <summary>
/// A Verifier partition's checkpoint, written every <c>Verifier:CheckpointEveryRecords</c> records on the consumer's
/// path, and its restore: an engine warmed on two simulated days of <c>Principals</c>. The <c>Unbuffered</c> methods
/// are the earlier path (the binary writer and reader straight on the gzip stream) over the same content, for a
/// paired comparison in one run.
/// </summary>
[MemoryDiagnoser]
public class CheckpointBenchmarks
{
    private readonly VerifierOptions options = new() { ModelEnabled = false };
    private ZeroTrustPolicy policy = null!;
    private ScoringEngine engine = null!;
    private byte[] checkpoint = [];

    [Params(1000)]
    public int Principals { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        policy = DefaultPolicy.Load();
        var sim = new TrafficSimulator(new SimulationOptions { Principals = Principals, Days = 2, Seed = 11, Scenarios = [] });
        engine = new ScoringEngine(options, policy);
        foreach (var s in sim.Generate())
        {
            engine.Score(s.Event);
        }

        checkpoint = engine.Checkpoint();
    }

    [Benchmark]
    public long Checkpoint() => engine.Checkpoint().Length;

    [Benchmark]
    public long CheckpointUnbuffered()
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        using (var w = new BinaryWriter(gz))
        {
            engine.WriteState(w);
        }

        return ms.ToArray().Length;
    }

    [Benchmark]
    public long Restore()
    {
        var restored = new ScoringEngine(options, policy);
        restored.Restore(checkpoint);
        return restored.EventsScored;
    }

    [Benchmark]
    public long RestoreUnbuffered()
    {
        var restored = new ScoringEngine(options, policy);
        using var gz = new GZipStream(new MemoryStream(checkpoint), CompressionMode.Decompress);
        using var r = new BinaryReader(gz);
        restored.ReadState(r);
        return restored.EventsScored;
    }
}
