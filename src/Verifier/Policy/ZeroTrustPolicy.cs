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

/// <summary>
/// Who may open a shell in a pod (from audit events): an identity question only the site can answer. What a request
/// does or carries (privileged pods, secrets harvested, RBAC escalation …) is judged by the rule library
/// (Rules/Library/kubernetes), not here.
/// </summary>
internal sealed class KubernetesPolicy
{
    /// <summary>
    /// Keys of the <c>kubernetes:</c> section that the rule library replaced, with where each went; a policy file
    /// that still sets one is refused with that pointer rather than silently ignored.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Replaced = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["allowed_users"] = "a rule of your own (docs/rules.md, \"Allow-lists of your site\")",
        ["allowed_namespaces"] = "a rule of your own (docs/rules.md, \"Allow-lists of your site\")",
        ["allowed_images"] = "a rule of your own (docs/rules.md, \"Allow-lists of your site\")",
        ["privileged_images"] = "the list k8s_privileged_images (rule k8s-privileged-container)",
        ["host_network_images"] = "the list k8s_host_network_images (rule k8s-host-network)",
        ["sensitive_mount_images"] = "the list k8s_host_path_images (rule k8s-sensitive-host-path)",
        ["sensitive_mount_paths"] = "the list k8s_sensitive_host_paths (rule k8s-sensitive-host-path)",
        ["kube_namespaces"] = "the list k8s_system_namespaces",
        ["kube_namespace_images"] = "the list k8s_system_namespace_images (rule k8s-workload-in-system-namespace)",
        ["kube_namespace_service_accounts"] = "the list k8s_system_service_accounts (rule k8s-serviceaccount-in-system-namespace)",
        ["system_role_prefixes"] = "rule k8s-system-role-changed",
        ["system_role_exceptions"] = "rule k8s-system-role-changed",
        ["admin_roles"] = "rules k8s-cluster-admin-binding and k8s-admin-role-binding (the list k8s_admin_roles)",
        ["deny_anonymous"] = "rule k8s-anonymous-request-allowed",
        ["deny_node_port_services"] = "rule k8s-nodeport-service",
        ["deny_wildcard_roles"] = "rule k8s-wildcard-rbac-role",
        ["deny_pod_exec_roles"] = "rule k8s-role-grants-sensitive-subresource",
        ["config_map_credential_patterns"] = "the list k8s_credential_markers (rule k8s-configmap-with-credentials)",
        ["secret_readers"] = "rules k8s-secrets-listed-across-namespaces, k8s-cluster-wide-secret-list and k8s-secret-read-across-namespaces (the list k8s_cluster_secret_readers)",
        ["rbac_writers"] = "the RBAC rules (k8s-cluster-admin-binding, k8s-admin-role-binding, k8s-wildcard-rbac-role, k8s-role-grants-*, k8s-system-role-changed)",
    };

    /// <summary>Who may exec/attach into pods; null means anyone (no rule).</summary>
    public PrincipalSet? ExecAllowed { get; set; } = new();
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
