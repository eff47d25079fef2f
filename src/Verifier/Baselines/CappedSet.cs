namespace ZtStream.Verifier.Baselines;

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
