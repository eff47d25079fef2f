using System.IO.Compression;
using ZtStream.TestSupport.Metamorphic;

namespace ZtStream.EndToEnd.Rules;

/// <summary>
/// Native audit events as a managed cluster's log pipeline delivers them, written from the vendors' documentation: AKS
/// diagnostic settings streamed to an event hub (Azure Monitor's <c>{"records":[…]}</c> of <c>kube-audit</c> records, the
/// event as the JSON text of <c>properties.log</c>), the same events as rows of the <c>AKSAudit</c> table answered by the
/// Log Analytics query API (every column a string, <c>dynamic</c> ones as JSON text, datetimes with seven fraction
/// digits), and EKS's control-plane log group through a CloudWatch Logs subscription (a gzip-compressed
/// <c>DATA_MESSAGE</c>, base64 in Amazon Data Firehose's HTTP endpoint delivery or in a Lambda's <c>awslogs.data</c>),
/// and GKE's Cloud Audit Logs entries (<see cref="GkeEntries"/>), read back from a sink's export or pushed by Pub/Sub.
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
        [.. JsonMetamorphs.Split(events, random, 50).Select(chunk => new JsonObject
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
        return [.. JsonMetamorphs.Split(events, random, 80).Select(chunk => new JsonObject
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
        [.. JsonMetamorphs.Split(events, random, 120).Select(chunk =>
        {
            var requestId = Guid.NewGuid().ToString();
            var records = JsonMetamorphs.Split(chunk, random, 20).Select(part => (JsonNode)new JsonObject { ["data"] = Convert.ToBase64String(Gzip(DataMessage(part, cluster, random))) });
            return (requestId, new JsonObject
            {
                ["requestId"] = requestId,
                ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                ["records"] = new JsonArray([.. records]),
            }.ToJsonString());
        })];

    /// <summary>What a Lambda subscribed to the log group receives, posted unchanged: <c>{"awslogs":{"data":…}}</c>.</summary>
    public static List<string> EksLambda(IReadOnlyList<JsonObject> events, string cluster, Random random) =>
        [.. JsonMetamorphs.Split(events, random, 40).Select(chunk => new JsonObject
        {
            ["awslogs"] = new JsonObject { ["data"] = Convert.ToBase64String(Gzip(DataMessage(chunk, cluster, random))) },
        }.ToJsonString())];

    /// <summary>The Google Cloud project the GKE clusters run in.</summary>
    public const string GkeProject = "shop-prod-4711";

    /// <summary>
    /// Each event as GKE's Cloud Audit Logs hold it (Google's "GKE audit logging information" and "Understand audit
    /// logs"): a <c>LogEntry</c> of the <c>k8s_cluster</c> resource whose <c>protoPayload</c> is a
    /// <c>google.cloud.audit.AuditLog</c> of the service <c>k8s.io</c>. Writes in the Admin Activity log, reads (<c>get</c>,
    /// <c>list</c>, <c>watch</c>) in Data Access; the method and the IAM permission checked are
    /// <c>io.k8s.GROUP.VERSION.RESOURCE[.SUBRESOURCE].VERB</c> (the API group in reverse-DNS order, <c>core</c> for the
    /// core group: <c>io.k8s.authorization.rbac.v1.clusterrolebindings.create</c>), the resource
    /// <c>GROUP/VERSION/namespaces/NS/RESOURCE/NAME[/SUBRESOURCE]</c>, the caller's first address and user agent in
    /// <c>requestMetadata</c>, the answer a <c>google.rpc.Status</c> (empty on success), the authorizer's annotations as
    /// the entry's <c>labels</c>, the request and response bodies with their proto <c>@type</c>, and the API server's audit
    /// id as <c>operation.id</c> (<c>first</c>/<c>last</c> telling a long request's start from its end). Nothing of the
    /// user but the name (no groups, uid or <c>extra</c>), nor whom they impersonated.
    /// </summary>
    public static List<JsonObject> GkeEntries(IReadOnlyList<JsonObject> events, string cluster, Random random)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var entries = new List<JsonObject>(events.Count);
        foreach (var e in events)
        {
            var auditId = Text(e, "auditID");
            var o = e["objectRef"] as JsonObject;
            var verb = Text(e, "verb");
            var code = e["responseStatus"]?["code"]?.GetValue<int>() ?? 200;
            var group = o?["apiGroup"]?.GetValue<string>() is { Length: > 0 } g ? g : null;
            var resourceName = o is null
                ? Text(e, "requestURI").Split('?')[0].TrimStart('/')
                : string.Join('/', new[]
                {
                    group ?? "core", o["apiVersion"]?.GetValue<string>() ?? "v1",
                    // A namespace is itself at namespaces/NAME: the API server's objectRef gives it its own name as namespace.
                    o["namespace"] is null || o["resource"]?.GetValue<string>() == "namespaces" ? null : "namespaces/" + o["namespace"]!.GetValue<string>(),
                    o["resource"]?.GetValue<string>(), o["name"]?.GetValue<string>(), o["subresource"]?.GetValue<string>(),
                }.Where(p => p is { Length: > 0 }));
            var method = o is null
                ? "io.k8s." + verb
                : string.Join('.', new[]
                {
                    ReverseDns(group is null ? "core.k8s.io" : group.Contains('.', StringComparison.Ordinal) ? group : group + ".k8s.io"),
                    o["apiVersion"]?.GetValue<string>() ?? "v1", o["resource"]?.GetValue<string>(), o["subresource"]?.GetValue<string>(), verb,
                }.Where(p => p is { Length: > 0 }));
            var annotations = e["annotations"] as JsonObject;
            var granted = code != 403 && annotations?["authorization.k8s.io/decision"]?.GetValue<string>() != "forbid";
            var permission = new JsonObject { ["permission"] = method, ["resource"] = resourceName };
            if (granted)
            {
                // proto3's JSON leaves a false bool out.
                permission["granted"] = true;
            }

            var payload = new JsonObject
            {
                ["@type"] = "type.googleapis.com/google.cloud.audit.AuditLog",
                ["authenticationInfo"] = e["user"]?["username"] is { } user ? new JsonObject { ["principalEmail"] = user.GetValue<string>() } : new JsonObject(),
                ["authorizationInfo"] = new JsonArray(permission),
                ["methodName"] = method,
                ["requestMetadata"] = Metadata(e),
                ["resourceName"] = resourceName,
                ["serviceName"] = "k8s.io",
                ["status"] = RpcStatus(code, e["responseStatus"]?["message"]?.GetValue<string>()),
            };
            if (Typed(e["requestObject"]) is { } request)
            {
                payload["request"] = request;
            }

            if (Typed(e["responseObject"]) is { } response)
            {
                payload["response"] = response;
            }

            var time = Time(e);
            var entry = new JsonObject
            {
                ["protoPayload"] = payload,
                ["insertId"] = Convert.ToHexStringLower(BitConverter.GetBytes(random.NextInt64())),
                ["resource"] = new JsonObject
                {
                    ["type"] = "k8s_cluster",
                    ["labels"] = new JsonObject { ["project_id"] = GkeProject, ["location"] = "europe-west1", ["cluster_name"] = cluster },
                },
                ["timestamp"] = time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
                ["severity"] = code >= 400 ? "WARNING" : verb is "get" or "list" or "watch" ? "INFO" : "NOTICE",
                ["logName"] = $"projects/{GkeProject}/logs/cloudaudit.googleapis.com%2F{(verb is "get" or "list" or "watch" ? "data_access" : "activity")}",
                ["operation"] = new JsonObject
                {
                    ["id"] = auditId,
                    ["producer"] = "k8s.io",
                    ["first"] = seen.Add(auditId),
                    ["last"] = Text(e, "stage") == "ResponseComplete",
                },
                // Cloud Logging writes nanoseconds.
                ["receiveTimestamp"] = time.AddMilliseconds(random.Next(200, 3000)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture)
                    + random.Next(100).ToString("00", CultureInfo.InvariantCulture) + "Z",
            };
            if (annotations is { Count: > 0 })
            {
                entry["labels"] = annotations.DeepClone();
            }

            entries.Add(entry);
        }

        return entries;
    }

    /// <summary>
    /// The entries as a sink's export is read back: <c>gcloud logging read --format=json</c>'s indented arrays, or one
    /// entry a line.
    /// </summary>
    public static List<string> GkeLoggingExport(IReadOnlyList<JsonObject> entries, Random random) =>
        [.. JsonMetamorphs.Split(entries, random, 60).Select(chunk => random.Next(2) == 0
            ? new JsonArray([.. chunk.Select(e => (JsonNode)e.DeepClone())]).ToJsonString(Indented)
            : string.Join('\n', chunk.Select(e => e.ToJsonString())))];

    /// <summary>
    /// Pub/Sub's push deliveries of a log sink's topic, one entry a message: the entry as base64 <c>message.data</c>,
    /// Cloud Logging's timestamp attribute, the message id and publish time (in both spellings Pub/Sub writes), and the
    /// subscription.
    /// </summary>
    public static List<string> GkePubSubPushes(IReadOnlyList<JsonObject> entries, Random random) =>
        [.. entries.Select(entry =>
        {
            var id = random.NextInt64(1_000_000_000_000_000, 9_999_999_999_999_999).ToString(CultureInfo.InvariantCulture);
            var published = DateTimeOffset.Parse(entry["receiveTimestamp"]!.GetValue<string>(), CultureInfo.InvariantCulture).AddMilliseconds(random.Next(50, 900))
                .UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            return new JsonObject
            {
                ["message"] = new JsonObject
                {
                    ["attributes"] = new JsonObject { ["logging.googleapis.com/timestamp"] = entry["timestamp"]!.DeepClone() },
                    ["data"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(entry.ToJsonString())),
                    ["messageId"] = id,
                    ["message_id"] = id,
                    ["publishTime"] = published,
                    ["publish_time"] = published,
                },
                ["subscription"] = $"projects/{GkeProject}/subscriptions/ztstream-k8s-audit",
            }.ToJsonString();
        })];

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

    /// <summary>The event's own time; for an event that has none, the time its cloud's pipeline took it in: now.</summary>
    private static DateTimeOffset Time(JsonObject e, params string[] fields) =>
        (fields.Length == 0 ? TimeFields : fields).Select(f => e[f]?.GetValue<string>()).FirstOrDefault(t => t is not null) is { } t
            ? DateTimeOffset.Parse(t, CultureInfo.InvariantCulture)
            : DateTimeOffset.UtcNow;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary><c>rbac.authorization.k8s.io</c> → <c>io.k8s.authorization.rbac</c>.</summary>
    private static string ReverseDns(string name) => string.Join('.', name.Split('.').Reverse());

    private static JsonObject Metadata(JsonObject e)
    {
        var metadata = new JsonObject();
        if (e["sourceIPs"] is JsonArray { Count: > 0 } ips)
        {
            metadata["callerIp"] = ips[0]!.GetValue<string>();
        }

        if (e["userAgent"] is { } agent)
        {
            metadata["callerSuppliedUserAgent"] = agent.GetValue<string>();
        }

        return metadata;
    }

    /// <summary>The HTTP status as the <c>google.rpc.Code</c> of code.proto's HTTP mapping; an empty status on success.</summary>
    private static JsonObject RpcStatus(int http, string? message)
    {
        var code = http switch
        {
            < 400 => 0,
            400 or 422 => 3,
            401 => 16,
            403 => 7,
            404 => 5,
            409 => 6,
            429 => 8,
            499 => 1,
            501 => 12,
            503 => 14,
            504 => 4,
            _ => 13,
        };
        return code == 0 ? [] : new JsonObject { ["code"] = code, ["message"] = message ?? "" };
    }

    /// <summary>A Kubernetes object as the AuditLog's request or response: with its proto type, <c>core.k8s.io/v1.Pod</c>.</summary>
    private static JsonObject? Typed(JsonNode? body)
    {
        if (body is not JsonObject o)
        {
            return null;
        }

        var typed = new JsonObject();
        if (o["kind"]?.GetValue<string>() is { } kind && o["apiVersion"]?.GetValue<string>() is { } apiVersion)
        {
            var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
            var group = slash < 0 ? "core" : apiVersion[..slash];
            typed["@type"] = $"{(group.Contains('.', StringComparison.Ordinal) ? group : group + ".k8s.io")}/{apiVersion[(slash + 1)..]}.{kind}";
        }

        foreach (var (name, value) in o)
        {
            typed[name] = value?.DeepClone();
        }

        return typed;
    }

    private static string Kusto(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static string Text(JsonObject e, string member) => e[member]?.GetValue<string>() ?? "";

    private static string Dynamic(JsonObject e, string member) => e[member] is { } value ? value.ToJsonString() : "";
}
