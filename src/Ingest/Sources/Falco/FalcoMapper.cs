namespace ZtStream.Ingest.Sources.Falco;

/// <summary>
/// Maps Falco alerts onto canonical events of kind <c>runtime.alert</c>: Falco's own JSON output (<c>json_output: true</c>,
/// one alert per <c>http_output</c> post or per line of a log), falcosidekick's webhook body (the same object plus
/// <c>uuid</c>), an array of either, or a CloudEvent whose <c>data</c> is one. Pure: bytes in, events and per-item errors out.
/// </summary>
internal static class FalcoMapper
{
    /// <summary>
    /// Trimming an alert above the bound: whatever is big goes first (the rendered output line, long output fields), never
    /// the rule, priority, time or tags, nor the output fields naming the workload.
    /// </summary>
    internal static readonly RawTrimPlan RawPlan = new(
        Drop: [],
        Keep: new HashSet<string>(StringComparer.Ordinal)
        {
            "rule", "priority", "time", "source", "tags", "hostname", "uuid",
            "output_fields.k8s.pod.name", "output_fields.k8s.ns.name", "output_fields.container.id", "output_fields.container.name",
            "output_fields.container.image.repository", "output_fields.container.image.tag", "output_fields.evt.time",
        });

    public static MapResult Map(ReadOnlySpan<byte> json, SourceMapOptions? options = null)
    {
        options ??= SourceMapOptions.Default;
        return JsonPayload.MapObjects(json, "a Falco alert", (alert, index, items, errors) => MapOne(alert, index, options, items, errors));
    }

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
        var timeText = alert.String("time");
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
        else if (fields is { } of && of.Child("evt.time") is { ValueKind: JsonValueKind.Number } nanos && nanos.TryGetInt64(out var ns))
        {
            time = DateTimeOffset.UnixEpoch.AddTicks(ns / 100);
        }
        else if (!options.TryFallbackTime(out time, out timeSource))
        {
            errors.Add(new ItemError(index, "time", "required: the alert has neither \"time\" nor output_fields[\"evt.time\"]"));
            return;
        }

        var hostname = alert.String("hostname");
        var pod = fields.String("k8s.pod.name");
        var podNamespace = fields.String("k8s.ns.name");
        var containerId = fields.String("container.id");
        var workload = WorkloadOf(pod, podNamespace, containerId, hostname, fields);
        if (workload is null)
        {
            errors.Add(new ItemError(index, "output_fields",
                "the alert names no workload: need output_fields \"k8s.pod.name\" or \"container.id\", or \"hostname\""));
            return;
        }

        var priority = alert.String("priority");
        var attributes = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["falco.rule"] = JsonFields.Of(rule),
        };
        Add(attributes, "falco.priority", priority);
        Add(attributes, "falco.source", alert.String("source"));
        Add(attributes, "falco.hostname", hostname);
        Add(attributes, "falco.output", alert.String("output") is { } output && output.Length > options.MaxObjectBytes ? output[..options.MaxObjectBytes] : alert.String("output"));
        Add(attributes, "container.id", containerId);
        Add(attributes, "proc.cmdline", fields.String("proc.cmdline"));
        Add(attributes, "user.name", fields.String("user.name"));
        if (alert.Child("tags") is { ValueKind: JsonValueKind.Array } tags)
        {
            attributes["falco.tags"] = tags.Clone();
        }

        if (fields is { } all)
        {
            attributes["falco.output_fields"] = JsonFields.Bounded(all, options.MaxObjectBytes);
        }

        Add(attributes, TimeSources.Attribute, timeSource);
        var raw = RawObject.Bounded(alert, options.MaxRawBytes, RawPlan, out var trimmed);
        if (trimmed is not null)
        {
            attributes[RawObject.TrimmedAttribute] = JsonFields.Of(trimmed);
        }

        items.Add(new MappedEvent(index, new AccessEvent
        {
            Id = alert.String("uuid") is { Length: > 0 } uuid ? uuid : DerivedIds.Of("falco-", timeText ?? (timeSource is null ? time.ToString("O") : "undated"), rule, hostname, containerId, alert.String("output")),
            Time = time,
            Kind = EventKinds.RuntimeAlert,
            Workload = workload,
            Action = rule,
            Network = NetworkOf(fields),
            Attributes = attributes,
            Raw = raw,
        }));
        if (timeSource is null)
        {
            options.Dated(time);
        }
    }

    private static Workload? WorkloadOf(string? pod, string? ns, string? containerId, string? hostname, JsonElement? fields)
    {
        var repository = fields.String("container.image.repository");
        var tag = fields.String("container.image.tag");
        var image = repository is null ? fields.String("container.image") : tag is null ? repository : $"{repository}:{tag}";
        var id = pod is not null
            ? ns is null ? pod : $"{ns}/{pod}"
            : containerId is not null and not "host" ? $"container:{containerId}"
            : hostname is not null ? $"host:{hostname}"
            : null;
        return id is null
            ? null
            : new Workload { Id = id, Name = pod ?? fields.String("container.name"), Namespace = ns, Image = image, Node = hostname };
    }

    private static NetworkInfo? NetworkOf(JsonElement? fields)
    {
        var dst = fields.String("fd.sip") ?? fields.String("fd.rip");
        var src = fields.String("fd.cip");
        int? port = fields is { } f && (f.Child("fd.sport") ?? f.Child("fd.rport")) is { } p
            ? p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out var n) ? n
              : p.ValueKind == JsonValueKind.String && int.TryParse(p.GetString(), out var s) ? s : null
            : null;
        return dst is null && src is null && port is null ? null : new NetworkInfo { SrcIp = src, DstIp = dst, DstPort = port };
    }

    private static void Add(Dictionary<string, JsonElement> attributes, string key, string? value)
    {
        if (value is not null)
        {
            attributes[key] = JsonFields.Of(value);
        }
    }
}
