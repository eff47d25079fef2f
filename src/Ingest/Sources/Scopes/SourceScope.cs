namespace ZtStream.Ingest.Sources.Scopes;

/// <summary>
/// What a source may speak for: the event kinds it may send, the subjects, namespaces and workloads its events may
/// name, the clusters they may be labelled with (and the one cluster its records are labelled with when they name none),
/// and the identity-provider tenants their subjects may belong to (patterns, <c>*</c> for any run of characters). A dimension left null is not limited: a source registered
/// without any scope speaks for anything, as before scopes existed. An event outside its source's scope never reaches
/// the log (<see cref="Check"/>).
/// </summary>
internal sealed record SourceScope(
    IReadOnlyList<string>? Kinds = null,
    IReadOnlyList<string>? Subjects = null,
    IReadOnlyList<string>? Namespaces = null,
    IReadOnlyList<string>? Workloads = null,
    IReadOnlyList<string>? Clusters = null,
    IReadOnlyList<string>? Tenants = null,
    string? Cluster = null,
    string? Tenant = null)
{
    private readonly ClusterLabel? label = Cluster is null ? null : new ClusterLabel(Cluster);

    /// <summary>
    /// The one cluster the source's key speaks for (<c>--cluster</c>): its records that name none are labelled with it, one
    /// that names another is refused (<see cref="Label"/>). It implies the cluster limit to itself.
    /// </summary>
    public string? Cluster
    {
        get => label?.Name;
        init => label = value is null ? null : new ClusterLabel(value);
    }

    /// <summary>The label made of <see cref="Cluster"/>, once per scope rather than per event; null without one.</summary>
    public ClusterLabel? Label => label;

    /// <summary>
    /// The one identity-provider tenant the source's key speaks for (<c>--tenant</c>): its records whose subject names no
    /// tenant are labelled with it (<c>subject.tenant</c>), one that names another is refused (<see cref="TenantLabel"/>).
    /// </summary>
    public string? Tenant { get; init; } = Tenant;

    public static SourceScope None { get; } = new();

    /// <summary>
    /// A source the operator configured by its own identity rather than with a key (a polled Shared Signals
    /// transmitter, its issuer and signing keys named in configuration): any kind, and through its adapter it vouches
    /// for what it reports.
    /// </summary>
    public static SourceScope Attested { get; } = new(Kinds: ["*"]);

    private static readonly string[] SubjectOnly = [SourceScopes.Subject];
    private static readonly string[] WorkloadOnly = [SourceScopes.Workload];
    private static readonly string[] Both = [SourceScopes.Subject, SourceScopes.Workload];

    /// <summary>Where an audit event names the namespace of the object its request was on.</summary>
    public const string ObjectNamespaceField = "raw.objectRef.namespace";

    /// <summary>Where a Falco alert on an audit event (k8saudit plugin) names it: the output field <c>ka.target.namespace</c>.</summary>
    public const string AlertObjectNamespaceField = "raw.output_fields.ka.target.namespace";

    /// <summary>Where an event names the cluster it happened in (a managed cluster's envelope, a Cloud Audit Logs entry).</summary>
    public const string ClusterField = "attributes.k8s.cluster";

    /// <summary>Where an event names the tenant its subject belongs to (the Entra directory, Keycloak realm, Auth0 tenant …).</summary>
    public const string TenantField = "subject.tenant";

    /// <summary>True when the namespaces include <c>*</c>: the whole cluster, its cluster-scoped objects too.</summary>
    internal bool WholeCluster()
    {
        // By index, as Matches does: no enumerator per event.
        for (var i = 0; i < Namespaces!.Count; i++)
        {
            if (Namespaces[i] == "*")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Where an event names the namespace of the object a request was on, when the scope must check it; else null.</summary>
    private static string? ObjectField(in ScopeFields e) => e.Kind switch
    {
        EventKinds.K8sAudit => ObjectNamespaceField,
        EventKinds.RuntimeAlert when !e.HasWorkload => AlertObjectNamespaceField,
        _ => null,
    };

    /// <summary>True when no dimension is limited.</summary>
    public bool IsUnscoped => Kinds is null && Subjects is null && Namespaces is null && Workloads is null && Clusters is null && Tenants is null && label is null && Tenant is null;

    /// <summary>
    /// What events this source delivered vouch for (<see cref="AccessEvent.SourceScope"/>): the subject when the scope
    /// names the subjects, the workload when it names namespaces or workloads. Through a source adapter's own endpoint
    /// (<paramref name="adapter"/>: Kubernetes audit, Falco, an identity provider) a source limited to kinds speaks only
    /// as the adapter reads the system's own record (the API server's authenticated user, Falco's pod), so its events
    /// vouch for both.
    /// </summary>
    public IReadOnlyList<string>? Vouches(bool adapter)
    {
        if (adapter && Kinds is not null)
        {
            return Both;
        }

        var subject = Subjects is not null;
        var workload = Namespaces is not null || Workloads is not null;
        return subject && workload ? Both : subject ? SubjectOnly : workload ? WorkloadOnly : null;
    }

    /// <summary>
    /// What the address twin of an event that vouches for <paramref name="vouched"/> vouches for, the twin's subject being
    /// <paramref name="address"/> (<c>ip:…</c>): the same, less the subject when the scope limits subjects and names no
    /// pattern the address matches. The source saw the failed sign-in of an account it speaks for, so the twin is still
    /// written (a spray on its accounts stays visible); it cannot speak for the address, which no check of its subjects
    /// covered. docs/sources.md ("Scopes").
    /// </summary>
    public IReadOnlyList<string>? TwinVouches(IReadOnlyList<string>? vouched, string address)
    {
        // An unscoped source vouches for nothing, whatever the event read from its body claimed.
        if (IsUnscoped)
        {
            return null;
        }

        if (vouched is null || Subjects is null || Matches(Subjects, address))
        {
            return vouched;
        }

        return vouched.Contains(SourceScopes.Workload) ? WorkloadOnly : null;
    }

    /// <summary>
    /// Null when <paramref name="e"/> is within the scope; otherwise the item's error (field, and a reason that starts
    /// "outside the scope of source NAME"). Each limited dimension is checked where the event names it: an event with no
    /// subject says nothing about subjects; but a workload without a namespace cannot be shown to be in an allowed one.
    /// </summary>
    public ItemError? Check(AccessEvent e, int index, string source) => Check(ScopeFields.Of(e), index, source);

    /// <summary>As <see cref="Check(AccessEvent, int, string)"/>, on the fields the check reads, however they were read.</summary>
    public ItemError? Check(in ScopeFields e, int index, string source)
    {
        if (Kinds is not null && !Matches(Kinds, e.Kind ?? string.Empty))
        {
            return Outside(index, source, "kind", e.Kind ?? string.Empty, Kinds);
        }

        // A key issued for one cluster's source must not label records as another's; an event naming no cluster is not
        // taken as any cluster (it would be read as whichever one it claimed next), so it is refused.
        if (Clusters is not null && (string.IsNullOrEmpty(e.Cluster) || !Matches(Clusters, e.Cluster)))
        {
            return string.IsNullOrEmpty(e.Cluster)
                ? new ItemError(index, ClusterField, $"outside the scope of source {source}: it may speak only for clusters {List(Clusters)}, and this event names no cluster")
                : Outside(index, source, ClusterField, e.Cluster, Clusters);
        }

        // Likewise a key issued for one identity-provider tenant must not speak for another tenant's users (and, vouching
        // for them, have their tokens revoked); an event naming no tenant is not taken as any tenant.
        if (Tenants is not null && (string.IsNullOrEmpty(e.Tenant) || !Matches(Tenants, e.Tenant)))
        {
            return string.IsNullOrEmpty(e.Tenant)
                ? new ItemError(index, TenantField, $"outside the scope of source {source}: it may speak only for tenants {List(Tenants)}, and this event names no tenant")
                : Outside(index, source, TenantField, e.Tenant, Tenants);
        }

        if (Subjects is not null && !string.IsNullOrEmpty(e.SubjectId) && !Matches(Subjects, e.SubjectId))
        {
            return Outside(index, source, "subject.id", e.SubjectId, Subjects);
        }

        if (e.HasWorkload)
        {
            if (Namespaces is not null && (string.IsNullOrEmpty(e.WorkloadNamespace) || !Matches(Namespaces, e.WorkloadNamespace)))
            {
                return string.IsNullOrEmpty(e.WorkloadNamespace)
                    ? new ItemError(index, "workload.namespace", $"outside the scope of source {source}: it may speak only for workloads in namespaces {List(Namespaces)}, and this workload names no namespace")
                    : Outside(index, source, "workload.namespace", e.WorkloadNamespace, Namespaces);
            }

            var id = e.WorkloadId ?? string.Empty;
            if (Workloads is not null && !Matches(Workloads, id) && !(e.WorkloadNamespace is not null && e.WorkloadName is not null && Matches(Workloads, $"{e.WorkloadNamespace}/{e.WorkloadName}")))
            {
                return Outside(index, source, "workload.id", id, Workloads);
            }
        }

        // An audit event reports a request on an object as much as who made it, and a Falco alert on an audit event (the
        // k8saudit plugin) names no workload at all: a person's request names none, so a source limited to namespaces would
        // otherwise speak (and vouch) for every user's requests anywhere in the cluster — a cluster-admin binding, another
        // namespace's secrets. It reports only requests on objects in its namespaces; a cluster-scoped object or a
        // non-resource URL is in none, which only "*" (the whole cluster, as a simulator of one is registered) allows.
        if (Namespaces is not null && ObjectField(e) is { } field)
        {
            return string.IsNullOrEmpty(e.ObjectNamespace)
                ? WholeCluster() ? null : new ItemError(index, field, $"outside the scope of source {source}: it may speak only for requests on objects in namespaces {List(Namespaces)}, and this one is on none (a cluster-scoped object or a non-resource URL; only '*' allows those)")
                : Matches(Namespaces, e.ObjectNamespace) ? null : Outside(index, source, field, e.ObjectNamespace, Namespaces);
        }

        return null;
    }

    /// <summary>
    /// Why <see cref="Cluster"/> cannot go with the rest of the scope, or null when it can (or there is none): a cluster
    /// the cluster limit does not allow would have every record of the source refused, and a source whose kinds are all
    /// an identity provider's (<c>auth.*</c>, <c>idp.event</c>) sends records of a directory, which no cluster's label fits.
    /// </summary>
    public string? ClusterConflict()
    {
        if (Cluster is not { } cluster)
        {
            return null;
        }

        if (Clusters is not null && !Matches(Clusters, cluster))
        {
            return $"--cluster '{cluster}' is not one of the clusters the source may speak for ({List(Clusters)}): every record it labels would be refused; give a cluster the limit allows, or lift the limit (--clusters '')";
        }

        if (Kinds is not null && EventKinds.Observed.Where(k => Matches(Kinds, k)).ToList() is { Count: > 0 } kinds && kinds.TrueForAll(IsIdentityKind))
        {
            return $"--cluster '{cluster}' labels records of a cluster, and kinds={Join(Kinds)} are an identity provider's, whose records are not of any cluster: register the provider without --cluster (docs/sources.md, \"Clusters\")";
        }

        return null;
    }

    /// <summary>
    /// The refusal of an identity provider's records (<paramref name="provider"/>: Okta, a Shared Signals transmitter …)
    /// from a source labelled with a cluster, or null when the source has no label. A sign-in is of a directory, not of a
    /// cluster: labelled, the Verifier would key its user per cluster and the Responder act in that cluster alone.
    /// </summary>
    public ItemError? RefuseIdentityRecords(string source, string provider) => Cluster is { } cluster
        ? new ItemError(0, ClusterField, $"outside the scope of source {source}: its key speaks for cluster {cluster} (--cluster), and the records of {provider} are of an identity provider, not of any cluster; register the provider under its own key without --cluster")
        : null;

    /// <summary>
    /// The refusal of an identity provider's records (<paramref name="provider"/>) from a source whose kinds let none of
    /// them in, or null when some may come in (or its kinds are not limited): each of them would be refused as outside.
    /// </summary>
    public ItemError? RefuseIdentityKinds(string source, string provider) =>
        Kinds is not null && !EventKinds.Observed.Any(k => IsIdentityKind(k) && Matches(Kinds, k))
            ? new ItemError(0, "kind", $"outside the scope of source {source}: it may speak only for kinds {List(Kinds)}, and the records of {provider} are an identity provider's (auth.*, {EventKinds.IdpEvent}), none of them among those")
            : null;

    private static bool IsIdentityKind(string kind) =>
        kind.StartsWith("auth.", StringComparison.Ordinal) || kind == EventKinds.IdpEvent;

    /// <summary>One line for <c>sources list</c>: <c>kinds=… subjects=… namespaces=… workloads=… cluster=… clusters=… tenants=…</c>, or <c>(none: speaks for anything)</c>.</summary>
    public string Describe()
    {
        if (IsUnscoped)
        {
            return "(none: speaks for anything)";
        }

        var parts = new List<string>(8);
        Add(parts, "kinds", Kinds);
        Add(parts, "subjects", Subjects);
        Add(parts, "namespaces", Namespaces);
        Add(parts, "workloads", Workloads);
        if (Cluster is not null)
        {
            parts.Add($"cluster={Cluster}");
        }

        Add(parts, "clusters", Clusters);
        if (Tenant is not null)
        {
            parts.Add($"tenant={Tenant}");
        }

        Add(parts, "tenants", Tenants);
        return string.Join(' ', parts);
    }

    /// <summary>How a dimension is stored: its patterns joined by commas, null when not limited.</summary>
    public static string? Join(IReadOnlyList<string>? patterns) => patterns is null ? null : string.Join(',', patterns);

    /// <summary>Patterns from a comma-separated list; null (not limited) for null, an empty list for "".</summary>
    public static IReadOnlyList<string>? Split(string? joined) =>
        joined is null ? null : joined.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool Matches(IReadOnlyList<string> patterns, string value)
    {
        // By index: a foreach over the interface would allocate an enumerator for every event a scoped source sends.
        for (var i = 0; i < patterns.Count; i++)
        {
            if (Glob.IsMatch(patterns[i], value))
            {
                return true;
            }
        }

        return false;
    }

    private static ItemError Outside(int index, string source, string field, string value, IReadOnlyList<string> allowed) =>
        new(index, field, $"outside the scope of source {source}: '{ItemError.Clip(value, 120)}' is not one of {List(allowed)}");

    private static string List(IReadOnlyList<string> patterns) => patterns.Count == 0 ? "(none)" : string.Join(", ", patterns);

    private static void Add(List<string> parts, string name, IReadOnlyList<string>? patterns)
    {
        if (patterns is not null)
        {
            parts.Add($"{name}={(patterns.Count == 0 ? "(none)" : string.Join(',', patterns))}");
        }
    }

}
