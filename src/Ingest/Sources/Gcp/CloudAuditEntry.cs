namespace ZtStream.Ingest.Sources.Gcp;

/// <summary>
/// A Cloud Audit Logs entry of a Google Cloud service other than GKE's Kubernetes API (a <c>LogEntry</c> whose
/// <c>protoPayload</c> is a <c>google.cloud.audit.AuditLog</c>: IAM's <c>SetIamPolicy</c>, a service-account key created, a
/// KMS key's version destroyed, a bucket's ACL changed, a log sink deleted …), Admin Activity, Data Access, System Event or
/// Policy Denied, whatever its <c>resource.type</c>. Each is the caller's access to the project that runs the clusters
/// (<c>access.request</c>): the caller (<c>authenticationInfo.principalEmail</c>, else <c>principalSubject</c>) is the
/// principal, a service account a workload identity, and the entry is kept as GKE's is (<c>raw.logEntry</c>, the bodies
/// beside it), so SigmaHQ's <c>gcp.audit</c> rules and Falco's <c>gcp_auditlog</c> rules read it. GKE's own entries keep
/// their mapping (<see cref="GkeAuditLog"/>).
/// </summary>
internal static partial class CloudAuditEntry
{
    public const string RedactedAttribute = "gcp.caller_redacted";

    /// <summary>
    /// How a caller Cloud Audit Logs does not name is keyed when it gave no address either: its VPC network, else the project
    /// and service it called and what <c>callerIp</c> says in place of an address (<see cref="Caller"/>).
    /// </summary>
    public const string RedactedCaller = "gcp:redacted-caller/";

    // The words Google writes in callerIp in place of an address: a call between Google services, a VM of another
    // organisation without an external address (google.cloud.audit.RequestMetadata).
    private static readonly string[] CallerIpTokens = ["private", "gce-internal-ip"];

    private const string ServiceAccountDomain = ".gserviceaccount.com";

    private static readonly string[] TimeFields = ["timestamp", "receiveTimestamp"];

    /// <summary>Trimming above the bound: the bodies go first, never who did what to which resource and how it ended.</summary>
    private static readonly RawTrimPlan RawPlan = new(
        Drop: [],
        Keep: new HashSet<string>(StringComparer.Ordinal)
        {
            "logEntry.insertId", "logEntry.logName", "logEntry.timestamp", "logEntry.resource", "logEntry.protoPayload.@type",
            "logEntry.protoPayload.serviceName", "logEntry.protoPayload.methodName", "logEntry.protoPayload.resourceName",
            "logEntry.protoPayload.status", "logEntry.protoPayload.authenticationInfo", "logEntry.protoPayload.requestMetadata",
        });

    /// <summary>Whether <paramref name="entry"/> is an audit entry of a service other than the Kubernetes API.</summary>
    public static bool IsOtherService(JsonElement entry) =>
        entry.Child("protoPayload") is { ValueKind: JsonValueKind.Object } payload
        && payload.String("@type") is null or GkeAuditLog.AuditLogType
        && payload.String("serviceName") is { Length: > 0 } service
        && service != GkeAuditLog.KubernetesService;

    public static void Map(JsonElement entry, int index, SourceMapOptions options, AuditCarrier carrier, List<MappedEvent> items, List<ItemError> errors)
    {
        var payload = entry.GetProperty("protoPayload");
        var id = entry.String("insertId") is { Length: > 0 } insertId ? insertId : DerivedId(entry, payload);
        if (payload.String("methodName") is not { Length: > 0 } method)
        {
            errors.Add(new ItemError(index, carrier.Field("protoPayload.methodName"), "required: the method the entry audits"));
            return;
        }

        if (!K8sAuditMapper.TryRecordTime(entry, TimeFields, index, options, carrier, errors, out var time, out var timeSource))
        {
            return;
        }

        var resource = entry.Child("resource");
        var labels = resource?.Child("labels");
        var authentication = payload.Child("authenticationInfo");
        var metadata = payload.Child("requestMetadata");
        var address = GkeAuditLog.CallerIp(metadata) is { Length: <= 64 } ip && IPAddress.TryParse(ip, out var parsed) ? ForwardedChain.Canonical(parsed) : null;
        var (subjectId, subjectType) = Caller(entry, payload, authentication, address);
        var code = payload.Child("status") is { ValueKind: JsonValueKind.Object } status ? status.Int("code") ?? 0 : 0;

        var attributes = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        JsonFields.AddText(attributes, "gcp.service_name", payload.String("serviceName"));
        JsonFields.AddText(attributes, "gcp.method_name", method);
        JsonFields.AddText(attributes, "gcp.log_name", entry.String("logName"));
        JsonFields.AddText(attributes, "gcp.log_type", LogType(entry.String("logName")));
        JsonFields.AddText(attributes, "gcp.resource_type", resource.String("type"));
        JsonFields.AddText(attributes, "gcp.project_id", labels.String("project_id") ?? Owner(entry.String("logName"), "projects/"));
        JsonFields.AddText(attributes, "gcp.location", labels.String("location") ?? labels.String("region") ?? labels.String("zone"));
        JsonFields.AddText(attributes, K8sAuditMapper.ClusterAttribute, labels.String("cluster_name"));
        JsonFields.AddText(attributes, "gcp.principal_subject", authentication.String("principalEmail") is { Length: > 0 } ? authentication.String("principalSubject") : null);
        JsonFields.AddText(attributes, "gcp.status_message", code == 0 ? null : payload.Child("status").String("message"));
        JsonFields.AddText(attributes, TimeSources.Attribute, timeSource);
        AddPolicyDelta(attributes, payload);
        if (authentication.String("principalEmail") is not { Length: > 0 } && authentication.String("principalSubject") is not { Length: > 0 })
        {
            attributes[RedactedAttribute] = JsonFields.Of(true);
        }

        foreach (var (key, value) in carrier.Attributes)
        {
            attributes[key] = JsonFields.Of(value);
        }

        var raw = RawObject.Bounded(Raw(entry, payload), options.MaxRawBytes, RawPlan, out var trimmed);
        if (trimmed is not null)
        {
            attributes[RawObject.TrimmedAttribute] = JsonFields.Of(trimmed);
        }

        items.Add(new MappedEvent(index, new AccessEvent
        {
            Id = id,
            Time = time,
            Kind = EventKinds.AccessRequest,
            Subject = new Subject { Id = subjectId, Type = subjectType, Tenant = labels.String("project_id") ?? Owner(entry.String("logName"), "projects/") },
            Workload = WorkloadOf(authentication, subjectType == "service_account" ? subjectId : null),
            Network = address is null ? null : new NetworkInfo { SrcIp = address },
            Resource = new ResourceRef
            {
                Type = resource.String("type") is { } type ? Clip(type, options.MaxFieldLength) : null,
                Id = payload.String("resourceName") is { Length: > 0 } name ? Clip(name, options.MaxFieldLength) : null,
            },
            Action = Clip(method, options.MaxFieldLength),
            Status = GkeAuditLog.HttpStatus(code),
            Outcome = code switch
            {
                0 => Outcomes.Success,
                7 or 16 => Outcomes.Denied,
                _ => Outcomes.Error,
            },
            UserAgent = metadata.String("callerSuppliedUserAgent") is { Length: > 0 } agent ? Clip(agent, options.MaxFieldLength) : null,
            Attributes = attributes,
            Raw = raw,
        }));
        if (timeSource is null or "receiveTimestamp")
        {
            options.Dated(time);
        }
    }

    /// <summary>What an id derived from an entry starts with; 32 hex digits follow, unlike the short ids Cloud Logging writes.</summary>
    public const string DerivedIdPrefix = "gcp-";

    /// <summary>
    /// The id of an entry written without <c>insertId</c> (Cloud Logging gives every entry one; exported and hand-made
    /// entries may not): a digest of what names the call — when, in which log, who from where, which method on what, in
    /// which operation — so the same entry delivered twice is one event. Without <c>timestamp</c>, of the whole entry.
    /// </summary>
    private static string DerivedId(JsonElement entry, JsonElement payload)
    {
        if (entry.String("timestamp") is not { Length: > 0 } timestamp)
        {
            return DerivedIds.Of(DerivedIdPrefix, entry.GetRawText());
        }

        var authentication = payload.Child("authenticationInfo");
        return DerivedIds.Of(
            DerivedIdPrefix, timestamp, entry.String("logName"), payload.String("serviceName"), payload.String("methodName"),
            payload.String("resourceName"), authentication.String("principalEmail"), authentication.String("principalSubject"),
            GkeAuditLog.CallerIp(payload.Child("requestMetadata")), entry.Child("operation").String("id"));
    }

    /// <summary>
    /// The principal: the caller's e-mail address; without one (a workforce or workload identity pool's caller, or an address
    /// withheld for privacy), its <c>principalSubject</c>, with Cloud IAM's <c>user:</c>/<c>serviceAccount:</c> prefix taken off.
    /// A caller named by neither (Google redacts some outside callers of read-only methods, and names no one for some calls
    /// between its services) is keyed by what the entry still says of it, so one unnamed caller's baseline does not cover
    /// every other: the service account of the key it signed with (<c>serviceAccountKeyName</c>); else, anonymous, its
    /// address; else its VPC network (<c>callerNetwork</c>, given for a caller in the resource's organisation); else the
    /// project, what <c>callerIp</c> says in place of an address and the service called.
    /// </summary>
    private static (string Id, string Type) Caller(JsonElement entry, JsonElement payload, JsonElement? authentication, string? address)
    {
        var subject = authentication.String("principalSubject");
        if (authentication.String("principalEmail") is { Length: > 0 } email)
        {
            return (email, email.EndsWith(ServiceAccountDomain, StringComparison.OrdinalIgnoreCase) ? "service_account" : "user");
        }

        if (subject is { Length: > 0 })
        {
            foreach (var (prefix, type) in (ReadOnlySpan<(string, string)>)[("serviceAccount:", "service_account"), ("user:", "user")])
            {
                if (subject.StartsWith(prefix, StringComparison.Ordinal) && subject.Length > prefix.Length)
                {
                    return (subject[prefix.Length..], type);
                }
            }

            // principal://iam.googleapis.com/…/workloadIdentityPools/… is a workload's federated identity; workforcePools a person's.
            return (subject, subject.Contains("/workloadIdentityPools/", StringComparison.Ordinal) ? "workload" : "user");
        }

        // //iam.googleapis.com/projects/PROJECT/serviceAccounts/ACCOUNT/keys/KEY: the account is the caller.
        if (ServiceAccountKey().Match(authentication.String("serviceAccountKeyName") ?? string.Empty) is { Success: true } key)
        {
            return (key.Groups["account"].Value, "service_account");
        }

        if (address is not null)
        {
            return ("ip:" + address, "anonymous");
        }

        var metadata = payload.Child("requestMetadata");
        if (metadata.String("callerNetwork") is { Length: > 0 } network)
        {
            return (RedactedCaller + "network/" + network.TrimStart('/'), "anonymous");
        }

        var project = entry.Child("resource")?.Child("labels").String("project_id") ?? Owner(entry.String("logName"), "projects/") ?? "-";
        var callerIp = GkeAuditLog.CallerIp(metadata) is { } written && Array.IndexOf(CallerIpTokens, written) >= 0 ? written : "no-address";
        return ($"{RedactedCaller}{project}/{callerIp}/{payload.String("serviceName")}", "anonymous");
    }

    /// <summary>
    /// A service account acting for a GKE workload (Workload Identity: its delegation names
    /// <c>serviceAccount:PROJECT.svc.id.goog[NS/KSA]</c>) is that Kubernetes service account's workload, named as the audit
    /// events of the cluster name it; any other service account is a workload of its own.
    /// </summary>
    private static Workload? WorkloadOf(JsonElement? authentication, string? serviceAccount)
    {
        if (authentication?.Child("serviceAccountDelegationInfo") is { ValueKind: JsonValueKind.Array } chain)
        {
            foreach (var link in chain.EnumerateArray())
            {
                if (link.ValueKind == JsonValueKind.Object && GkeWorkload().Match(link.String("principalSubject") ?? string.Empty) is { Success: true } m)
                {
                    var (ns, name) = (m.Groups["ns"].Value, m.Groups["ksa"].Value);
                    return new Workload { Id = $"{ns}/serviceaccount:{name}", Namespace = ns, ServiceAccount = name };
                }
            }
        }

        return serviceAccount is null ? null : new Workload { Id = "serviceaccount:" + serviceAccount, ServiceAccount = serviceAccount };
    }

    /// <summary>The entry as GKE's is kept in <c>raw</c>: <c>logEntry</c> without the bodies, which are beside it once.</summary>
    private static JsonElement Raw(JsonElement entry, JsonElement payload)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (payload.Child("request") is { } request)
            {
                w.WritePropertyName("requestObject");
                request.WriteTo(w);
            }

            if (payload.Child("response") is { } response)
            {
                w.WritePropertyName("responseObject");
                response.WriteTo(w);
            }

            GkeAuditLog.WriteLogEntry(w, entry, payload);
            w.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary><c>activity</c>, <c>data_access</c>, <c>system_event</c>, <c>policy</c>: the audit log an entry's <c>logName</c> names.</summary>
    private static string? LogType(string? logName)
    {
        const string Marker = "cloudaudit.googleapis.com%2F";
        var at = logName?.IndexOf(Marker, StringComparison.OrdinalIgnoreCase) ?? -1;
        return at < 0 ? null : logName![(at + Marker.Length)..];
    }

    /// <summary>The project (folder, organisation) of <c>projects/ID/logs/…</c>.</summary>
    private static string? Owner(string? logName, string prefix)
    {
        if (logName is null || !logName.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var end = logName.IndexOf('/', prefix.Length);
        return end <= prefix.Length ? null : logName[prefix.Length..end];
    }

    /// <summary>Who was given which role by an IAM policy change: <c>ROLE MEMBER</c>, one a binding the change added.</summary>
    public const string GrantedAttribute = "gcp.granted";

    /// <summary>
    /// What an IAM policy change took out of Data Access audit logging: <c>SERVICE LOG_TYPE</c> for a log type turned off,
    /// <c>SERVICE LOG_TYPE MEMBER</c> for a member exempted from it.
    /// </summary>
    public const string AuditLoggingReducedAttribute = "gcp.audit_logging_reduced";

    /// <summary>
    /// The IAM policy change an entry records (<c>serviceData</c>'s <c>google.iam.v1.logging.AuditData</c>: its
    /// <c>policyDelta</c>, whatever service's <c>SetIamPolicy</c>), as one string a change, so a rule reads the role and the
    /// member of one binding together: a list of roles beside a list of members would match a public member given one role
    /// and an owner role given to someone else. A binding removed, a log type turned on and an exemption taken away widen
    /// nothing and are not listed.
    /// </summary>
    private static void AddPolicyDelta(Dictionary<string, JsonElement> attributes, JsonElement payload)
    {
        if (payload.Child("serviceData")?.Child("policyDelta") is not { ValueKind: JsonValueKind.Object } delta)
        {
            return;
        }

        var granted = new List<string>();
        foreach (var binding in Elements(delta.Child("bindingDeltas")))
        {
            if (Added(binding) && binding.String("role") is { Length: > 0 } role && binding.String("member") is { Length: > 0 } member)
            {
                granted.Add($"{role} {member}");
            }
        }

        var reduced = new List<string>();
        foreach (var config in Elements(delta.Child("auditConfigDeltas")))
        {
            var what = $"{config.String("service") ?? "allServices"} {config.String("logType") ?? "LOG_TYPE_UNSPECIFIED"}";
            var exempted = config.String("exemptedMember") is { Length: > 0 } member ? member : null;
            if (exempted is null && !Added(config))
            {
                reduced.Add(what);
            }
            else if (exempted is not null && Added(config))
            {
                reduced.Add($"{what} {exempted}");
            }
        }

        if (granted.Count > 0)
        {
            attributes[GrantedAttribute] = JsonFields.Of(granted);
        }

        if (reduced.Count > 0)
        {
            attributes[AuditLoggingReducedAttribute] = JsonFields.Of(reduced);
        }

        static IEnumerable<JsonElement> Elements(JsonElement? array) =>
            array is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object) : [];

        // google.iam.v1's delta actions: ADD, REMOVE (the proto3 JSON mapping may also write the enum's number, 1 and 2).
        static bool Added(JsonElement change) => change.Child("action") is { } action
            && (action.ValueKind == JsonValueKind.String ? action.GetString() == "ADD" : action.ValueKind == JsonValueKind.Number && action.TryGetInt32(out var number) && number == 1);
    }

    private static string Clip(string text, int maxLength) => ItemError.Clip(text, maxLength - 1);

    [GeneratedRegex(@"^//iam\.googleapis\.com/projects/[^/]+/serviceAccounts/(?<account>[^/]+)/keys/[^/]+$")]
    private static partial Regex ServiceAccountKey();

    [GeneratedRegex(@"\.svc\.id\.goog\[(?<ns>[a-z0-9]([-a-z0-9]*[a-z0-9])?)/(?<ksa>[a-z0-9]([-a-z0-9.]*[a-z0-9])?)\]$")]
    private static partial Regex GkeWorkload();
}
