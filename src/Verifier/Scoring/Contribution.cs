using ZtStream.Contracts.Events;
using ZtStream.Verifier.Attack;

namespace ZtStream.Verifier.Scoring;

/// <summary>
/// One detector's finding on one event: a score contribution 0–100, its explanation, and the ATT&amp;CK techniques (and
/// tactics) it is evidence of. Every detector — built-in or a loaded rule — reports its techniques here, and only here;
/// the alert's reasons and its technique union are made from them.
/// </summary>
internal readonly record struct Contribution(string Detector, string Rule, int Score, string Text)
{
    private readonly IReadOnlyList<string>? techniques;
    private readonly IReadOnlyList<string>? tactics;

    public string Scope => Detector + "/" + Rule;

    /// <summary>ATT&amp;CK technique ids such as <c>T1609</c> or <c>T1552.007</c>; empty by default.</summary>
    public IReadOnlyList<string> Techniques
    {
        get => techniques ?? [];
        init => techniques = value;
    }

    /// <summary>ATT&amp;CK tactic short names such as <c>execution</c>; empty by default.</summary>
    public IReadOnlyList<string> Tactics
    {
        get => tactics ?? [];
        init => tactics = value;
    }

    /// <summary>This finding, evidence of <paramref name="attack"/>'s techniques and tactics.</summary>
    public Contribution Of(AttackMapping attack) => this with { Techniques = attack.Techniques, Tactics = attack.Tactics };
}

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
