using System.IO.Compression;

namespace ZtStream.EndToEnd.Rules;

/// <summary>
/// Native audit events as a managed cluster's log pipeline delivers them, written from the vendors' documentation: AKS
/// diagnostic settings streamed to an event hub (Azure Monitor's <c>{"records":[…]}</c> of <c>kube-audit</c> records, the
/// event as the JSON text of <c>properties.log</c>), the same events as rows of the <c>AKSAudit</c> table answered by the
/// Log Analytics query API (every column a string, <c>dynamic</c> ones as JSON text, datetimes with seven fraction
/// digits), and EKS's control-plane log group through a CloudWatch Logs subscription (a gzip-compressed
/// <c>DATA_MESSAGE</c>, base64 in Amazon Data Firehose's HTTP endpoint delivery or in a Lambda's <c>awslogs.data</c>).
/// Each delivery is split into messages of its own sizes.
/// </summary>
internal static class ManagedClusterDeliveries
{
    private static readonly string[] TimeFields = ["stageTimestamp", "requestReceivedTimestamp", "timestamp"];

    /// <summary>The AKS cluster's resource id, as Azure Monitor writes it (upper case).</summary>
    public static string AksResourceId(string cluster) =>
        $"/SUBSCRIPTIONS/6F1D2C3B-0A4E-4B7C-9D1E-2F3A4B5C6D7E/RESOURCEGROUPS/RG-{cluster}/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/{cluster}".ToUpperInvariant();

    /// <summary>Event Hubs message bodies of diagnostic-settings records, category <c>kube-audit</c>.</summary>
    public static List<string> AksDiagnosticRecords(IReadOnlyList<JsonObject> events, string cluster, Random random) =>
        [.. Chunks(events, random, 50).Select(chunk => new JsonObject
        {
            ["records"] = new JsonArray([.. chunk.Select(e => (JsonNode)new JsonObject
            {
                ["time"] = Time(e).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
                ["resourceId"] = AksResourceId(cluster),
                ["category"] = "kube-audit",
                ["operationName"] = "Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",
                ["properties"] = new JsonObject { ["log"] = e.ToJsonString(), ["stream"] = "stdout", ["pod"] = "kube-apiserver-6d9f8b7c5-x2k4q" },
            })]),
        }.ToJsonString())];

    /// <summary>
    /// The Log Analytics query API's answers to <c>AKSAudit | where TimeGenerated &gt; ago(5m)</c>: one table, its columns
    /// named and typed, each row an event, a <c>dynamic</c> column as JSON text, a column the event lacks empty.
    /// </summary>
    public static List<string> AksQueryAnswers(IReadOnlyList<JsonObject> events, string cluster, Random random)
    {
        (string Column, string Type, Func<JsonObject, string> Value)[] columns =
        [
            ("TenantId", "string", _ => "0d5f7c1e-4b2a-4e8f-9c3d-7a6b5c4d3e2f"),
            ("TimeGenerated", "datetime", e => Kusto(Time(e))),
            ("Level", "string", e => Text(e, "level")),
            ("AuditId", "string", e => Text(e, "auditID")),
            ("Stage", "string", e => Text(e, "stage")),
            ("RequestUri", "string", e => Text(e, "requestURI")),
            ("Verb", "string", e => Text(e, "verb")),
            ("User", "dynamic", e => Dynamic(e, "user")),
            ("ImpersonatedUser", "dynamic", e => Dynamic(e, "impersonatedUser")),
            ("SourceIps", "dynamic", e => Dynamic(e, "sourceIPs")),
            ("UserAgent", "string", e => Text(e, "userAgent")),
            ("ObjectRef", "dynamic", e => Dynamic(e, "objectRef")),
            ("ResponseStatus", "dynamic", e => Dynamic(e, "responseStatus")),
            ("RequestObject", "dynamic", e => Dynamic(e, "requestObject")),
            ("ResponseObject", "dynamic", e => Dynamic(e, "responseObject")),
            ("RequestReceivedTime", "datetime", e => e["requestReceivedTimestamp"] is null ? "" : Kusto(Time(e, "requestReceivedTimestamp"))),
            ("StageReceivedTime", "datetime", e => e["stageTimestamp"] is null ? "" : Kusto(Time(e, "stageTimestamp"))),
            ("Annotations", "dynamic", e => Dynamic(e, "annotations")),
            ("PodName", "string", _ => "kube-apiserver-6d9f8b7c5-x2k4q"),
            ("SourceSystem", "string", _ => "Azure"),
            ("Type", "string", _ => "AKSAudit"),
            ("_ResourceId", "string", _ => AksResourceId(cluster).ToLowerInvariant()),
        ];
        return [.. Chunks(events, random, 80).Select(chunk => new JsonObject
        {
            ["tables"] = new JsonArray(new JsonObject
            {
                ["name"] = "PrimaryResult",
                ["columns"] = new JsonArray([.. columns.Select(c => (JsonNode)new JsonObject { ["name"] = c.Column, ["type"] = c.Type })]),
                ["rows"] = new JsonArray([.. chunk.Select(e => (JsonNode)new JsonArray([.. columns.Select(c => (JsonNode?)JsonValue.Create(c.Value(e)))]))]),
            }),
        }.ToJsonString())];
    }

    /// <summary>
    /// Amazon Data Firehose's HTTP endpoint deliveries of the log group <c>/aws/eks/CLUSTER/cluster</c>'s audit stream, as
    /// its CloudWatch Logs subscription writes them (each record one gzip-compressed <c>DATA_MESSAGE</c>, base64): the
    /// request id of each, and its body.
    /// </summary>
    public static List<(string RequestId, string Body)> EksFirehose(IReadOnlyList<JsonObject> events, string cluster, Random random) =>
        [.. Chunks(events, random, 120).Select(chunk =>
        {
            var requestId = Guid.NewGuid().ToString();
            var records = Chunks(chunk, random, 20).Select(part => (JsonNode)new JsonObject { ["data"] = Convert.ToBase64String(Gzip(DataMessage(part, cluster, random))) });
            return (requestId, new JsonObject
            {
                ["requestId"] = requestId,
                ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                ["records"] = new JsonArray([.. records]),
            }.ToJsonString());
        })];

    /// <summary>What a Lambda subscribed to the log group receives, posted unchanged: <c>{"awslogs":{"data":…}}</c>.</summary>
    public static List<string> EksLambda(IReadOnlyList<JsonObject> events, string cluster, Random random) =>
        [.. Chunks(events, random, 40).Select(chunk => new JsonObject
        {
            ["awslogs"] = new JsonObject { ["data"] = Convert.ToBase64String(Gzip(DataMessage(chunk, cluster, random))) },
        }.ToJsonString())];

    private static string DataMessage(IReadOnlyList<JsonObject> events, string cluster, Random random) => new JsonObject
    {
        ["messageType"] = "DATA_MESSAGE",
        ["owner"] = "123456789012",
        ["logGroup"] = $"/aws/eks/{cluster}/cluster",
        ["logStream"] = "kube-apiserver-audit-" + Convert.ToHexStringLower(BitConverter.GetBytes(random.NextInt64())),
        ["subscriptionFilters"] = new JsonArray("ztstream-audit"),
        ["logEvents"] = new JsonArray([.. events.Select(e => (JsonNode)new JsonObject
        {
            ["id"] = random.NextInt64(1, long.MaxValue).ToString(CultureInfo.InvariantCulture) + random.NextInt64(1, long.MaxValue).ToString(CultureInfo.InvariantCulture),
            ["timestamp"] = Time(e).ToUnixTimeMilliseconds(),
            ["message"] = e.ToJsonString(),
        })]),
    }.ToJsonString();

    private static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return buffer.ToArray();
    }

    private static List<List<JsonObject>> Chunks(IReadOnlyList<JsonObject> events, Random random, int max)
    {
        var chunks = new List<List<JsonObject>>();
        for (var at = 0; at < events.Count;)
        {
            var n = Math.Min(random.Next(1, max + 1), events.Count - at);
            chunks.Add([.. events.Skip(at).Take(n)]);
            at += n;
        }

        return chunks;
    }

    /// <summary>The event's own time; for an event that has none, the time its cloud's pipeline took it in: now.</summary>
    private static DateTimeOffset Time(JsonObject e, params string[] fields) =>
        (fields.Length == 0 ? TimeFields : fields).Select(f => e[f]?.GetValue<string>()).FirstOrDefault(t => t is not null) is { } t
            ? DateTimeOffset.Parse(t, CultureInfo.InvariantCulture)
            : DateTimeOffset.UtcNow;

    private static string Kusto(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static string Text(JsonObject e, string member) => e[member]?.GetValue<string>() ?? "";

    private static string Dynamic(JsonObject e, string member) => e[member] is { } value ? value.ToJsonString() : "";
}
