namespace ZtStream.Verifier.Baselines;

/// <summary>
/// The newest <see cref="Capacity"/> pairs of a hash and a value, as a ring. Its arrays grow with use (doubling from 4),
/// so a principal that used two tokens holds two slots, not the capacity; a slot never written reads as 0, which no
/// hash is. A mutable struct kept in a field of its owner, so a principal carries no extra object for it.
/// </summary>
internal struct HashRing(int capacity)
{
    private ulong[] keys = [];
    private ulong[] values = [];
    private int next;

    public readonly int Capacity => capacity;

    /// <summary>The slot holding <paramref name="key"/>, or -1.</summary>
    public readonly int IndexOf(ulong key) => keys.AsSpan().IndexOf(key);

    /// <summary>The value at a slot <see cref="IndexOf"/> found.</summary>
    public readonly ulong ValueAt(int index) => values[index];

    /// <summary>Adds a pair, replacing the oldest once the ring is full.</summary>
    public void Add(ulong key, ulong value)
    {
        Set(next, key, value);
        next = (next + 1) % capacity;
    }

    /// <summary>Every slot up to the capacity (written or not, so the layout is fixed), then the next slot.</summary>
    public readonly void Write(BinaryWriter w)
    {
        for (var i = 0; i < capacity; i++)
        {
            w.Write(i < keys.Length ? keys[i] : 0);
            w.Write(i < values.Length ? values[i] : 0);
        }

        w.Write(next);
    }

    /// <summary>Reads what <see cref="Write"/> wrote; only slots ever written take room.</summary>
    public void Read(BinaryReader r)
    {
        for (var i = 0; i < capacity; i++)
        {
            var key = r.ReadUInt64();
            var value = r.ReadUInt64();
            if (key != 0 || value != 0)
            {
                Set(i, key, value);
            }
        }

        next = r.ReadInt32();
    }

    private void Set(int at, ulong key, ulong value)
    {
        if (at >= keys.Length)
        {
            var length = Math.Min(capacity, Math.Max(at + 1, Math.Max(4, keys.Length * 2)));
            Array.Resize(ref keys, length);
            Array.Resize(ref values, length);
        }

        keys[at] = key;
        values[at] = value;
    }
}
