namespace ZtStream.Verifier.Scoring;

/// <summary>Who acted, in the forms the policy lists use.</summary>
internal readonly struct Identity
{
    public Identity(AccessEvent e)
    {
        Principal = e.PrincipalKey;
        SubjectId = e.Subject?.Id;
        WorkloadId = e.Workload?.Id;
        string? ns = e.Workload?.Namespace;
        string? sa = null;
        const string prefix = "system:serviceaccount:";
        if (SubjectId is not null && SubjectId.StartsWith(prefix, StringComparison.Ordinal))
        {
            var rest = SubjectId.AsSpan(prefix.Length);
            var colon = rest.IndexOf(':');
            if (colon > 0)
            {
                ns ??= rest[..colon].ToString();
                sa = string.Concat(rest[..colon], "/", rest[(colon + 1)..]);
            }
        }
        else if (e.Workload?.ServiceAccount is { } wsa)
        {
            sa = wsa.Contains('/', StringComparison.Ordinal) ? wsa : ns + "/" + wsa;
        }

        Namespace = ns;
        ServiceAccount = sa;
        IsServiceAccount = SubjectId is not null && SubjectId.StartsWith(prefix, StringComparison.Ordinal)
            || string.Equals(e.Subject?.Type, "service_account", StringComparison.Ordinal);
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
