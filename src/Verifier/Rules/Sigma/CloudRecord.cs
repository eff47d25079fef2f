namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>
/// True for an <c>access.request</c> Ingest mapped from one cloud's audit record that still carries that record: the
/// mapper sets <paramref name="marker"/> on every event it makes of one (<c>aws.event_source</c> for a CloudTrail record,
/// <c>azure.operation_name</c> for an Activity Log record) and keeps the record on <c>raw</c>. An application's request,
/// another cloud's record or an identity provider's carries neither, so a rule of the logsource — even one whose
/// condition is <c>not selection</c> — never matches them.
/// </summary>
internal sealed class CloudRecord(string marker) : Node
{
    /// <summary>The attribute the CloudTrail mapper sets on each record's event: the record's <c>eventSource</c>.</summary>
    public static readonly CloudRecord CloudTrail = new("aws.event_source");

    /// <summary>The attribute the Activity Log mapper sets on each record's event: its operation, upper case.</summary>
    public static readonly CloudRecord AzureActivity = new("azure.operation_name");

    /// <summary>The kind both mappers make of every record: its caller's request.</summary>
    public static readonly IReadOnlyList<string> Kinds = [EventKinds.AccessRequest];

    private static readonly HashSet<string> KindSet = new(Kinds, StringComparer.Ordinal);

    public override bool Eval(RuleEvent e, MatchTrace? trace) =>
        e.Event.Kind == EventKinds.AccessRequest
        && e.Raw is { ValueKind: JsonValueKind.Object }
        && e.Event.Attributes is { } attributes
        && attributes.TryGetValue(marker, out var value)
        && value.ValueKind == JsonValueKind.String;

    public override IReadOnlySet<string>? RequiredKinds() => KindSet;
}
