namespace ZtStream.Verifier.Policy;

/// <summary>
/// The zero-trust policy (YAML, keys in snake_case, documented in docs/policy.md). Lists are allow-lists:
/// a null list means "not restricted", an empty list means "nobody".
/// </summary>
internal sealed class ZeroTrustPolicy
{
    /// <summary>Other policy files (relative to this one) applied first; this file's lists are appended, its scalars win.</summary>
    public List<string>? Extends { get; set; }

    /// <summary>Policy format version (1).</summary>
    public int Version { get; set; } = 1;

    public List<DataClassRule> DataClasses { get; set; } = [];

    public SegmentationPolicy Segmentation { get; set; } = new();

    public TokenPolicy Tokens { get; set; } = new();

    public List<ProtectedResource> ProtectedResources { get; set; } = [];

    public KubernetesPolicy Kubernetes { get; set; } = new();

    public static ZeroTrustPolicy Empty { get; } = new();
}

/// <summary>Who may read and write one data class.</summary>
internal sealed class DataClassRule
{
    public string Name { get; set; } = "";

    public PrincipalSet? Read { get; set; }

    public PrincipalSet? Write { get; set; }
}

/// <summary>
/// A set of identities. Entries may end in <c>*</c> (prefix match). An identity belongs when its subject id,
/// its service account (<c>namespace/name</c> or the full <c>system:serviceaccount:ns:name</c>), its workload id or
/// its namespace is listed.
/// </summary>
internal sealed class PrincipalSet
{
    public List<string>? Subjects { get; set; }

    public List<string>? ServiceAccounts { get; set; }

    public List<string>? Workloads { get; set; }

    public List<string>? Namespaces { get; set; }

    public void Append(PrincipalSet other)
    {
        Subjects = PolicyLists.Append(Subjects, other.Subjects);
        ServiceAccounts = PolicyLists.Append(ServiceAccounts, other.ServiceAccounts);
        Workloads = PolicyLists.Append(Workloads, other.Workloads);
        Namespaces = PolicyLists.Append(Namespaces, other.Namespaces);
    }
}

/// <summary>Which namespaces may call which (service-to-service requests).</summary>
internal sealed class SegmentationPolicy
{
    /// <summary><c>allow</c> (default) or <c>deny</c>: what applies to a source namespace no rule names.</summary>
    public string Default { get; set; } = "allow";

    public List<SegmentationRule> Rules { get; set; } = [];
}

/// <summary>Calls from <see cref="From"/> may reach only <see cref="To"/> (its own namespace is always allowed).</summary>
internal sealed class SegmentationRule
{
    public string From { get; set; } = "";

    public List<string> To { get; set; } = [];
}

internal sealed class TokenPolicy
{
    /// <summary>A token bound to a workload may be used only from that workload.</summary>
    public bool EnforceBinding { get; set; } = true;

    /// <summary>Clock skew tolerated before a token counts as expired.</summary>
    public int ExpiryGraceSeconds { get; set; } = 60;

    /// <summary>A token whose session logged out counts as revoked afterwards.</summary>
    public bool RevokeOnLogout { get; set; } = true;
}

/// <summary>A resource only the listed identities may touch.</summary>
internal sealed class ProtectedResource
{
    /// <summary>Resource type (e.g. <c>secrets</c>, <c>table</c>); null matches any type.</summary>
    public string? Type { get; set; }

    /// <summary>Resource id, may end in <c>*</c>.</summary>
    public string Id { get; set; } = "*";

    public PrincipalSet Allow { get; set; } = new();
}

/// <summary>Kubernetes API rules (from audit events): the Falco-style allow-lists.</summary>
internal sealed class KubernetesPolicy
{
    /// <summary>Who may exec/attach into pods; null means anyone (no rule).</summary>
    public PrincipalSet? ExecAllowed { get; set; } = new();

    /// <summary>Service accounts that may read secrets outside their own namespace; a service account may always read its own namespace's secrets.</summary>
    public PrincipalSet? SecretReaders { get; set; } = new();

    /// <summary>Service accounts that may change RBAC objects.</summary>
    public PrincipalSet? RbacWriters { get; set; } = new();

    /// <summary>Non-system users allowed to use the API; null means any.</summary>
    public List<string>? AllowedUsers { get; set; }

    /// <summary>Namespaces that may be created; null means any.</summary>
    public List<string>? AllowedNamespaces { get; set; }

    /// <summary>Image repositories pods may run; null means any.</summary>
    public List<string>? AllowedImages { get; set; }

    public List<string> PrivilegedImages { get; set; } = [];

    public List<string> HostNetworkImages { get; set; } = [];

    public List<string> SensitiveMountImages { get; set; } = [];

    public List<string> SensitiveMountPaths { get; set; } = [];

    public List<string> KubeNamespaces { get; set; } = [];

    /// <summary>Images allowed to run in <see cref="KubeNamespaces"/>.</summary>
    public List<string> KubeNamespaceImages { get; set; } = [];

    /// <summary>Service accounts that may be created in <see cref="KubeNamespaces"/>.</summary>
    public List<string> KubeNamespaceServiceAccounts { get; set; } = [];

    /// <summary>Prefixes of system roles that must not be modified or deleted.</summary>
    public List<string> SystemRolePrefixes { get; set; } = [];

    public List<string> AdminRoles { get; set; } = [];

    public bool DenyAnonymous { get; set; }

    public bool DenyNodePortServices { get; set; }

    public bool DenyWildcardRoles { get; set; }

    public bool DenyPodExecRoles { get; set; }

    /// <summary>Substrings that mark a config map value as a credential.</summary>
    public List<string> ConfigMapCredentialPatterns { get; set; } = [];
}

internal static class PolicyLists
{
    public static List<string>? Append(List<string>? a, List<string>? b) =>
        a is null ? b is null ? null : [.. b] : b is null ? a : [.. a, .. b];

    /// <summary>Exact match, or prefix match for an entry ending in <c>*</c>.</summary>
    public static bool Matches(List<string>? patterns, string? value)
    {
        if (patterns is null || string.IsNullOrEmpty(value))
        {
            return false;
        }

        foreach (var p in patterns)
        {
            if (p.Length > 0 && p[^1] == '*'
                ? value.StartsWith(p.AsSpan(0, p.Length - 1), StringComparison.Ordinal)
                : string.Equals(p, value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
