namespace ZtStream.Verifier.Scoring;

/// <summary>Who acted, in the forms the policy lists use.</summary>
internal readonly struct Identity
{
    /// <param name="e">The event.</param>
    /// <param name="names">A scoring engine's cache of service accounts' names; without one they are built here.</param>
    public Identity(AccessEvent e, ServiceAccountNames? names = null)
    {
        Principal = e.PrincipalKey;
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

    public string Principal { get; }

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
