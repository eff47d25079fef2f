namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>
/// True for an <c>access.request</c> Ingest mapped from one cloud's audit record that still carries that record on
/// <c>raw</c>: a CloudTrail record (<see cref="IsCloudTrail"/>) or an Activity Log record (the mapper's
/// <c>azure.operation_name</c> beside it). An application's request, another cloud's record or an identity provider's
/// is neither, so a rule of the logsource — even one whose condition is <c>not selection</c> — never matches them.
/// Falco's <c>aws_cloudtrail</c> source reads the events <see cref="IsCloudTrail"/> admits too.
/// </summary>
internal sealed class CloudRecord(Func<RuleEvent, bool> carries) : Node
{
    public static readonly CloudRecord CloudTrail = new(IsCloudTrail);

    public static readonly CloudRecord AzureActivity = new(e => Carries(e, out var attributes, out _) && IsText(attributes, "azure.operation_name"));

    /// <summary>The kind both mappers make of every record: its caller's request.</summary>
    public static readonly IReadOnlyList<string> Kinds = [EventKinds.AccessRequest];

    private static readonly HashSet<string> KindSet = new(Kinds, StringComparer.Ordinal);

    private static readonly IReadOnlyDictionary<string, JsonElement> NoAttributes = new Dictionary<string, JsonElement>();

    public override bool Eval(RuleEvent e, MatchTrace? trace) => carries(e);

    public override IReadOnlySet<string>? RequiredKinds() => KindSet;

    /// <summary>
    /// Whether <paramref name="e"/> is an event the <c>aws-cloudtrail</c> source made of a CloudTrail record: an
    /// <c>access.request</c> with the service and call on <c>attributes["aws.event_source"]</c> and
    /// <c>["aws.event_name"]</c> that its raw record names too (the mapper keeps both through any trimming).
    /// </summary>
    public static bool IsCloudTrail(RuleEvent e) =>
        Carries(e, out var attributes, out var raw)
        && Same(attributes, "aws.event_source", raw, "eventSource"u8)
        && Same(attributes, "aws.event_name", raw, "eventName"u8);

    private static bool Carries(RuleEvent e, out IReadOnlyDictionary<string, JsonElement> attributes, out JsonElement raw)
    {
        if (e.Event.Kind == EventKinds.AccessRequest && e.Raw is { ValueKind: JsonValueKind.Object } record && e.Event.Attributes is { } given)
        {
            (attributes, raw) = (given, record);
            return true;
        }

        (attributes, raw) = (NoAttributes, default);
        return false;
    }

    private static bool IsText(IReadOnlyDictionary<string, JsonElement> attributes, string attribute) =>
        attributes.TryGetValue(attribute, out var value) && value.ValueKind == JsonValueKind.String;

    private static bool Same(IReadOnlyDictionary<string, JsonElement> attributes, string attribute, JsonElement raw, ReadOnlySpan<byte> member) =>
        attributes.TryGetValue(attribute, out var a) && a.ValueKind == JsonValueKind.String
        && raw.TryGetProperty(member, out var m) && m.ValueKind == JsonValueKind.String && m.ValueEquals(a.GetString());
}
