namespace ZtStream.Verifier.Scoring;

/// <summary>Who acted, in the forms the policy lists use.</summary>
internal readonly struct Identity
{
    /// <param name="e">The event.</param>
    /// <param name="names">A scoring engine's cache of service accounts' names; without one they are built here.</param>
    /// <param name="keys">A scoring engine's cache of principals' keys; without one they are built here.</param>
    public Identity(AccessEvent e, ServiceAccountNames? names = null, ClusterKeys? keys = null)
    {
        Principal = e.PrincipalKey;

        // The attribute first: most events name no cluster, and then no prefix of the subject need be looked at.
        if ((keys is null ? ClusterKeys.Of(e) : keys.ClusterOf(e)) is { } cluster && ClusterKeys.IsClusterLocal(e.Subject?.Id))
        {
            Cluster = cluster;
            Key = keys is null ? ClusterKeys.Key(Principal, cluster) : keys.KeyOf(Principal, cluster);
        }
        else
        {
            Key = keys is null ? ClusterKeys.Key(Principal, null) : keys.KeyOf(Principal, null);
        }

        SubjectId = e.Subject?.Id;
        WorkloadId = e.Workload?.Id;
        string? ns = e.Workload?.Namespace;
        string? sa = null;
        var kubernetesAccount = SubjectId is not null && SubjectId.StartsWith(ServiceAccountNames.Prefix, StringComparison.Ordinal);
        if (kubernetesAccount)
        {
            if ((names is null ? ServiceAccountNames.Split(SubjectId!) : names.Of(SubjectId!)) is { } split)
            {
                ns ??= split.Namespace;
                sa = split.Account;
            }
        }
        else if (e.Workload?.ServiceAccount is { } wsa)
        {
            sa = wsa.Contains('/', StringComparison.Ordinal) ? wsa : ns + "/" + wsa;
        }

        Namespace = ns;
        ServiceAccount = sa;
        IsServiceAccount = kubernetesAccount || string.Equals(e.Subject?.Type, "service_account", StringComparison.Ordinal);
    }

    /// <summary>The principal's own id (subject id, else workload id), as alerts and the Responder name it.</summary>
    public string Principal { get; }

    /// <summary>What the engine keeps the principal's state under: <see cref="Principal"/> and, when it is keyed per cluster, <see cref="Cluster"/>.</summary>
    public string Key { get; }

    /// <summary>The cluster the principal is an identity of, when it exists once per cluster and the event names one; else null.</summary>
    public string? Cluster { get; }

    public string? SubjectId { get; }

    public string? WorkloadId { get; }

    public string? Namespace { get; }

    /// <summary><c>namespace/name</c>.</summary>
    public string? ServiceAccount { get; }

    public bool IsServiceAccount { get; }

    public bool In(Policy.PrincipalSet? set)
    {
        if (set is null)
        {
            return true;
        }

        return Policy.PolicyLists.Matches(set.Subjects, SubjectId)
            || Policy.PolicyLists.Matches(set.ServiceAccounts, ServiceAccount)
            || (ServiceAccount is not null && Policy.PolicyLists.Matches(set.ServiceAccounts, SubjectId))
            || Policy.PolicyLists.Matches(set.Workloads, WorkloadId)
            || Policy.PolicyLists.Matches(set.Namespaces, Namespace);
    }

    public string Describe() => ServiceAccount is not null ? "service account " + ServiceAccount : SubjectId ?? WorkloadId ?? "(unknown)";
}
