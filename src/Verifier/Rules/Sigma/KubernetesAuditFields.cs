namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>
/// <c>product: kubernetes, service: audit</c>: field names are the JSON paths of the native <c>audit.k8s.io/v1</c>
/// Event (<c>verb</c>, <c>objectRef.resource</c>, <c>user.username</c>, <c>responseStatus.code</c>, <c>sourceIPs</c> …),
/// read from the event's raw object. Three names SigmaHQ's rules use that are not Event paths are mapped to what they
/// mean: <c>apiGroup</c> → <c>objectRef.apiGroup</c>, <c>hostPath</c> → the pod spec's volumes' hostPath, and
/// <c>capabilities</c> → every container's <c>securityContext.capabilities</c> (in Pods and workload templates).
/// </summary>
internal sealed class KubernetesAuditFields : IFieldResolver
{
    public static readonly KubernetesAuditFields Instance = new();

    /// <summary>
    /// The members of an audit Event (<c>audit.k8s.io/v1</c>, and <c>v1beta1</c>'s <c>metadata</c> and <c>timestamp</c>).
    /// The schema is closed, so a field under any other member can never match: SigmaHQ's compiler rule names
    /// <c>file_path</c>, which no audit event carries, and loading it would only hide that.
    /// </summary>
    private static readonly HashSet<string> EventMembers = new(StringComparer.OrdinalIgnoreCase)
    {
        "kind", "apiVersion", "level", "auditID", "stage", "requestURI", "verb", "user", "impersonatedUser", "sourceIPs", "userAgent",
        "objectRef", "responseStatus", "requestObject", "responseObject", "requestReceivedTimestamp", "stageTimestamp", "annotations",
        "metadata", "timestamp",
    };

    public FieldPath Resolve(string name) => name switch
    {
        "apiGroup" => FieldPath.Json(name, FieldRoot.Raw, "", "objectRef.apiGroup"),
        "hostPath" => FieldPath.Json(name, FieldRoot.PodSpec, "pod_spec", "volumes[*].hostPath"),
        "capabilities" => FieldPath.Json(name, FieldRoot.AllContainers, "", "securityContext.capabilities"),
        _ when EventMembers.Contains(VendorRecordFields.FirstKey(name)) => FieldPath.Json(name, FieldRoot.Raw, "", name),
        _ => throw new RuleFormatException(
            $"field '{name}' is not a field of a Kubernetes audit Event (its fields are under {string.Join(", ", EventMembers)}; apiGroup, hostPath and capabilities are read where SigmaHQ's rules mean them)"),
    };
}
