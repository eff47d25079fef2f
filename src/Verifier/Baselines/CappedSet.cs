namespace ZtStream.Verifier.Baselines;

/// <summary>Stable 64-bit FNV-1a over UTF-16 code units: the same on every process, so it survives checkpoints.</summary>
internal static class StableHash
{
    public static ulong Of(string? value) => Of(value.AsSpan());

    public static ulong Of(ReadOnlySpan<char> value)
    {
        var h = 14695981039346656037UL;
        foreach (var c in value)
        {
            h ^= c;
            h *= 1099511628211UL;
        }

        return h == 0 ? 1 : h;
    }

    public static ulong Combine(ulong a, ulong b) => (a ^ (b + 0x9E3779B97F4A7C15UL + (a << 6) + (a >> 2))) | 1;
}

/// <summary>
/// A set of at most <c>capacity</c> hashes. Beyond it the oldest entry is overwritten, so memory is fixed:
/// an overwritten item is "new" again, which errs towards a reason (documented in docs/detection.md).
/// Lookup is a vectorised scan; capacities are small (16–256).
/// </summary>
internal sealed class CappedSet(int capacity)
{
    private readonly ulong[] items = new ulong[capacity];
    private int count;
    private int next;

    public int Count => count;

    public int Capacity => items.Length;

    public bool Contains(ulong hash) => items.AsSpan(0, count).Contains(hash);

    /// <summary>Adds; returns false when it was already there.</summary>
    public bool Add(ulong hash)
    {
        if (Contains(hash))
        {
            return false;
        }

        if (count < items.Length)
        {
            items[count++] = hash;
        }
        else
        {
            items[next] = hash;
            next = (next + 1) % items.Length;
        }

        return true;
    }

    public void Clear()
    {
        count = 0;
        next = 0;
    }

    public void Write(BinaryWriter w)
    {
        w.Write(count);
        w.Write(next);
        for (var i = 0; i < count; i++)
        {
            w.Write(items[i]);
        }
    }

    public void Read(BinaryReader r)
    {
        var n = r.ReadInt32();
        var nx = r.ReadInt32();
        count = 0;
        next = 0;
        for (var i = 0; i < n; i++)
        {
            var h = r.ReadUInt64();
            if (count < items.Length)
            {
                items[count++] = h;
            }
        }

        next = count == items.Length ? nx % items.Length : 0;
    }
}

/// <summary>An exponentially time-decayed mean and variance (event time drives the decay).</summary>
internal struct DecayedStats
{
    public double Weight;
    public double Mean;
    public double Variance;
    public long LastTicks;

    public readonly double StdDev => Math.Sqrt(Variance);

    public void Add(double x, long ticks, double horizonTicks)
    {
        var decay = LastTicks == 0 || ticks <= LastTicks ? 1.0 : Math.Exp(-(ticks - LastTicks) / horizonTicks);
        LastTicks = Math.Max(LastTicks, ticks);
        Weight = (Weight * decay) + 1;
        var a = 1 / Weight;
        var diff = x - Mean;
        Mean += a * diff;
        Variance = (1 - a) * (Variance + (a * diff * diff));
    }

    public void Write(BinaryWriter w)
    {
        w.Write(Weight);
        w.Write(Mean);
        w.Write(Variance);
        w.Write(LastTicks);
    }

    public static DecayedStats Read(BinaryReader r) => new()
    {
        Weight = r.ReadDouble(),
        Mean = r.ReadDouble(),
        Variance = r.ReadDouble(),
        LastTicks = r.ReadInt64(),
    };
}
