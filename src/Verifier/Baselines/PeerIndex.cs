namespace ZtStream.Verifier.Baselines;

/// <summary>
/// Data classes used by each peer group (same namespace, else same tenant; for a principal that exists once per
/// cluster, in its cluster), so a first access can be compared with peers. Bounded: 64 classes per group, 4,096 groups
/// per partition.
/// </summary>
internal sealed class PeerIndex
{
    private const int MaxGroups = 4096;
    private readonly Dictionary<ulong, CappedSet> groups = [];

    public int Count => groups.Count;

    /// <summary>
    /// The group of the namespace or tenant hashed as <paramref name="name"/>, in the cluster hashed as
    /// <paramref name="cluster"/> (0: a principal that is not cluster-local, or whose event names no cluster).
    /// </summary>
    /// <remarks>
    /// Staging's <c>shop</c> and prod's <c>shop</c> are namespaces of two API servers: their service accounts are not each
    /// other's peers, or staging reading secrets would make prod's first secret read look usual. Without a cluster the
    /// group is the name's own hash, as before clusters were told apart, so such groups in older checkpoints still match.
    /// </remarks>
    public static ulong Group(ulong name, ulong cluster) => cluster == 0 ? name : StableHash.Combine(cluster, name);

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
