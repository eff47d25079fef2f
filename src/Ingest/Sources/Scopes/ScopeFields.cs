namespace ZtStream.Ingest.Sources.Scopes;

/// <summary>
/// What <see cref="SourceScope.Check(ScopeFields, int, string)"/> looks at in an event: its kind, its subject's id, its
/// workload (present or not, id, name, namespace) and the namespace of the object a Kubernetes request was on: an audit
/// event's <c>raw.objectRef.namespace</c>, a Falco alert's <c>ka.target.namespace</c> (the k8saudit plugin's). Read from the event object, or from the event's bytes where the scan recorded
/// them, so that the gate decides the same either way; the cluster the event names (<c>attributes["k8s.cluster"]</c>) and
/// the tenant of its subject (<c>subject.tenant</c>).
/// </summary>
internal readonly record struct ScopeFields(
    string? Kind,
    string? SubjectId,
    bool HasWorkload,
    string? WorkloadId,
    string? WorkloadName,
    string? WorkloadNamespace,
    string? ObjectNamespace = null,
    string? Cluster = null,
    string? Tenant = null)
{
    private static readonly byte[] K8sAuditKind = Encoding.UTF8.GetBytes(EventKinds.K8sAudit);
    private static readonly byte[] RuntimeAlertKind = Encoding.UTF8.GetBytes(EventKinds.RuntimeAlert);

    public static ScopeFields Of(AccessEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var w = e.Workload;
        var objectNamespace = e.Raw is not { } raw ? null
            : e.Kind == EventKinds.K8sAudit ? raw.Child("objectRef").String("namespace")
            : e.Kind == EventKinds.RuntimeAlert ? raw.Child("output_fields").String("ka.target.namespace")
            : null;
        var cluster = e.Attributes?.TryGetValue(K8sAuditMapper.ClusterAttribute, out var c) == true && c.ValueKind == JsonValueKind.String
            ? c.GetString()
            : null;
        return new(e.Kind, e.Subject?.Id, w is not null, w?.Id, w?.Name, w?.Namespace, objectNamespace, cluster, e.Subject?.Tenant);
    }

    /// <summary>
    /// The fields of a scanned event that <paramref name="scope"/> limits, made into strings from <paramref name="json"/>
    /// (the event's bytes); a dimension the scope does not limit is left null, since the check does not read it. Null when
    /// the check needs what the scan does not record: the object of an audit event or alert, under a namespace limit other
    /// than the whole cluster; the cluster, under a cluster limit, when its bytes cannot show it
    /// (<see cref="ScannedScope.ClusterUnsure"/>).
    /// </summary>
    public static ScopeFields? Read(ReadOnlySpan<byte> json, in ScannedScope at, SourceScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (scope.Clusters is not null && at.ClusterUnsure)
        {
            return null;
        }

        var workload = scope.Namespaces is not null || scope.Workloads is not null;
        // A namespace limit checks the object of an audit event or alert, which the scan does not record — unless it is the
        // whole cluster ("*"), which every object is in. The kind is compared as bytes: a string of it for that alone would
        // be one more object for every event of every namespace-limited source.
        if (scope.Namespaces is not null && !scope.WholeCluster() && (at.Kind.Is(json, K8sAuditKind) || at.Kind.Is(json, RuntimeAlertKind)))
        {
            return null;
        }

        var kind = scope.Kinds is null ? null : at.Kind.Read(json);

        return new ScopeFields(
            kind,
            scope.Subjects is null ? null : at.SubjectId.Read(json),
            workload && at.HasWorkload,
            workload ? at.WorkloadId.Read(json) : null,
            scope.Workloads is null ? null : at.WorkloadName.Read(json),
            workload ? at.WorkloadNamespace.Read(json) : null,
            Cluster: scope.Clusters is null ? null : at.Cluster.Read(json),
            Tenant: scope.Tenants is null ? null : at.SubjectTenant.Read(json));
    }
}
