namespace ZtStream.Ingest.Sources.K8sAudit;

/// <summary>
/// AKS's audit log as a Log Analytics workspace holds it when the diagnostic setting sends in <em>resource-specific</em>
/// mode: one row per audit event in the <c>AKSAudit</c> (every request) or <c>AKSAuditAdmin</c> (no get or list) table,
/// each field of the event in a column of its own (<c>AuditId</c>, <c>Verb</c>, <c>User</c>, <c>ObjectRef</c> …). A row is
/// rewritten as the <c>audit.k8s.io/v1</c> <c>Event</c> it was split from, so it is mapped, and matched by the rules, as the
/// webhook's. Column names are matched without regard to case (exports and projections differ); the <c>dynamic</c>
/// columns may arrive as JSON or, as the query API and most exports write them, as JSON text.
/// </summary>
internal static class AksAuditTable
{
    public const string AuditTables = "AKSAudit or AKSAuditAdmin";

    /// <summary>What AKS writes in RequestObject / ResponseObject in place of a body too big to keep.</summary>
    private const string SkippedTooBig = "skipped-too-big-size-object";

    /// <summary>Native member ← column: strings.</summary>
    private static readonly (string Native, string Column)[] Strings =
    [
        ("level", "Level"),
        ("auditID", "AuditId"),
        ("stage", "Stage"),
        ("requestURI", "RequestUri"),
        ("verb", "Verb"),
        ("userAgent", "UserAgent"),
        ("requestReceivedTimestamp", "RequestReceivedTime"),
        ("stageTimestamp", "StageReceivedTime"),
    ];

    /// <summary>Native member ← column: Kusto's <c>dynamic</c> (objects and arrays, or their JSON text).</summary>
    private static readonly (string Native, string Column)[] Dynamics =
    [
        ("user", "User"),
        ("impersonatedUser", "ImpersonatedUser"),
        ("sourceIPs", "SourceIps"),
        ("objectRef", "ObjectRef"),
        ("responseStatus", "ResponseStatus"),
        ("requestObject", "RequestObject"),
        ("responseObject", "ResponseObject"),
        ("annotations", "Annotations"),
    ];

    private static readonly (string Native, string Column)[] AllColumns = [.. Strings, .. Dynamics];

    /// <summary>
    /// Whether <paramref name="o"/> is shaped as a Log Analytics row rather than an audit event or another envelope: it
    /// has the columns every table has (<c>TimeGenerated</c>, <c>Type</c>) or the audit tables' own <c>AuditId</c>.
    /// </summary>
    public static bool IsRow(JsonElement o) =>
        o.ValueKind == JsonValueKind.Object && o.Child("kind") is null
        && (o.Child("TimeGenerated") is not null || o.Child("Type") is { ValueKind: JsonValueKind.String } || o.Child("AuditId") is not null);

    /// <summary>A row given as an object: its columns by name, without regard to case.</summary>
    public static Dictionary<string, JsonElement> Columns(JsonElement row)
    {
        var columns = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
        foreach (var member in row.EnumerateObject())
        {
            columns.TryAdd(member.Name, member.Value);
        }

        return columns;
    }

    /// <summary>The native event standing for <paramref name="row"/>, or null and the column and reason it cannot be one.</summary>
    public static JsonDocument? ToAuditEvent(IReadOnlyDictionary<string, JsonElement> row, out string field, out string error)
    {
        (field, error) = (string.Empty, string.Empty);
        if (Text(row, "Type") is { } table && !table.Equals("AKSAudit", StringComparison.OrdinalIgnoreCase) && !table.Equals("AKSAuditAdmin", StringComparison.OrdinalIgnoreCase))
        {
            (field, error) = ("Type", $"a row of the table \"{ItemError.Clip(table, 80)}\" is not a Kubernetes audit event: send only the {AuditTables} tables");
            return null;
        }

        var parsed = new List<JsonDocument>();
        try
        {
            var buffer = new ArrayBufferWriter<byte>(1024);
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("kind", "Event");
                w.WriteString("apiVersion", "audit.k8s.io/v1");
                foreach (var (native, column) in Strings)
                {
                    if (row.TryGetValue(column, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
                    {
                        if (value.ValueKind != JsonValueKind.String)
                        {
                            (field, error) = (column, $"expected a string, got {JsonFields.Describe(value)}");
                            return null;
                        }

                        if (value.GetString()!.Length > 0)
                        {
                            w.WritePropertyName(native);
                            value.WriteTo(w);
                        }
                    }
                }

                if (Text(row, "StageReceivedTime") is null && Text(row, "RequestReceivedTime") is null && Text(row, "TimeGenerated") is { Length: > 0 } generated)
                {
                    // A projection without the event's own times: the time the workspace gives the row is the nearest.
                    w.WriteString("stageTimestamp", generated);
                }

                foreach (var (native, column) in Dynamics)
                {
                    if (!row.TryGetValue(column, out var value))
                    {
                        continue;
                    }

                    if (!TryDynamic(value, parsed, out var dynamic, out var problem))
                    {
                        if (problem is not null)
                        {
                            (field, error) = (column, problem);
                            return null;
                        }

                        continue;
                    }

                    if (dynamic is { ValueKind: JsonValueKind.String } text && text.GetString() == SkippedTooBig && native is "requestObject" or "responseObject")
                    {
                        // AKS kept no body: leave it out, as the API server does at a level that keeps none.
                        continue;
                    }

                    w.WritePropertyName(native);
                    dynamic!.Value.WriteTo(w);
                }

                w.WriteEndObject();
            }

            return JsonDocument.Parse(buffer.WrittenMemory);
        }
        finally
        {
            foreach (var document in parsed)
            {
                document.Dispose();
            }
        }
    }

    /// <summary>The column an error about the native field <paramref name="field"/> is about.</summary>
    public static string SourceField(string field)
    {
        if (field == "kind")
        {
            return "Type";
        }

        var dot = field.IndexOf('.', StringComparison.Ordinal);
        var head = dot < 0 ? field : field[..dot];
        foreach (var (native, column) in AllColumns)
        {
            if (native == head)
            {
                return dot < 0 ? column : column + field[dot..];
            }
        }

        return field;
    }

    /// <summary>What the row says beyond the event: the cluster (from <c>_ResourceId</c>) and the table.</summary>
    public static KeyValuePair<string, string>[] Attributes(IReadOnlyDictionary<string, JsonElement> row, Func<string?, string?> clusterOfResourceId)
    {
        var list = new List<KeyValuePair<string, string>>(2);
        if (clusterOfResourceId(Text(row, "_ResourceId")) is { } cluster)
        {
            list.Add(new(K8sAuditMapper.ClusterAttribute, cluster));
        }

        if (Text(row, "Type") is { } table)
        {
            list.Add(new("azure.table", table));
        }

        return [.. list];
    }

    /// <summary>
    /// A <c>dynamic</c> value: JSON as it is, or JSON text parsed (the query API and exports write dynamics as strings).
    /// Null or empty is no value. A string that is not JSON is the value itself only where a string is what the column
    /// holds (the bodies AKS did not keep); elsewhere it is an error.
    /// </summary>
    private static bool TryDynamic(JsonElement value, List<JsonDocument> parsed, out JsonElement? dynamic, out string? problem)
    {
        (dynamic, problem) = (null, null);
        switch (value.ValueKind)
        {
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return false;
            case JsonValueKind.String:
                var text = value.GetString()!;
                if (text.Length == 0)
                {
                    return false;
                }

                if (text == SkippedTooBig)
                {
                    dynamic = value;
                    return true;
                }

                if (!JsonPayload.TryParseText(text, out var document, out var notJson))
                {
                    problem = $"a dynamic column holds JSON (as JSON, or as its text), and this text is not JSON: {notJson}";
                    return false;
                }

                parsed.Add(document);
                dynamic = document.RootElement;
                return true;
            default:
                dynamic = value;
                return true;
        }
    }

    private static string? Text(IReadOnlyDictionary<string, JsonElement> row, string column) =>
        row.TryGetValue(column, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
