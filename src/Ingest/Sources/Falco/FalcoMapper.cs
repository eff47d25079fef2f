namespace ZtStream.Ingest.Sources.Falco;

/// <summary>
/// Maps Falco alerts onto canonical events of kind <c>runtime.alert</c>: Falco's own JSON output (<c>json_output: true</c>,
/// one alert per <c>http_output</c> post or per line of a log), falcosidekick's webhook body (the same object plus
/// <c>uuid</c>), an array of either, or a CloudEvent whose <c>data</c> is one. Pure: bytes in, events and per-item errors out.
/// </summary>
internal static class FalcoMapper
{
    /// <summary>The output fields naming where an alert happened: trimming never cuts them while they fit.</summary>
    private static readonly string[] WorkloadFields =
    [
        "k8s.pod.name", "k8s.ns.name", "k8smeta.pod.name", "k8smeta.ns.name", "container.id", "container.name",
        "container.image.repository", "container.image.tag", "evt.time",
    ];

    /// <summary>
    /// Trimming an alert above the bound: whatever is big goes first (the rendered output line, long output fields), never
    /// the rule, priority, time or tags, nor the output fields naming the workload. Should those not fit (a padded container
    /// name), only what detections read is kept whole — rule, priority, time, tags — and the names are clipped like the rest;
    /// then nothing is: a summary tells no one which rule fired.
    /// </summary>
    internal static readonly RawTrimPlan RawPlan = new(
        Drop: [],
        Keep: new HashSet<string>(["rule", "priority", "time", "source", "tags", "hostname", "uuid", .. WorkloadFields.Select(f => "output_fields." + f)], StringComparer.Ordinal),
        Fallback: new RawTrimPlan([], new HashSet<string>(["rule", "priority", "time", "tags"], StringComparer.Ordinal), RawObject.LargestFirst));

    /// <summary>The copy of the output fields in <c>attributes</c>: the same trimming, keeping the workload's fields.</summary>
    private static readonly RawTrimPlan FieldsPlan = new([], new HashSet<string>(WorkloadFields, StringComparer.Ordinal), RawObject.LargestFirst);

    /// <summary>
    /// The actor of a plugin source's alert (Kubernetes audit, CloudTrail, Okta, GitHub, GCP audit), first present wins:
    /// such an alert is about who acted, not about the host Falco runs on. An impersonated Kubernetes user comes first: the
    /// request acted as that user, and the audit event it fired on is that user's (K8sAuditMapper).
    /// </summary>
    private static readonly string[] ActorFields =
    [
        "ka.impuser.name", "ka.user.name", "ct.user.arn", "ct.user", "okta.actor.alternateid", "okta.actor.id", "github.user", "gcp.user",
    ];

    /// <summary>The longest name kept whole: Kubernetes' longest object name is 253 characters, an image reference about 400.</summary>
    internal const int MaxName = 512;

    /// <summary>Falco's priorities by their number in its gRPC output (<c>falco.outputs.priority</c>: 0 = Emergency … 7 = Debug).</summary>
    private static readonly string[] Priorities = ["Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"];

    public static MapResult Map(ReadOnlySpan<byte> json, SourceMapOptions? options = null) =>
        JsonPayload.MapObjects(json, "a Falco alert", options, MapOne);

    private static void MapOne(JsonElement alert, int index, SourceMapOptions options, List<MappedEvent> items, List<ItemError> errors)
    {
        // falcosidekick's CloudEvents output (and function triggers built on it) wrap the alert in "data".
        if (!alert.TryGetProperty("rule", out _) && alert.Child("data") is { ValueKind: JsonValueKind.Object } data)
        {
            alert = data;
        }

        var rule = alert.String("rule");
        if (string.IsNullOrWhiteSpace(rule))
        {
            errors.Add(new ItemError(index, "rule", "data not recognized as a Falco alert: required string \"rule\" is missing"));
            return;
        }

        var fields = alert.Child("output_fields") is { ValueKind: JsonValueKind.Object } f ? f : (JsonElement?)null;

        // falcosidekick decodes "time" into a Go time.Time: an alert posted without one is forwarded with the zero time.
        var timeText = alert.String("time") is { } t && !t.StartsWith("0001-01-01T00:00:00", StringComparison.Ordinal) ? t : null;
        DateTimeOffset time;
        string? timeSource = null;
        if (timeText is not null)
        {
            if (!JsonFields.TryParseTime(timeText, out time))
            {
                errors.Add(new ItemError(index, "time", $"not an RFC 3339 timestamp: \"{(timeText.Length > 64 ? timeText[..64] : timeText)}\""));
                return;
            }
        }
        else if (EventTime(fields) is { } evtTime)
        {
            time = evtTime;
        }
        else if (!options.TryFallbackTime(out time, out timeSource))
        {
            errors.Add(new ItemError(index, "time", "required: the alert has neither \"time\" nor output_fields[\"evt.time\"]"));
            return;
        }

        // A name like the others: past the bound, its head and a digest of the whole, so a padded rule name costs the alert
        // nothing and two long names stay two rules.
        var ruleName = DerivedIds.Bounded(rule, Math.Min(options.MaxFieldLength, MaxName + 1));
        var keep = NameLength(options);
        var fullHostname = NonEmpty(alert.String("hostname"));
        var fullContainerId = Field(fields, "container.id");
        var hostname = Clip(fullHostname, keep);
        var containerId = Clip(fullContainerId, keep);
        var subject = SubjectOf(fields, keep, out var cloud);
        var repository = Field(fields, "container.image.repository");
        var tag = Field(fields, "container.image.tag");
        var workload = WorkloadOf(
            Field(fields, "k8s.ns.name") ?? Field(fields, "k8smeta.ns.name"),
            Field(fields, "k8s.pod.name") ?? Field(fields, "k8smeta.pod.name"),
            fullContainerId,
            Name(fields, "container.name", keep),
            repository is null ? Field(fields, "container.image") : tag is null ? repository : $"{repository}:{tag}",
            fullHostname,
            subject is not null,
            keep,
            options.MaxFieldLength);
        var priority = PriorityOf(alert);
        var attributes = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["falco.rule"] = JsonFields.Of(ruleName),
        };
        Add(attributes, "falco.priority", priority);
        Add(attributes, "falco.source", NonEmpty(alert.String("source")));
        Add(attributes, "falco.hostname", hostname);
        Add(attributes, "falco.output", alert.String("output") is { } output && output.Length > options.MaxObjectBytes ? output[..options.MaxObjectBytes] : NonEmpty(alert.String("output")));
        Add(attributes, "container.id", containerId);
        Add(attributes, "proc.cmdline", Field(fields, "proc.cmdline"));
        Add(attributes, "user.name", Field(fields, "user.name"));
        if (alert.Child("tags") is { ValueKind: JsonValueKind.Array } tags)
        {
            attributes["falco.tags"] = RawObject.Bounded(tags, options.MaxObjectBytes, RawObject.LargestFirst, out _);
        }

        if (fields is { } all)
        {
            attributes["falco.output_fields"] = RawObject.Bounded(all, options.MaxObjectBytes, FieldsPlan, out _);
        }

        cloud?.AddTo(attributes);
        if (Field(fields, "ka.impuser.name") is not null)
        {
            // Who really sent the request, as the audit event's mapping keeps it.
            Add(attributes, "k8s.impersonated_by", Name(fields, "ka.user.name", keep));
        }
        else if (subject is { Type: "anonymous" } && Name(fields, "ka.user.name", keep) is { } anonymous && anonymous != subject.Id)
        {
            // The name the cluster gave the caller, as the audit event's mapping keeps it.
            Add(attributes, CloudIdentity.UsernameAttribute, anonymous);
        }
        else if (cloud is not null && Name(fields, "ka.user.name", keep) is { } username && username != subject?.Id)
        {
            // The cluster's name for the IAM identity the subject now is, as the audit event's mapping keeps it.
            Add(attributes, CloudIdentity.UsernameAttribute, username);
        }
        Add(attributes, TimeSources.Attribute, timeSource);
        var raw = RawObject.Bounded(alert, options.MaxRawBytes, RawPlan, out var trimmed);
        if (trimmed is not null)
        {
            attributes[RawObject.TrimmedAttribute] = JsonFields.Of(trimmed);
        }

        items.Add(new MappedEvent(index, new AccessEvent
        {
            Id = alert.String("uuid") is { Length: > 0 } uuid ? uuid : DerivedIds.Of("falco-", timeText ?? (timeSource is null ? time.ToString("O") : "undated"), rule, fullHostname, fullContainerId, alert.String("output")),
            Time = time,
            Kind = EventKinds.RuntimeAlert,
            Subject = subject,
            Workload = workload,
            Action = ruleName,
            Network = NetworkOf(fields),
            Attributes = attributes,
            Raw = raw,
        }));
        if (timeSource is null)
        {
            options.Dated(time);
        }
    }

    /// <summary>
    /// The pod (<c>k8s.*</c>, or the k8smeta plugin's <c>k8smeta.*</c> that replace them since Falco 0.37), else the container,
    /// else the host. An alert naming none of them — a Falco internal alert, a host alert from a Falco too old to send
    /// <c>hostname</c> — is about the host Falco runs on, unnamed (<c>host</c>) when it sent no name. A plugin source's alert
    /// (a subject) has a workload only when it names one. Every runtime source names its workloads here (Tetragon too), so
    /// one pod is one principal whichever tool saw it.
    /// </summary>
    /// <param name="ns">The pod's namespace, whole.</param>
    /// <param name="pod">The pod's name, whole.</param>
    /// <param name="containerId">The container's id, whole; <c>host</c> (Falco's word for no container) is none.</param>
    /// <param name="containerName">The container's name, already clipped to <paramref name="keep"/>.</param>
    /// <param name="image">The image reference, whole.</param>
    /// <param name="hostname">The node's name, whole.</param>
    /// <param name="hasSubject">The event names an actor: without a pod or container it has no workload.</param>
    /// <param name="keep">How many characters of a name are kept (<see cref="NameLength"/>).</param>
    /// <param name="maxLength">The longest field Ingest accepts.</param>
    internal static Workload? WorkloadOf(string? ns, string? pod, string? containerId, string? containerName, string? image, string? hostname, bool hasSubject, int keep, int maxLength)
    {
        // The id is made of the whole names, bounded as a whole, so names clipped alike still make two ids.
        var container = containerId is not null and not "host";
        var id = pod is not null ? ns is null ? pod : $"{ns}/{pod}"
            : container ? $"container:{containerId}"
            : hasSubject ? null
            : hostname is not null ? $"host:{hostname}"
            : "host";
        return id is null
            ? null
            : new Workload
            {
                Id = DerivedIds.Bounded(id, maxLength),
                Name = Clip(pod, keep) ?? (container ? containerName : null),
                Namespace = Clip(ns, keep),
                Image = image is null ? null : DerivedIds.Bounded(image, Math.Min(maxLength, MaxName + 1)),
                Node = Clip(hostname, keep),
            };
    }

    /// <summary>
    /// The actor. An AWS actor (CloudTrail's <c>ct.user.arn</c>, an EKS access entry's user name) is the IAM role or user
    /// behind its ARN, as Kubernetes audit events name it, so a CloudTrail alert and the role's cluster activity are one
    /// principal; the session stays in <paramref name="cloud"/>'s attributes.
    /// </summary>
    private static Subject? SubjectOf(JsonElement? fields, int keep, out CloudIdentity? cloud)
    {
        cloud = null;
        foreach (var name in ActorFields)
        {
            if (Name(fields, name, keep) is { } actor)
            {
                var type = actor.StartsWith("system:serviceaccount:", StringComparison.Ordinal) ? "service_account"
                    : actor is "system:anonymous" ? "anonymous"
                    : "user";

                // On EKS the Kubernetes user name is whatever the cluster maps the IAM identity to (kubernetes-admin for
                // several roles); the identity itself is only in the audit event's user.extra, which a k8saudit alert
                // carries when its rule outputs it through the json plugin. Not for an impersonated request, nor for the
                // cluster's own identities, as for the audit event itself (K8sAuditMapper).
                var extra = name == "ka.user.name" && type == "user" && CloudIdentity.Replaceable(actor)
                    ? AuditUserExtra(fields)
                    : null;
                if (type == "anonymous" && name == "ka.user.name" && Address(fields, "ka.sourceips", last: true) is { } address)
                {
                    // As the audit event it fired on is keyed (K8sAuditMapper): the address the API server's connection
                    // came from, so one anonymous caller's alerts are not every anonymous caller's.
                    return new Subject { Id = "ip:" + address, Type = type };
                }

                if (name == "okta.actor.alternateid")
                {
                    // An Okta login, keyed as the Okta adapter keys it (LoginNames), so the plugin's alerts and the System
                    // Log's records on one user are one principal.
                    return new Subject { Id = LoginNames.Fold(actor), Type = type };
                }

                cloud = CloudIdentity.Of(extra, actor);
                return new Subject { Id = cloud?.CanonicalArn ?? actor, Type = type, Tenant = cloud?.AccountId };
            }
        }

        return null;
    }

    /// <summary>
    /// The audit event's <c>user.extra</c> members naming an IAM identity, as a k8saudit alert's output fields carry them:
    /// <c>json.value[/user/extra/arn/0]</c> (the json plugin loaded beside k8saudit-eks), <c>jevt.value[…]</c>, with or
    /// without the list index, and with the brackets falcosidekick may have replaced (<c>json.value_/user/extra/arn/0_</c>).
    /// Null when the alert carries none.
    /// </summary>
    private static JsonElement? AuditUserExtra(JsonElement? fields)
    {
        if (fields is not { } f)
        {
            return null;
        }

        Dictionary<string, string>? extra = null;
        foreach (var field in f.EnumerateObject())
        {
            var name = field.Name;
            var prefix = name.StartsWith("json.value", StringComparison.Ordinal) ? "json.value"
                : name.StartsWith("jevt.value", StringComparison.Ordinal) ? "jevt.value"
                : null;
            if (prefix is null || ExtraKey(name.AsSpan(prefix.Length)) is not { } key || extra?.ContainsKey(key) == true)
            {
                continue;
            }

            var first = field.Value.ValueKind == JsonValueKind.Array ? f.FirstString(name) : Field(fields, name) is { } value ? FirstOfList(value) : null;
            if (NonEmpty(first) is { } text)
            {
                (extra ??= new Dictionary<string, string>(StringComparer.Ordinal))[key] = text;
            }
        }

        if (extra is null)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in extra)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
        }

        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        return doc.RootElement.Clone();
    }

    /// <summary>
    /// The <c>user.extra</c> key a json-plugin field's pointer names (<c>[/user/extra/arn/0]</c>, <c>[/user/extra/arn]</c>,
    /// <c>_/user/extra/arn/0_</c> …), among those <see cref="CloudIdentity"/> reads; else null.
    /// </summary>
    private static string? ExtraKey(ReadOnlySpan<char> pointer)
    {
        Span<char> path = stackalloc char[Math.Min(pointer.Length, 64)];
        var length = 0;
        foreach (var c in pointer)
        {
            if (c is '[' or ']' or '_')
            {
                continue;
            }

            if (length == path.Length)
            {
                return null;
            }

            path[length++] = c;
        }

        ReadOnlySpan<char> p = path[..length];
        if (p.EndsWith("/0", StringComparison.Ordinal))
        {
            p = p[..^2];
        }

        foreach (var key in (ReadOnlySpan<string>)["arn", "canonicalArn", "sessionName", "accessKeyId", "principalId"])
        {
            if (p.StartsWith("/user/extra/", StringComparison.Ordinal) && p["/user/extra/".Length..].SequenceEqual(key))
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>A list member written whole (<c>["arn:aws:…"]</c>, as the json plugin renders a non-scalar): its first string.</summary>
    private static string? FirstOfList(string value)
    {
        if (!value.StartsWith('['))
        {
            return value;
        }

        try
        {
            using var doc = JsonDocument.Parse(value);
            return doc.RootElement.ValueKind == JsonValueKind.Array && doc.RootElement.GetArrayLength() > 0
                && doc.RootElement[0].ValueKind == JsonValueKind.String
                ? doc.RootElement[0].GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// When the alert has no <c>time</c>: <c>evt.time</c>, <c>evt.rawtime</c> or <c>evt.time.iso8601</c> — nanoseconds since
    /// the epoch as a number (JSON output) or as digits (gRPC output, where every field is a string), or an ISO 8601 string.
    /// </summary>
    private static DateTimeOffset? EventTime(JsonElement? fields)
    {
        foreach (var name in (ReadOnlySpan<string>)["evt.time", "evt.rawtime", "evt.time.iso8601"])
        {
            var nanos = fields is { } f && f.Child(name) is { } value
                ? value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n
                  : value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s
                  // Only a full date: evt.time is also written as a bare time of day ("23:39:44.834631763"), which a
                  // lenient parse would put on today's date.
                  : value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 10 } text && text[4] == '-'
                    && JsonFields.TryParseTime(text, out var iso) ? (iso - DateTimeOffset.UnixEpoch).Ticks * 100
                  : (long?)null
                : null;
            if (nanos is > 0)
            {
                return DateTimeOffset.UnixEpoch.AddTicks(nanos.Value / 100);
            }
        }

        return null;
    }

    /// <summary>The priority as Falco names it; the gRPC output's number is named, an empty one (falcosidekick's unknown) is none.</summary>
    private static string? PriorityOf(JsonElement alert) => alert.Child("priority") switch
    {
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt32(out var i) && i >= 0 && i < Priorities.Length => Priorities[i],
        { ValueKind: JsonValueKind.String } s => NonEmpty(s.GetString()),
        _ => null,
    };

    private static NetworkInfo? NetworkOf(JsonElement? fields)
    {
        // The client and server fields first; then the connection Falco's stock network rules output instead of them
        // (connection=%fd.name); fd.rip and fd.rport last, as the remote end is the client of an accepted connection.
        var connection = SocketTuple.Read(Field(fields, "fd.name"), Field(fields, "fd.l4proto"));
        var dst = Address(fields, "fd.sip") ?? connection.Server ?? Address(fields, "fd.rip");
        var src = SourceAddress(fields) ?? connection.Client;
        var port = Port(fields, "fd.sport") ?? connection.ServerPort ?? Port(fields, "fd.rport");
        return dst is null && src is null && port is null ? null : new NetworkInfo { SrcIp = src, DstIp = dst, DstPort = port };
    }

    private static int? Port(JsonElement? fields, string name) => fields is { } f && f.Child(name) is { } p
        ? p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out var n) ? n
          : p.ValueKind == JsonValueKind.String && int.TryParse(p.GetString(), out var s) ? s : null
        : null;

    /// <summary>
    /// The client's address: <c>fd.cip</c>, or the actor's of a plugin source's alert (CloudTrail's sourceIPAddress, Okta's
    /// client, GCP's caller, the audit event's client among its source IPs, which the k8saudit plugin writes as a list). Only
    /// an address counts: GCP writes <c>private</c> or <c>gce-internal-ip</c> for callers inside Google.
    /// </summary>
    private static string? SourceAddress(JsonElement? fields)
    {
        foreach (var name in (ReadOnlySpan<string>)["fd.cip", "ct.srcip", "okta.client.ip", "gcp.callerIP"])
        {
            if (Address(fields, name) is { } address)
            {
                return address;
            }
        }

        // The list is the audit event's sourceIPs, X-Forwarded-For entries the caller may write first: the client is chosen
        // from it as the audit adapter chooses it, so an alert and its audit event name one address.
        return fields is { } f && f.Child("ka.sourceips") is { ValueKind: JsonValueKind.Array } hops
            ? ForwardedChain.Connection(hops) is { Length: <= MaxAddress } text && IPAddress.TryParse(text, out var ip) ? ForwardedChain.Canonical(ip) : null
            : Address(fields, "ka.sourceips");
    }

    /// <summary>
    /// An output field that holds an IP address (Falco's <c>fd.*ip</c> fields are of its IPADDR type), its first element when
    /// a plugin writes a list, in the one form every adapter writes an address (<see cref="ForwardedChain.Canonical"/>: a
    /// dual-stack server's IPv4 client, <c>::ffff:203.0.113.7</c>, is 203.0.113.7); anything else — <c>private</c>, a padded string — is no address and stays only in
    /// <c>falco.output_fields</c>, so it can neither name the network nor cost the alert its acceptance. With
    /// <paramref name="last"/>, a list's last element.
    /// </summary>
    private static string? Address(JsonElement? fields, string name, bool last = false)
    {
        var text = fields is { } f && f.Child(name) is { } value
            ? value.ValueKind == JsonValueKind.Array ? last ? f.LastString(name) : f.FirstString(name) : Field(fields, name)
            : null;
        return text is { Length: <= MaxAddress } && IPAddress.TryParse(text, out var ip) ? ForwardedChain.Canonical(ip) : null;
    }

    /// <summary>The longest address text: INET6_ADDRSTRLEN (46) with room for a zone (<c>fe80::1%eth0</c>).</summary>
    private const int MaxAddress = 64;

    /// <summary>
    /// An output field's text. Falco writes a field with no value as null (JSON output since 0.3x) or <c>&lt;NA&gt;</c> (older
    /// versions, and gRPC output): both are absent, never a pod or container of that name.
    /// </summary>
    private static string? Field(JsonElement? fields, string name) => fields.String(name) is { } value && value != "<NA>" ? NonEmpty(value) : null;

    /// <summary>
    /// A field that names something (pod, container, image, host, actor), clipped with "…" past <see cref="MaxName"/>, or
    /// to fit the configured field length when that is smaller: a container name padded on a Docker host must not get the
    /// whole alert refused for an over-long workload field.
    /// </summary>
    private static string? Name(JsonElement? fields, string name, int keep) => Clip(Field(fields, name), keep);

    internal static string? Clip(string? value, int keep) => value is null ? null : ItemError.Clip(value, keep);

    /// <summary>How many characters of a name are kept before "…": <see cref="MaxName"/>, less when the field limit is lower.</summary>
    internal static int NameLength(SourceMapOptions options) => Math.Min(MaxName, options.MaxFieldLength - 1);

    internal static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    internal static void Add(Dictionary<string, JsonElement> attributes, string key, string? value)
    {
        if (value is not null)
        {
            attributes[key] = JsonFields.Of(value);
        }
    }
}
