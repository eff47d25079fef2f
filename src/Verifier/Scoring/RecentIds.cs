namespace ZtStream.Verifier.Scoring;

/// <summary>
/// The hashes of the last <see cref="Capacity"/> event ids an engine scored (and the request-stage markers,
/// <see cref="RequestStages"/>): a redelivered record finds its id here and is not scored twice. A ring keeps them in
/// arrival order, so each new id pushes out the oldest; membership is an open-addressed table of twice the ring's size
/// (linear probing, a removal shifts the entries after it back), where a look-up reads one or two neighbouring slots.
/// <see cref="HashSet{T}"/> did the same with a bucket array and a separate entry array, so every add and every removal
/// went through two or more scattered memory reads (2.5 % of the bench's run, the second largest frame of the
/// Verifier after the string cache). Not thread-safe: one per scoring engine.
/// </summary>
internal sealed class RecentIds
{
    /// <summary>How many ids are remembered; also the checkpoint's ring length.</summary>
    public const int Capacity = 65_536;

    private const int TableBits = 17;
    private const int TableMask = (1 << TableBits) - 1;

    // 0 marks a free slot; an id hashing to 0 is remembered by its own flag.
    private readonly ulong[] table = new ulong[1 << TableBits];
    private readonly ulong[] ring = new ulong[Capacity];
    private bool holdsZero;
    private int next;

    public bool Contains(ulong hash) => hash == 0 ? holdsZero : Find(hash) >= 0;

    /// <summary>Remembers <paramref name="hash"/>, forgetting the oldest when full: false when it was already known.</summary>
    public bool Add(ulong hash)
    {
        if (!Insert(hash))
        {
            return false;
        }

        // As before this class: a ring slot holding 0 is taken for free, so an id hashing to 0 stays remembered.
        var old = ring[next];
        if (old != 0)
        {
            Remove(old);
        }

        ring[next] = hash;
        next = (next + 1) % Capacity;
        return true;
    }

    /// <summary>The ring in the checkpoint's layout: the next position, the length, then every slot.</summary>
    public void Write(BinaryWriter w)
    {
        w.Write(next);
        w.Write(Capacity);
        foreach (var h in ring)
        {
            w.Write(h);
        }
    }

    /// <summary>Restores what <see cref="Write"/> wrote (a longer ring keeps its first <see cref="Capacity"/> slots).</summary>
    public void Read(BinaryReader r)
    {
        next = r.ReadInt32();
        var length = r.ReadInt32();
        Array.Clear(table);
        Array.Clear(ring);
        holdsZero = false;
        for (var i = 0; i < length; i++)
        {
            var h = r.ReadUInt64();
            if (i < Capacity)
            {
                ring[i] = h;
                if (h != 0)
                {
                    Insert(h);
                }
            }
        }

        next %= Capacity;
    }

    private static int Home(ulong hash) => (int)((hash * 0x9E3779B97F4A7C15UL) >> (64 - TableBits));

    private int Find(ulong hash)
    {
        for (var i = Home(hash); ; i = (i + 1) & TableMask)
        {
            var at = table[i];
            if (at == hash)
            {
                return i;
            }

            if (at == 0)
            {
                return -1;
            }
        }
    }

    private bool Insert(ulong hash)
    {
        if (hash == 0)
        {
            var added = !holdsZero;
            holdsZero = true;
            return added;
        }

        // At most Capacity entries in twice as many slots: a free slot is always found.
        for (var i = Home(hash); ; i = (i + 1) & TableMask)
        {
            var at = table[i];
            if (at == hash)
            {
                return false;
            }

            if (at == 0)
            {
                table[i] = hash;
                return true;
            }
        }
    }

    private void Remove(ulong hash)
    {
        var hole = Find(hash);
        if (hole < 0)
        {
            return;
        }

        // Backward-shift deletion: an entry after the hole moves into it unless its home lies cyclically in (hole, i].
        for (var i = (hole + 1) & TableMask; table[i] != 0; i = (i + 1) & TableMask)
        {
            var home = Home(table[i]);
            if (((i - home) & TableMask) >= ((i - hole) & TableMask))
            {
                table[hole] = table[i];
                hole = i;
            }
        }

        table[hole] = 0;
    }
}
