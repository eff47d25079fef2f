namespace ZtStream.Verifier.Baselines;

/// <summary>
/// A set of at most <c>capacity</c> hashes. Beyond it the oldest entry is overwritten, so memory is bounded:
/// an overwritten item is "new" again, which errs towards a reason (documented in docs/detection.md). Storage grows
/// with use (4, 8, 16 … up to the capacity), so a principal seen once costs a few bytes here, not the capacity: a
/// flood of one-off principals must not cost what real ones do. Lookup is a vectorised scan; capacities are small
/// (16–256).
/// </summary>
internal sealed class CappedSet(int capacity)
{
    private const int FirstSize = 4;

    private ulong[] items = [];
    private int count;
    private int next;

    public int Count => count;

    public int Capacity => capacity;

    public bool Contains(ulong hash) => items.AsSpan(0, count).Contains(hash);

    /// <summary>Adds; returns false when it was already there.</summary>
    public bool Add(ulong hash)
    {
        if (Contains(hash))
        {
            return false;
        }

        if (count < capacity)
        {
            if (count == items.Length)
            {
                Array.Resize(ref items, Math.Min(capacity, Math.Max(FirstSize, items.Length * 2)));
            }

            items[count++] = hash;
        }
        else
        {
            items[next] = hash;
            next = (next + 1) % capacity;
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
        items = n == 0 ? [] : new ulong[Math.Min(capacity, n)];
        for (var i = 0; i < n; i++)
        {
            var h = r.ReadUInt64();
            if (count < capacity)
            {
                items[count++] = h;
            }
        }

        next = count == capacity ? nx % capacity : 0;
    }
}
