namespace ZtStream.Ingest.Sources.K8sAudit;

/// <summary>
/// GKE's Kubernetes audit log as Cloud Logging holds it: a <c>LogEntry</c> whose <c>protoPayload</c> is a
/// <c>google.cloud.audit.AuditLog</c> of the service <c>k8s.io</c>. It is rewritten as the <c>audit.k8s.io/v1</c>
/// <c>Event</c> the API server would have written, so one mapper serves every cluster and the rules, which read the
/// native paths (<c>verb</c>, <c>objectRef.resource</c>, <c>user.username</c>, <c>requestObject…</c>), match GKE's events
/// too. What the entry holds beyond that is kept beside it, as <c>logEntry</c> (the request and response bodies only once,
/// as <c>requestObject</c>/<c>responseObject</c>).
/// </summary>
internal static class GkeAuditLog
{
    public const string AuditLogType = "type.googleapis.com/google.cloud.audit.AuditLog";
    public const string KubernetesService = "k8s.io";

    private const string Decision = "authorization.k8s.io/decision";

    /// <summary>
    /// What GKE's method is for a request for no object (<c>/livez</c>, <c>/metrics</c>, <c>/openapi/v2</c>, discovery):
    /// <c>io.k8s.get</c>, with no group, version or resource, its path (without the leading slash) as <c>resourceName</c>.
    /// </summary>
    private const string NonResourceMethod = "io.k8s";

    /// <summary>
    /// Whether <paramref name="method"/> is a method of GKE's Kubernetes API (<c>io.k8s.core.v1.pods.create</c>,
    /// <c>io.k8s.get</c>): no other service's methods are named so, so an entry without <c>serviceName</c> (an export that
    /// kept only some fields, a hand-made record) is still read as the Kubernetes request it records.
    /// </summary>
    public static bool IsKubernetesMethod(string? method) => method is not null && method.StartsWith(NonResourceMethod + ".", StringComparison.Ordinal);

    /// <summary>The native event standing for <paramref name="entry"/>, or null and the field and reason it cannot be one.</summary>
    public static JsonDocument? ToAuditEvent(JsonElement entry, out string field, out string error)
    {
        (field, error) = (string.Empty, string.Empty);
        var proto = entry.Child("protoPayload");
        if (proto is not { ValueKind: JsonValueKind.Object } payload)
        {
            (field, error) = ("protoPayload", $"not a Cloud Audit Logs entry: protoPayload must be an object, got {JsonFields.Describe(entry.GetProperty("protoPayload"))}");
            return null;
        }

        if (payload.String("@type") is { } type && type != AuditLogType)
        {
            (field, error) = ("protoPayload.@type", $"not a Cloud Audit Logs entry: the payload is a {ItemError.Clip(type, 120)}, not a {AuditLogType}");
            return null;
        }

        if (payload.String("serviceName") is not KubernetesService && !IsKubernetesMethod(payload.String("methodName")))
        {
            // Reached only for an entry naming no service: K8sAuditMapper gives other services' entries to CloudAuditEntry.
            (field, error) = ("protoPayload.serviceName", $"required: the service the entry audits ({KubernetesService} for GKE's Kubernetes API, iam.googleapis.com …), got {Quoted(payload.String("serviceName"))}");
            return null;
        }

        var method = payload.String("methodName");
        var dot = method?.LastIndexOf('.') ?? -1;
        if (method is null || dot < 0 || dot == method.Length - 1)
        {
            (field, error) = ("protoPayload.methodName", $"required: the Kubernetes method (io.k8s.GROUP.VERSION.RESOURCE.VERB, or io.k8s.VERB for a path), got {Quoted(payload.String("methodName"))}");
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            Write(w, entry, payload, method[(dot + 1)..], nonResource: method.AsSpan(0, dot).SequenceEqual(NonResourceMethod));
        }

        return JsonDocument.Parse(buffer.WrittenMemory);
    }

    /// <summary>The entry's field an error about the native field <paramref name="field"/> is about.</summary>
    public static string SourceField(string field) => field switch
    {
        "auditID" => "insertId",
        "requestReceivedTimestamp" => "timestamp",
        "stageTimestamp" => "receiveTimestamp",
        "user.username" => "protoPayload.authenticationInfo.principalEmail",
        _ => field,
    };

    /// <summary>What the entry says beyond the event: the cluster, its project and location, the log and the method.</summary>
    public static KeyValuePair<string, string>[] Attributes(JsonElement entry)
    {
        var labels = entry.Child("resource")?.Child("labels");
        var list = new List<KeyValuePair<string, string>>(5);
        Add(K8sAuditMapper.ClusterAttribute, labels.String("cluster_name"));
        Add("gcp.project_id", labels.String("project_id"));
        Add("gcp.location", labels.String("location"));
        Add("gcp.log_name", entry.String("logName"));
        Add("gcp.method_name", entry.Child("protoPayload").String("methodName"));
        return [.. list];

        void Add(string key, string? value)
        {
            if (value is not null)
            {
                list.Add(new(key, value));
            }
        }
    }

    private static void Write(Utf8JsonWriter w, JsonElement entry, JsonElement payload, string verb, bool nonResource)
    {
        var request = payload.Child("request");
        var response = payload.Child("response");
        // A path is written as the API server writes a non-resource request: its URI, and no objectRef, whatever its shape
        // (apis/metrics.k8s.io/v1beta1 is discovery, not an object).
        var path = nonResource && payload.String("resourceName") is { } p ? "/" + p.TrimStart('/') : null;
        var resource = nonResource ? null : ParseResourceName(payload.String("resourceName"), verb);
        var operation = entry.Child("operation");

        w.WriteStartObject();
        w.WriteString("kind", "Event");
        w.WriteString("apiVersion", "audit.k8s.io/v1");
        w.WriteString("level", response is not null ? "RequestResponse" : request is not null ? "Request" : "Metadata");
        // One request logged as several entries (a long watch's first and last) shares its operation id, as stages share auditID.
        WriteString(w, "auditID", operation.String("id") ?? entry.String("insertId"));
        w.WriteString("stage", operation?.Child("last") is { ValueKind: JsonValueKind.False } ? "ResponseStarted" : "ResponseComplete");
        WriteString(w, "requestURI", path ?? resource?.Uri);
        w.WriteString("verb", verb);

        w.WriteStartObject("user");
        // A caller of a workforce or workload identity pool has no e-mail address: Cloud Audit Logs name it in
        // principalSubject instead (principal://iam.googleapis.com/…/subject/…), and an e-mail withheld for privacy is empty.
        var authentication = payload.Child("authenticationInfo");
        WriteString(w, "username", authentication.String("principalEmail") is { Length: > 0 } email ? email : authentication.String("principalSubject"));
        w.WriteEndObject();

        var metadata = payload.Child("requestMetadata");
        if (CallerIp(metadata) is { } ip && IPAddress.TryParse(ip, out _))
        {
            // GKE writes "private" or "gce-internal-ip" for some callers: no address, so no sourceIPs.
            w.WriteStartArray("sourceIPs");
            w.WriteStringValue(ip);
            w.WriteEndArray();
        }

        WriteString(w, "userAgent", metadata.String("callerSuppliedUserAgent"));
        if (resource is { } r)
        {
            w.WriteStartObject("objectRef");
            WriteString(w, "resource", r.Resource);
            WriteString(w, "namespace", r.Namespace);
            WriteString(w, "name", r.Name);
            WriteString(w, "apiGroup", r.Group);
            WriteString(w, "apiVersion", r.Version);
            WriteString(w, "subresource", r.Subresource);
            w.WriteEndObject();
        }

        var status = payload.Child("status");
        var rpcCode = status is { } s ? s.Int("code") ?? 0 : 0;
        w.WriteStartObject("responseStatus");
        if (rpcCode == 0 && response is { } failed && failed.String("status") == "Failure")
        {
            // The entry names no error, but the body the API server answered is a Status saying the request failed:
            // its code (or, without one, its reason, read as the native event's is) is the request's.
            if (failed.Int("code") is { } answered)
            {
                w.WriteNumber("code", answered);
            }

            w.WriteString("status", "Failure");
            WriteString(w, "reason", failed.String("reason"));
            WriteString(w, "message", failed.String("message"));
        }
        else
        {
            // GKE logs an exec, attach or port-forward it let through as one entry with an OK status: the API server
            // answered it 101 Switching Protocols, as a native event of the stream says (K8sAuditMapper counts it at its start).
            // An entry without a status but whose authorization was refused (the authorizer's label, else a permission with
            // "granted": false: GrantedDecision) was answered 403: the API server runs nothing it did not authorize.
            var upgraded = rpcCode == 0 && response is null && resource?.Subresource is "exec" or "attach" or "portforward";
            var forbidden = rpcCode == 0 && (entry.Child("labels").String(Decision) ?? GrantedDecision(payload)) == "forbid";
            w.WriteNumber("code", forbidden ? 403 : upgraded ? 101 : HttpStatus(rpcCode));
            WriteString(w, "message", status.String("message"));
        }

        w.WriteEndObject();

        if (request is { } body)
        {
            w.WritePropertyName("requestObject");
            body.WriteTo(w);
        }

        if (response is { } answer)
        {
            w.WritePropertyName("responseObject");
            answer.WriteTo(w);
        }

        if (entry.String("timestamp") is { } time)
        {
            w.WriteString("requestReceivedTimestamp", time);
        }
        else
        {
            WriteString(w, "stageTimestamp", entry.String("receiveTimestamp"));
        }

        WriteAnnotations(w, entry, payload);
        WriteLogEntry(w, entry, payload);
        w.WriteEndObject();
    }

    /// <summary>
    /// <c>requestMetadata.callerIp</c>, as Cloud Logging writes the proto's <c>caller_ip</c>; else <c>callerIP</c>, as
    /// converted and hand-written entries spell it (Panther's). Google writes the metadata, the caller never does, so either
    /// spelling is as good a word on where the request came from.
    /// </summary>
    public static string? CallerIp(JsonElement? metadata) => metadata.String("callerIp") ?? metadata.String("callerIP");

    /// <summary>
    /// The entry's own fields as <c>logEntry</c>, for rules written for Cloud Audit Logs (SigmaHQ's <c>gcp.audit</c>, Falco's
    /// <c>gcp_auditlog</c>), without <c>protoPayload.request</c>/<c>response</c>: the caller keeps those once, beside it, as
    /// <c>requestObject</c>/<c>responseObject</c>.
    /// </summary>
    public static void WriteLogEntry(Utf8JsonWriter w, JsonElement entry, JsonElement payload)
    {
        w.WriteStartObject("logEntry");
        foreach (var member in entry.EnumerateObject())
        {
            if (member.NameEquals("protoPayload"u8))
            {
                w.WriteStartObject("protoPayload");
                foreach (var field in payload.EnumerateObject())
                {
                    if (!field.NameEquals("request"u8) && !field.NameEquals("response"u8))
                    {
                        field.WriteTo(w);
                    }
                }

                w.WriteEndObject();
            }
            else
            {
                member.WriteTo(w);
            }
        }

        w.WriteEndObject();
    }

    /// <summary>
    /// GKE writes the authorizer's annotations as the entry's labels (<c>authorization.k8s.io/decision</c>, <c>…/reason</c>);
    /// without them, the decision is read from <c>authorizationInfo</c> (<see cref="GrantedDecision"/>).
    /// </summary>
    private static void WriteAnnotations(Utf8JsonWriter w, JsonElement entry, JsonElement payload)
    {
        var labels = entry.Child("labels") is { ValueKind: JsonValueKind.Object } l ? l : (JsonElement?)null;
        var decision = labels.String(Decision) is null ? GrantedDecision(payload) : null;
        if (labels is null && decision is null)
        {
            return;
        }

        w.WriteStartObject("annotations");
        if (labels is { } present)
        {
            foreach (var label in present.EnumerateObject())
            {
                if (label.Value.ValueKind == JsonValueKind.String)
                {
                    label.WriteTo(w);
                }
            }
        }

        WriteString(w, Decision, decision);
        w.WriteEndObject();
    }

    /// <summary>
    /// What <c>authorizationInfo</c> says: any permission not granted is a forbid, all granted an allow, none listed null.
    /// Cloud Logging omits <c>"granted": false</c> (proto3's default) — and omits the status of a request that succeeded:
    /// a permission without <c>granted</c> is refused in an entry with an error status, and granted in one without (the
    /// API server ran the request, so it was authorized).
    /// </summary>
    private static string? GrantedDecision(JsonElement payload)
    {
        if (payload.Child("authorizationInfo") is not { ValueKind: JsonValueKind.Array } checks || checks.GetArrayLength() == 0)
        {
            return null;
        }

        var failed = (payload.Child("status") is { } status ? status.Int("code") ?? 0 : 0) != 0;
        return checks.EnumerateArray().Any(c => c.Child("granted") switch
        {
            { ValueKind: JsonValueKind.True } => false,
            { ValueKind: JsonValueKind.False } => true,
            _ => failed,
        }) ? "forbid" : "allow";
    }

    /// <summary>
    /// <c>google.rpc.Code</c> as the HTTP status the API server answered (the mapping of google.rpc's code.proto). GKE omits
    /// the status of a request that succeeded.
    /// </summary>
    public static int HttpStatus(int code) => code switch
    {
        0 => 200,
        1 => 499,
        3 or 9 or 11 => 400,
        4 => 504,
        5 => 404,
        6 or 10 => 409,
        7 => 403,
        8 => 429,
        12 => 501,
        14 => 503,
        16 => 401,
        _ => 500,
    };

    /// <summary>
    /// <c>core/v1/namespaces/NS/pods/NAME[/SUBRESOURCE]</c>, <c>rbac.authorization.k8s.io/v1/clusterroles/NAME</c>,
    /// <c>core/v1/namespaces/NS/pods</c> (a list): the object, and the request URI the API server was called on.
    /// </summary>
    private static ResourceName? ParseResourceName(string? name, string verb)
    {
        var parts = name?.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts is null || parts.Length < 3)
        {
            return null;
        }

        var (group, version) = (parts[0] == "core" ? null : parts[0], parts[1]);
        var path = parts[2..];
        string? ns = null;
        if (path[0] == "namespaces" && path.Length >= 2)
        {
            // As the API server reads the URL: the namespace is the part after namespaces/, a namespace's own too
            // (/api/v1/namespaces/shop is in shop).
            ns = path[1];
            if (path.Length >= 3 && !(path.Length == 3 && path[2] is "status" or "finalize"))
            {
                path = path[2..];
            }
        }

        // A create is posted to its collection: the name GKE's resourceName ends with is the body's, not the URL's, so a
        // namespace created is in none.
        var created = verb == "create" && path.Length == 2;
        if (created && path[0] == "namespaces")
        {
            ns = null;
        }

        var uri = (group is null ? $"/api/{version}/" : $"/apis/{group}/{version}/") + string.Join('/', created ? parts[2..^1] : parts[2..]);
        return new ResourceName(group, version, ns, path[0], path.Length > 1 ? path[1] : null, path.Length > 2 ? path[2] : null, uri);
    }

    private static void WriteString(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    private static string Quoted(string? value) => value is null ? "nothing" : $"\"{ItemError.Clip(value, 120)}\"";

    private sealed record ResourceName(string? Group, string Version, string? Namespace, string Resource, string? Name, string? Subresource, string Uri);
}
