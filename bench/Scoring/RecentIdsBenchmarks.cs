using BenchmarkDotNet.Attributes;
using ZtStream.Verifier.Scoring;

namespace ZtStream.Benchmarks.Scoring;

/// <summary>
/// The engine's recent event ids in steady state (full, so every new id also forgets the oldest), one operation per
/// event: one id in eight a repeat of a recent one. <see cref="HashSetAndRing"/> is what the engine kept before
/// <see cref="RecentIds"/>: a <see cref="HashSet{T}"/> beside the ring.
/// </summary>
[MemoryDiagnoser]
public class RecentIdsBenchmarks
{
    private const int Events = 100_000;

    private readonly ulong[] stream = new ulong[Events];
    private readonly HashSet<ulong> set = new(RecentIds.Capacity);
    private readonly ulong[] ring = new ulong[RecentIds.Capacity];
    private readonly RecentIds ids = new();
    private int next;
    private ulong round;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        for (var i = 0; i < Events; i++)
        {
            stream[i] = i > 0 && random.Next(8) == 0 ? stream[random.Next(i)] : (ulong)random.NextInt64() | 1;
        }

        for (var i = 0; i < RecentIds.Capacity; i++)
        {
            var warm = (ulong)random.NextInt64() | 1;
            AddToHashSet(warm);
            ids.Add(warm);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public int HashSetAndRing()
    {
        // Each round's ids differ from the last one's (the high bits), so the set stays in steady state.
        var added = 0;
        var salt = ++round << 56;
        foreach (var h in stream)
        {
            added += AddToHashSet(h ^ salt) ? 1 : 0;
        }

        return added;
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public int OpenAddressed()
    {
        var added = 0;
        var salt = ++round << 56;
        foreach (var h in stream)
        {
            added += ids.Add(h ^ salt) ? 1 : 0;
        }

        return added;
    }

    private bool AddToHashSet(ulong hash)
    {
        if (!set.Add(hash))
        {
            return false;
        }

        if (ring[next] != 0)
        {
            set.Remove(ring[next]);
        }

        ring[next] = hash;
        next = (next + 1) % RecentIds.Capacity;
        return true;
    }
}
