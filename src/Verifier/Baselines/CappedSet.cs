namespace ZtStream.Verifier.Baselines;

/// <summary>
/// A set of at most <c>capacity</c> hashes. Beyond it the oldest entry is overwritten, so memory is bounded:
/// an overwritten item is "new" again, which errs towards a reason (documented in docs/detection.md).
/// Lookup is a vectorised scan; capacities are small (16–256). Storage grows with use up to the capacity, since most
/// principals touch a few resources, addresses and agents: a principal pays for what it has seen, not for the bound.
/// </summary>
internal sealed class CappedSet(int capacity)
{
    private const int InitialStorage = 4;
    private ulong[] items = [];
    private int count;
    private int next;

    public int Count => count;

    public int Capacity { get; } = capacity;

    public bool Contains(ulong hash) => items.AsSpan(0, count).Contains(hash);

    /// <summary>The hashes held, in no particular order.</summary>
    public ReadOnlySpan<ulong> Items => items.AsSpan(0, count);

    /// <summary>Adds; returns false when it was already there.</summary>
    public bool Add(ulong hash)
    {
        if (Contains(hash))
        {
            return false;
        }

        if (count < Capacity)
        {
            Reserve(count + 1);
            items[count++] = hash;
        }
        else
        {
            items[next] = hash;
            next = (next + 1) % Capacity;
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
        Reserve(Math.Clamp(n, 0, Capacity));
        for (var i = 0; i < n; i++)
        {
            var h = r.ReadUInt64();
            if (count < Capacity)
            {
                items[count++] = h;
            }
        }

        next = count == Capacity ? nx % Capacity : 0;
    }

    /// <summary>Makes room for <paramref name="size"/> items: doubling, never past the capacity.</summary>
    private void Reserve(int size)
    {
        if (size <= items.Length)
        {
            return;
        }

        var grown = Math.Min(Capacity, Math.Max(size, Math.Max(InitialStorage, items.Length * 2)));
        Array.Resize(ref items, grown);
    }
}
