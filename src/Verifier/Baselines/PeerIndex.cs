namespace ZtStream.Verifier.Baselines;

/// <summary>
/// Data classes used by each peer group (same namespace, else same tenant), so a first access can be
/// compared with peers. Bounded: 64 classes per group, 4,096 groups per partition.
/// </summary>
internal sealed class PeerIndex
{
    private const int MaxGroups = 4096;
    private readonly Dictionary<ulong, CappedSet> groups = [];

    public int Count => groups.Count;

    public bool Uses(ulong group, ulong dataClass) => groups.TryGetValue(group, out var s) && s.Contains(dataClass);

    public int ClassCount(ulong group) => groups.TryGetValue(group, out var s) ? s.Count : 0;

    public void Add(ulong group, ulong dataClass)
    {
        if (!groups.TryGetValue(group, out var s))
        {
            if (groups.Count >= MaxGroups)
            {
                return;
            }

            s = new CappedSet(64);
            groups[group] = s;
        }

        s.Add(dataClass);
    }

    public void Write(BinaryWriter w)
    {
        w.Write(groups.Count);
        foreach (var (k, v) in groups)
        {
            w.Write(k);
            v.Write(w);
        }
    }

    public void Read(BinaryReader r)
    {
        groups.Clear();
        var n = r.ReadInt32();
        for (var i = 0; i < n; i++)
        {
            var k = r.ReadUInt64();
            var s = new CappedSet(64);
            s.Read(r);
            groups[k] = s;
        }
    }
}
