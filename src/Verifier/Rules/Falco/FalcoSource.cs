namespace ZtStream.Verifier.Rules.Falco;

/// <summary>
/// A Falco event source ZtStream evaluates: which events a rule of the source reads (and the object on
/// <see cref="AccessEvent.Raw"/> its fields extract from), which event kinds index it, and which plugin's fields it
/// may use. A rule never reads another source's events, so a field of one plugin never meets another's record.
/// </summary>
internal sealed class FalcoSource
{
    private readonly Func<RuleEvent, bool> accepts;

    private FalcoSource(string name, string? plugin, string fieldPrefix, string describes, IReadOnlyList<string> kinds, Func<RuleEvent, bool> accepts)
    {
        Name = name;
        Plugin = plugin;
        FieldPrefix = fieldPrefix;
        Describes = describes;
        Kinds = kinds;
        NameUtf8 = Encoding.UTF8.GetBytes(name);
        this.accepts = accepts;
    }

    /// <summary>Kubernetes audit events (kind <c>k8s.audit</c>), read through the k8saudit plugin's <c>ka.*</c> fields.</summary>
    public static FalcoSource K8sAudit { get; } = new(
        "k8s_audit", "k8saudit", "ka.", "Kubernetes audit events", [EventKinds.K8sAudit], e => e.Event.Kind == EventKinds.K8sAudit);

    /// <summary>Okta System Log events (<c>idp.name</c> okta), read through the okta plugin's <c>okta.*</c> fields.</summary>
    public static FalcoSource Okta { get; } = new(
        "okta", "okta", "okta.", "Okta System Log events", IdentityProviderEvents.Kinds, e => IdentityProviderEvents.IsFrom(e, "okta"));

    /// <summary>
    /// GCP Cloud Audit Logs entries (the <c>k8s.audit</c> events Ingest made from GKE's entries and the <c>access.request</c>
    /// events it made from other services', which keep the entry as <c>raw.logEntry</c>), read through the gcpaudit plugin's
    /// <c>gcp.*</c> fields.
    /// </summary>
    public static FalcoSource GcpAuditLog { get; } = new(
        "gcp_auditlog", "gcpaudit", "gcp.", "GCP Cloud Audit Logs entries", CloudAuditEntry.EntryKinds, CloudAuditEntry.Is)
    {
        EntryMember = CloudAuditEntry.EntryMember,
    };

    /// <summary>
    /// AWS CloudTrail records (the <c>access.request</c> events the <c>aws-cloudtrail</c> source made, which keep the record
    /// as their <c>raw</c>), read through the cloudtrail plugin's <c>ct.*</c>, <c>s3.*</c>, <c>ec2.*</c>, <c>ecr.*</c> and
    /// <c>iam.*</c> fields.
    /// </summary>
    public static FalcoSource AwsCloudTrail { get; } = new(
        "aws_cloudtrail", "cloudtrail", "ct.", "AWS CloudTrail records", CloudRecord.Kinds, CloudRecord.IsCloudTrail);

    /// <summary>
    /// System calls, as far as ZtStream sees them: the process execs Tetragon exported (<c>runtime.process</c> events, which
    /// keep the <c>process_exec</c> record as their <c>raw</c>), read through libsinsp's <c>proc.*</c>, <c>user.*</c>,
    /// <c>container.*</c>, <c>k8s.*</c> and <c>evt.*</c> fields with Falco's meaning (<see cref="FalcoFieldCatalog"/>).
    /// No plugin: these are Falco's own fields.
    /// </summary>
    public static FalcoSource Syscall { get; } = new(
        "syscall", null, "proc.", "Tetragon's process execs", [EventKinds.RuntimeProcess], IsProcessExec);

    public static IReadOnlyList<FalcoSource> All { get; } = [K8sAudit, Okta, GcpAuditLog, AwsCloudTrail, Syscall];

    /// <summary>
    /// The calls of Tetragon's TracingPolicies a syscall rule also reads, one source each (<see cref="FalcoSyscallCall"/>):
    /// each is a system call with its own <c>evt.type</c>, so a syscall rule compiles once for the exec and once for each,
    /// and a condition never true on one of them (an exec rule on a connect) is decided at load, as on the exec.
    /// </summary>
    public static IReadOnlyList<FalcoSource> SyscallCalls { get; } =
        [.. FalcoSyscallCall.All.SelectMany(c => c.Results.Select(r =>
            new FalcoSource("syscall", null, "proc.", c.Describes, [EventKinds.RuntimeAlert], e => c.Reads(e)) { Call = c, Result = r }))];

    /// <summary>For a syscall call source, the call it reads; null for an exec and every other source.</summary>
    public FalcoSyscallCall? Call { get; private init; }

    /// <summary>For a syscall call source, the result of the call it reads the rule with (<see cref="FalcoSyscallCall.Results"/>).</summary>
    public FalcoCallResult? Result { get; private init; }

    /// <summary>The source whose fields the rule may use: <see cref="Syscall"/> for a call source, else itself.</summary>
    public FalcoSource Family => Call is null ? this : Syscall;

    /// <summary>
    /// A path key that stands for the event member of a Tetragon export line, whichever it is (<c>process_exec</c>,
    /// <c>process_kprobe</c>, <c>process_lsm</c> …): the process fields read the exec's and a policy call's alike.
    /// </summary>
    public const string TetragonEventMember = "\u0000event";

    /// <summary>The member of a Tetragon export line that holds an exec, beside <c>node_name</c> and <c>time</c>.</summary>
    public const string ProcessExecMember = "process_exec";

    private static bool IsProcessExec(RuleEvent e) =>
        e.Event.Kind == EventKinds.RuntimeProcess && e.Raw is { ValueKind: JsonValueKind.Object } raw
        && raw.TryGetProperty(ProcessExecMember, out var exec) && exec.ValueKind == JsonValueKind.Object;

    /// <summary>
    /// The member of <see cref="AccessEvent.Raw"/> that holds the source's own record, when the record is not
    /// <c>Raw</c> itself: the json plugin's <c>json.value</c> and <c>json.obj</c> read the record the plugin would
    /// have been given. Every source's fields read from <c>Raw</c>, so one event's cached paths mean the same for all.
    /// </summary>
    public string? EntryMember { get; private init; }

    /// <summary>
    /// Where a json plugin pointer's keys are read in <c>Raw</c>. For a Cloud Audit Logs entry, Ingest keeps the request
    /// and response bodies beside the entry (<c>requestObject</c>, <c>responseObject</c>), so a pointer into
    /// <c>/protoPayload/request</c> or <c>/protoPayload/response</c> reads them there.
    /// </summary>
    public IReadOnlyList<string> Locate(IReadOnlyList<string> keys)
    {
        if (EntryMember is null)
        {
            return keys;
        }

        if (keys.Count >= 2 && keys[0] == "protoPayload" && keys[1] is "request" or "response")
        {
            return [keys[1] == "request" ? "requestObject" : "responseObject", .. keys.Skip(2)];
        }

        return [EntryMember, .. keys];
    }

    /// <summary>The source's name as rules write it (<c>source: okta</c>) and <c>evt.source</c> gives it.</summary>
    public string Name { get; }

    public byte[] NameUtf8 { get; }

    /// <summary>The falcosecurity plugin whose fields the source's rules use; null for <c>syscall</c>, whose fields are Falco's own.</summary>
    public string? Plugin { get; }

    /// <summary>"a k8saudit", "an okta": the plugin's name with its article, for messages; "a syscall" for the source without a plugin.</summary>
    public string APlugin => (Plugin ?? Name) is var what && "aeiou".Contains(what[0], StringComparison.Ordinal) ? "an " + what : "a " + what;

    /// <summary>"a k8saudit plugin field", "a syscall field": what one of the source's fields is, for messages.</summary>
    public string AField => Plugin is null ? APlugin + " field" : APlugin + " plugin field";

    /// <summary>The prefix of that plugin's fields (<c>ka.</c>, <c>okta.</c>).</summary>
    public string FieldPrefix { get; }

    /// <summary>What the source's events are, for messages.</summary>
    public string Describes { get; }

    /// <summary>The event kinds the source's rules are indexed under.</summary>
    public IReadOnlyList<string> Kinds { get; }

    /// <summary>The evaluated sources, for messages: "k8s_audit (Kubernetes audit events), okta (Okta System Log events)".</summary>
    public static string Listed { get; } = string.Join(", ", All.Select(s => $"{s.Name} ({s.Describes})"));

    public static FalcoSource? Find(string name) => All.FirstOrDefault(s => s.Name == name);

    /// <summary>The source's original object when <paramref name="e"/> is one of the source's events that kept it.</summary>
    public bool TryRead(RuleEvent e, out JsonElement raw)
    {
        if (e.Raw is { ValueKind: JsonValueKind.Object } r && accepts(e))
        {
            raw = r;
            return true;
        }

        raw = default;
        return false;
    }
}
