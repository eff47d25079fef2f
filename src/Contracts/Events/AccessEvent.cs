namespace ZtStream.Contracts.Events;

/// <summary>
/// The canonical access event: one record for everything Ingest accepts after normalisation.
/// JSON field names are snake_case. Required: <c>id</c>, <c>time</c>, <c>kind</c>, and
/// <c>subject.id</c> or <c>workload.id</c>.
/// </summary>
public sealed record AccessEvent
{
    private readonly int schema = SchemaVersions.Current;

    /// <summary>The schema version of this record; absent (or 0) in input means <see cref="SchemaVersions.Current"/>.</summary>
    public int Schema
    {
        get => schema == 0 ? SchemaVersions.Current : schema;
        init => schema = value;
    }

    /// <summary>Unique event id chosen by the producer; downstream deduplicates on it.</summary>
    public required string Id { get; init; }

    /// <summary>When the access happened (event time, not arrival time).</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>The authenticated source that delivered the event; stamped by Ingest from its credential, never read from the body.</summary>
    public string? Source { get; init; }

    /// <summary>
    /// What Ingest vouches for about this event, from the delivering source's scope (see <see cref="SourceScopes"/>):
    /// <c>subject</c> when the source may speak only for the subjects its scope names, <c>workload</c> likewise for
    /// namespaces or workloads. Null when the source has no scope. Stamped by Ingest, never read from the body; the
    /// Responder acts automatically only on what the evidence's sources vouch for.
    /// </summary>
    public IReadOnlyList<string>? SourceScope { get; init; }

    /// <summary>What happened: see <see cref="EventKinds"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>The human or machine identity acting.</summary>
    public Subject? Subject { get; init; }

    /// <summary>The token presented, when the access carried one.</summary>
    public TokenInfo? Token { get; init; }

    /// <summary>The workload (pod, container, process) the access came from.</summary>
    public Workload? Workload { get; init; }

    /// <summary>Network endpoints of the access.</summary>
    public NetworkInfo? Network { get; init; }

    /// <summary>What was accessed.</summary>
    public ResourceRef? Resource { get; init; }

    /// <summary>The verb: read, write, delete, exec, GET, create …</summary>
    public string? Action { get; init; }

    /// <summary>success, denied, error (see <see cref="Outcomes"/>).</summary>
    public string? Outcome { get; init; }

    /// <summary>Bytes transferred by the access (read or written).</summary>
    public long? Bytes { get; init; }

    /// <summary>Protocol status code (HTTP status, Kubernetes response code).</summary>
    public int? Status { get; init; }

    /// <summary>The client's user agent.</summary>
    public string? UserAgent { get; init; }

    /// <summary>Source-specific fields, and any unknown input fields, kept verbatim.</summary>
    public Dictionary<string, JsonElement>? Attributes { get; init; }

    /// <summary>
    /// The source's original object as received (a Kubernetes audit event, a Falco alert, an IdP log record),
    /// bounded in size; kept so that rules can match any of its fields. Null for events sent in canonical form.
    /// </summary>
    public JsonElement? Raw { get; init; }

    /// <summary>The principal this event belongs to: subject id, else workload id. It is the partition key.</summary>
    [JsonIgnore]
    public string PrincipalKey => !string.IsNullOrEmpty(Subject?.Id) ? Subject!.Id : Workload?.Id ?? string.Empty;
}

/// <summary>The acting identity.</summary>
public sealed record Subject
{
    /// <summary>Stable identifier (user id, service-account name such as <c>system:serviceaccount:ns:name</c>).</summary>
    public required string Id { get; init; }

    /// <summary>user, service_account, workload, anonymous.</summary>
    public string? Type { get; init; }

    /// <summary>Tenant or organisation.</summary>
    public string? Tenant { get; init; }

    /// <summary>
    /// The token claim <see cref="Id"/> was read from (<c>sub</c>, <c>preferred_username</c>, <c>email</c> …), when it came
    /// from a token. Ingest keys the id of a login claim (<see cref="SubjectClaims.IsLogin"/>) in the one form of login names.
    /// </summary>
    public string? Claim { get; init; }
}

/// <summary>The token the access presented.</summary>
public sealed record TokenInfo
{
    /// <summary>The token's <c>jti</c>.</summary>
    public string? Jti { get; init; }

    /// <summary>The OAuth client the token was issued to.</summary>
    public string? ClientId { get; init; }

    /// <summary>The token's session id (<c>sid</c>), when it has one.</summary>
    public string? SessionId { get; init; }

    /// <summary>Issue time (<c>iat</c>).</summary>
    public DateTimeOffset? IssuedAt { get; init; }

    /// <summary>Expiry (<c>exp</c>).</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The workload id the token was issued to, when it is bound to one.</summary>
    public string? BoundWorkload { get; init; }
}

/// <summary>A workload: a pod, container or process.</summary>
public sealed record Workload
{
    /// <summary>Stable identifier, e.g. <c>namespace/pod-name</c>.</summary>
    public required string Id { get; init; }

    /// <summary>Name (pod or deployment).</summary>
    public string? Name { get; init; }

    /// <summary>Kubernetes namespace.</summary>
    public string? Namespace { get; init; }

    /// <summary>Container image.</summary>
    public string? Image { get; init; }

    /// <summary>Node the workload runs on.</summary>
    public string? Node { get; init; }

    /// <summary>Service account the workload runs as.</summary>
    public string? ServiceAccount { get; init; }
}

/// <summary>Network endpoints.</summary>
public sealed record NetworkInfo
{
    /// <summary>Source IP address.</summary>
    public string? SrcIp { get; init; }

    /// <summary>Destination IP address.</summary>
    public string? DstIp { get; init; }

    /// <summary>Destination port.</summary>
    public int? DstPort { get; init; }
}

/// <summary>The accessed resource.</summary>
public sealed record ResourceRef
{
    /// <summary>Resource type: http_route, table, bucket, secrets, pods, clusterrolebindings …</summary>
    public string? Type { get; init; }

    /// <summary>Resource identifier (route template, object path, <c>namespace/name</c>).</summary>
    public string? Id { get; init; }

    /// <summary>Data classification, e.g. <c>confidential/customers</c>.</summary>
    public string? DataClass { get; init; }
}

/// <summary>Well-known event kinds.</summary>
public static class EventKinds
{
    /// <summary>A user or workload authenticated.</summary>
    public const string AuthLogin = "auth.login";
    /// <summary>A token was issued.</summary>
    public const string AuthTokenIssued = "auth.token_issued";
    /// <summary>A token was refreshed.</summary>
    public const string AuthTokenRefreshed = "auth.token_refreshed";
    /// <summary>A session ended.</summary>
    public const string AuthLogout = "auth.logout";
    /// <summary>A second-factor step: a challenge sent, approved, denied, failed or timed out (attribute <c>auth.mfa_result</c>).</summary>
    public const string AuthMfa = "auth.mfa";
    /// <summary>A token was revoked at the identity provider.</summary>
    public const string AuthTokenRevoked = "auth.token_revoked";
    /// <summary>The subject's sessions were ended by an administrator, the identity provider or a Shared Signals transmitter.</summary>
    public const string AuthSessionRevoked = "auth.session_revoked";
    /// <summary>A password or authentication factor was changed, reset, enrolled or removed (attribute <c>auth.change</c>).</summary>
    public const string AuthCredentialChange = "auth.credential_change";
    /// <summary>An account was created, locked, unlocked, disabled, enabled or deleted (attribute <c>auth.change</c>).</summary>
    public const string AuthAccountChange = "auth.account_change";
    /// <summary>An administrative change at the identity provider: a role granted or revoked, a policy, API token, application or identity provider changed.</summary>
    public const string AuthAdminChange = "auth.admin_change";
    /// <summary>The identity provider reported risk on the subject (attributes <c>idp.risk_level</c>, <c>idp.risk_events</c>).</summary>
    public const string AuthRisk = "auth.risk";
    /// <summary>The security context of a session changed: token claims, assurance level or device compliance (attribute <c>auth.change</c>).</summary>
    public const string AuthContextChange = "auth.context_change";
    /// <summary>Any other identity-provider event, kept with its vendor type in <c>idp.event_type</c>.</summary>
    public const string IdpEvent = "idp.event";
    /// <summary>An authenticated request to an application.</summary>
    public const string AccessRequest = "access.request";
    /// <summary>A read or write of classified data.</summary>
    public const string AccessData = "access.data";
    /// <summary>A Kubernetes API server audit event.</summary>
    public const string K8sAudit = "k8s.audit";
    /// <summary>A runtime security alert (Falco).</summary>
    public const string RuntimeAlert = "runtime.alert";
    /// <summary>
    /// A process started in a workload or on a node (Tetragon's <c>process_exec</c>): read by rules, never scored by itself,
    /// since most processes are the workload's own.
    /// </summary>
    public const string RuntimeProcess = "runtime.process";

    /// <summary>
    /// Kinds starting with this prefix are records the Verifier derives and appends to the event log itself, keyed by
    /// the principal they concern; Ingest refuses them from sources.
    /// </summary>
    public const string DerivedPrefix = "zt.";

    /// <summary>
    /// Derived: a workload runs as a service account (<c>workload</c> = the workload, <c>subject</c> = the service
    /// account). Keyed by the workload, so the partition that scores the workload's runtime alerts learns whose token it holds.
    /// </summary>
    public const string WorkloadBinding = "zt.workload_binding";

    /// <summary>
    /// Derived: a runtime alert on a workload taints the service account it runs as (<c>subject</c> = the service
    /// account, <c>workload</c> = the alerted workload). Keyed by the service account, so the partition that scores its
    /// token's use learns it.
    /// </summary>
    public const string RuntimeTaint = "zt.runtime_taint";

    /// <summary>Whether <paramref name="kind"/> is a record the Verifier derives rather than an observed access.</summary>
    public static bool IsDerived(string? kind) => kind is not null && kind.StartsWith(DerivedPrefix, StringComparison.Ordinal);

    /// <summary>The kinds above that sources send (every one but the derived), in the order they are declared.</summary>
    public static IReadOnlyList<string> Observed { get; } =
        typeof(EventKinds).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string) && f.Name != nameof(DerivedPrefix))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Where(k => !IsDerived(k))
            .ToArray();
}

/// <summary>What a source's scope can vouch for (<see cref="AccessEvent.SourceScope"/>).</summary>
public static class SourceScopes
{
    /// <summary>The event's subject is one the source may speak for.</summary>
    public const string Subject = "subject";
    /// <summary>The event's workload is one the source may speak for.</summary>
    public const string Workload = "workload";
}

/// <summary>Well-known outcomes.</summary>
public static class Outcomes
{
    /// <summary>The access was allowed and succeeded.</summary>
    public const string Success = "success";
    /// <summary>The access was refused (401/403).</summary>
    public const string Denied = "denied";
    /// <summary>The access failed for another reason.</summary>
    public const string Error = "error";
}

/// <summary>Schema versions of the contracts.</summary>
public static class SchemaVersions
{
    /// <summary>The version this build writes.</summary>
    public const int Current = 1;
}
