namespace ZtStream.Verifier.Scoring;

/// <summary>
/// The key the engine keeps a principal's state under (baselines, sign-in state, taints, workload links, open alerts):
/// its id, and for an identity that exists once per cluster the cluster its event names (<c>attributes["k8s.cluster"]</c>).
/// <c>system:serviceaccount:kube-system:default</c> of staging and of prod are two accounts with the same name, so
/// their baselines, taints and alert caps must not meet; a person is one in every cluster and keeps one key
/// (docs/detection.md, "Principals per cluster").
/// </summary>
/// <remarks>
/// A key is <c>cluster U+001F id</c>; an event naming no cluster keeps the bare id, so a single-cluster deployment and
/// checkpoints written before clusters were keyed read exactly as before. The form is injective: an id that itself holds
/// U+001F and names no cluster is keyed <c>U+001F id</c> (an empty cluster), and U+001F in a cluster's name is read as
/// U+FFFD, so no event can reach another principal's state by choosing its id. Not thread-safe: one per scoring engine.
/// </remarks>
internal sealed class ClusterKeys
{
    /// <summary>The attribute a managed cluster's envelope (or a canonical event) names its cluster with.</summary>
    public const string Attribute = "k8s.cluster";

    public const char Separator = '\u001F';

    private const int Slots = 1024;

    private readonly Entry[] entries = new Entry[Slots];

    // The cluster names an engine sees are few and repeat on every event: the last one is reused when the attribute's
    // bytes equal it, so an event naming its cluster allocates no string for it.
    private string? lastCluster;

    /// <summary>
    /// Whether the principal <paramref name="subjectId"/> (or, when it is null, the event's workload) is an identity of
    /// one cluster: a workload; a user the API server itself defines (Kubernetes reserves the <c>system:</c> prefix:
    /// service accounts, nodes, the control plane's components, <c>system:anonymous</c>); one of EKS's own components
    /// (the prefixes EKS reserves for them: <c>eks:</c>, <c>aws:</c>, <c>amazon:</c>, <c>iam:</c>); or the administrator whose certificate the cluster's own CA issued (AKS's <c>masterclient</c>,
    /// kubeadm's <c>kubernetes-admin</c> and <c>kubernetes-super-admin</c>). Everyone else — a person, an identity
    /// provider's or a cloud's identity — is one principal whatever cluster it acts in.
    /// </summary>
    public static bool IsClusterLocal(string? subjectId) =>
        string.IsNullOrEmpty(subjectId)
        || subjectId.StartsWith("system:", StringComparison.Ordinal)
        || subjectId.StartsWith("eks:", StringComparison.Ordinal)
        || subjectId.StartsWith("aws:", StringComparison.Ordinal)
        || subjectId.StartsWith("amazon:", StringComparison.Ordinal)
        || subjectId.StartsWith("iam:", StringComparison.Ordinal)
        || subjectId is "masterclient" or "kubernetes-admin" or "kubernetes-super-admin";

    /// <summary>The cluster an event names: its <c>k8s.cluster</c> attribute when that is a string that is not empty.</summary>
    public static string? Of(AccessEvent e) => EventAttributes.Text(e.Attributes, Attribute) is { Length: > 0 } c ? c : null;

    /// <summary>The state key of <paramref name="id"/> in <paramref name="cluster"/> (none: the bare id).</summary>
    public static string Key(string id, string? cluster)
    {
        if (cluster is null)
        {
            return id.Contains(Separator, StringComparison.Ordinal) ? Separator + id : id;
        }

        return string.Concat(cluster.Replace(Separator, '\uFFFD'), Separator.ToString(), id);
    }

    /// <summary>The id and cluster a <see cref="Key"/> was made of.</summary>
    public static (string Id, string? Cluster) Split(string key)
    {
        var at = key.IndexOf(Separator, StringComparison.Ordinal);
        return at switch
        {
            < 0 => (key, null),
            0 => (key[1..], null),
            _ => (key[(at + 1)..], key[..at]),
        };
    }

    /// <summary>A key as people read it: <c>id</c>, or <c>id (cluster prod-eu)</c>.</summary>
    public static string Describe(string key)
    {
        var (id, cluster) = Split(key);
        return Describe(id, cluster);
    }

    /// <summary><paramref name="id"/>, naming <paramref name="cluster"/> when there is one.</summary>
    public static string Describe(string id, string? cluster) => cluster is null ? id : $"{id} (cluster {cluster})";

    /// <summary>
    /// The cluster <paramref name="e"/> names, as one string per cluster name for as long as events name the same one.
    /// </summary>
    public string? ClusterOf(AccessEvent e)
    {
        if (e.Attributes is not { } a || !a.TryGetValue(Attribute, out var v) || v.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        if (lastCluster is not null && v.ValueEquals(lastCluster))
        {
            return lastCluster;
        }

        var cluster = v.GetString();
        if (string.IsNullOrEmpty(cluster))
        {
            return null;
        }

        lastCluster = cluster;
        return cluster;
    }

    /// <summary>
    /// <see cref="Key"/>, remembered per id instance and cluster: the event reader hands out one instance for a repeated
    /// id, so a principal's every event does not build its key again.
    /// </summary>
    public string KeyOf(string id, string? cluster)
    {
        if (cluster is null && !id.Contains(Separator, StringComparison.Ordinal))
        {
            return id;
        }

        ref var entry = ref entries[RuntimeHelpers.GetHashCode(id) & (Slots - 1)];
        if (ReferenceEquals(entry.Id, id) && ReferenceEquals(entry.Cluster, cluster))
        {
            return entry.Key;
        }

        var key = Key(id, cluster);
        entry = new Entry(id, cluster, key);
        return key;
    }

    private readonly record struct Entry(string? Id, string? Cluster, string Key);
}
