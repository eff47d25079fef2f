namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>
/// True for an event Ingest made from a GCP Cloud Audit Logs entry — a <c>k8s.audit</c> event from GKE's, an
/// <c>access.request</c> from any other service's (IAM, KMS, Storage, Logging …): it carries the method the entry named
/// (<c>gcp.method_name</c>) and the entry itself (<c>raw.logEntry</c>). A webhook's native event, an application's request
/// and an identity provider's record carry neither, so a <c>gcp.audit</c> rule — even one whose condition is
/// <c>not selection</c> — never matches them.
/// </summary>
internal sealed class CloudAuditEntry : Node
{
    public const string MethodAttribute = "gcp.method_name";
    public const string EntryMember = "logEntry";

    public static readonly CloudAuditEntry Instance = new();

    /// <summary>The kinds Ingest makes of Cloud Audit Logs entries: GKE's, and every other service's.</summary>
    public static readonly IReadOnlyList<string> EntryKinds = [EventKinds.K8sAudit, EventKinds.AccessRequest];

    private static readonly HashSet<string> Kinds = new(EntryKinds, StringComparer.Ordinal);

    public override bool Eval(RuleEvent e, MatchTrace? trace) => Is(e);

    /// <summary>Whether <paramref name="e"/> is an event made from a Cloud Audit Logs entry (Falco's <c>gcp_auditlog</c> source reads these too).</summary>
    public static bool Is(RuleEvent e) =>
        e.Raw is { ValueKind: JsonValueKind.Object } raw
        && e.Event.Kind is EventKinds.K8sAudit or EventKinds.AccessRequest
        && raw.TryGetProperty(EntryMember, out var entry)
        && entry.ValueKind == JsonValueKind.Object
        && e.Event.Attributes is { } attributes
        && attributes.TryGetValue(MethodAttribute, out var method)
        && method.ValueKind == JsonValueKind.String;

    public override IReadOnlySet<string>? RequiredKinds() => Kinds;
}
