using ZtStream.Ingest.Sources.Falco;

namespace ZtStream.Ingest.Sources.Tetragon;

/// <summary>
/// Maps Cilium Tetragon's events, as its JSON export writes them (<c>--export-filename</c>, <c>tetra getevents -o json</c>:
/// one <c>GetEventsResponse</c> per line, <c>{"process_exec":{…},"node_name":…,"time":…}</c>), one per post, as NDJSON or
/// as an array. A process started (<c>process_exec</c>) is a <c>runtime.process</c>, which rules read and nothing scores
/// by itself; a call a TracingPolicy reported (<c>process_kprobe</c>, <c>process_tracepoint</c>, <c>process_lsm</c>,
/// <c>process_uprobe</c>) is a <c>runtime.alert</c> of that policy. Both are on the pod, named as Falco's alerts name it
/// (<see cref="FalcoMapper.WorkloadOf"/>), else on the node. Anything else (<c>process_exit</c>, the loader, throttle and
/// rate-limit records) is that item's error: named, counted, never dropped unseen. Pure: bytes in, events and errors out.
/// </summary>
internal static class TetragonMapper
{
    public const string SourceName = "tetragon";

    /// <summary>Attribute keys this adapter writes (docs/events.md, "Runtime processes").</summary>
    public const string EventAttribute = "tetragon.event";

    /// <summary>
    /// What a policy's call did, where the hook and its arguments say it (<see cref="TetragonHooks"/>): <c>connect</c>,
    /// <c>write</c>, <c>read</c>, <c>truncate</c>, <c>chmod</c>, the opens <c>openat</c>, <c>open</c>, <c>creat</c>
    /// (<see cref="TetragonOpenCalls"/>), the path calls (<see cref="TetragonPathCalls"/>) and the
    /// process calls <c>ptrace</c>, <c>socket</c>, <c>setuid</c>, <c>init_module</c>, <c>setns</c>, <c>unshare</c>
    /// (<see cref="TetragonProcessCalls"/>); absent for any other call.
    /// </summary>
    public const string OperationAttribute = "tetragon.operation";

    /// <summary>The mode a <c>chmod</c> sets (<c>security_path_chmod</c>'s <c>umode_t</c>), a number.</summary>
    public const string ModeAttribute = "tetragon.mode";

    private const string Exec = "process_exec";

    /// <summary>The events a TracingPolicy writes, each with where it names its hook.</summary>
    private static readonly string[] PolicyEvents = ["process_kprobe", "process_tracepoint", "process_lsm", "process_uprobe"];

    /// <summary>Events the export writes that ZtStream does not map, and why (the reason an item of one gets).</summary>
    private static readonly Dictionary<string, string> NotMapped = new(StringComparer.Ordinal)
    {
        ["process_exit"] = "a process exit is not mapped: the exec it ends was the event; leave exits out of the export (--export-denylist '{\"event_set\":[\"PROCESS_EXIT\"]}')",
        ["process_loader"] = "a loaded library is not mapped",
        ["process_usdt"] = "a USDT probe's event is not mapped",
        ["process_throttle"] = "a throttle notice is not mapped",
        ["rate_limit_info"] = "a rate-limit notice is not mapped",
        ["aggregation_info"] = "an aggregation notice is not mapped",
    };

    /// <summary>The members of the export's envelope beside the event.</summary>
    private static readonly HashSet<string> Envelope = new(["node_name", "time", "cluster_name", "node_labels", "aggregation_info"], StringComparer.Ordinal);

    /// <summary>Trimming the record above the bound: the arguments and ancestors first, never the process, pod or policy.</summary>
    private static readonly RawTrimPlan RawPlan = new([], new HashSet<string>(["node_name", "time", "cluster_name"], StringComparer.Ordinal), RawObject.LargestFirst);

    public static MapResult Map(ReadOnlySpan<byte> json, SourceMapOptions? options = null) =>
        JsonPayload.MapObjects(json, "a Tetragon event", options, MapOne);

    private static void MapOne(JsonElement record, int index, SourceMapOptions options, List<MappedEvent> items, List<ItemError> errors)
    {
        var type = TypeOf(record);
        if (type is null)
        {
            errors.Add(new ItemError(index, "$", $"data not recognized as a Tetragon event: expected one of {Exec}, {string.Join(", ", PolicyEvents)}"));
            return;
        }

        if (NotMapped.TryGetValue(type, out var why) || (type != Exec && Array.IndexOf(PolicyEvents, type) < 0))
        {
            errors.Add(new ItemError(index, type, why ?? $"a Tetragon \"{ItemError.Clip(type)}\" event is not mapped"));
            return;
        }

        if (record.Child(type) is not { ValueKind: JsonValueKind.Object } body)
        {
            errors.Add(new ItemError(index, type, $"expected a JSON object, got {JsonFields.Describe(record.GetProperty(type))}"));
            return;
        }

        if (body.Child("process") is not { ValueKind: JsonValueKind.Object } process)
        {
            errors.Add(new ItemError(index, type + ".process", "required: the process the event is about"));
            return;
        }

        // The export writes "time" (the event's); a record without it — older exports of process_exec — is dated by the
        // process's own start, which for an exec is the exec.
        var timeText = record.String("time") ?? (type == Exec ? process.String("start_time") : null);
        string? timeSource = null;
        DateTimeOffset time;
        if (timeText is not null)
        {
            if (!JsonFields.TryParseTime(timeText, out time))
            {
                errors.Add(new ItemError(index, record.String("time") is null ? type + ".process.start_time" : "time", $"not an RFC 3339 timestamp: \"{ItemError.Clip(timeText)}\""));
                return;
            }
        }
        else if (!options.TryFallbackTime(out time, out timeSource))
        {
            errors.Add(new ItemError(index, "time", "required: the event has no \"time\""));
            return;
        }

        var keep = FalcoMapper.NameLength(options);
        var pod = Object(process, "pod");
        var container = pod is { } inPod ? Object(inPod, "container") : null;
        var node = NonEmpty(record.String("node_name"));
        var containerId = ShortContainerId(container.String("id") ?? process.String("docker"));
        var workload = FalcoMapper.WorkloadOf(
            NonEmpty(pod.String("namespace")),
            NonEmpty(pod.String("name")),
            containerId,
            FalcoMapper.Clip(NonEmpty(container.String("name")), keep),
            NonEmpty(container is { } c ? c.Child("image").String("name") : null),
            node,
            hasSubject: false,
            keep,
            options.MaxFieldLength);

        var attributes = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            [EventAttribute] = JsonFields.Of(type),
        };
        Add(attributes, "tetragon.node", FalcoMapper.Clip(node, keep));
        Add(attributes, "tetragon.cluster", FalcoMapper.Clip(NonEmpty(record.String("cluster_name")), keep));
        Add(attributes, "container.id", containerId);
        AddProcess(attributes, process, parent: false, options);
        if (body.Child("parent") is { ValueKind: JsonValueKind.Object } parentProcess)
        {
            AddProcess(attributes, parentProcess, parent: true, options);
        }

        if (TetragonAncestors.Add(attributes, body, type, options) is { } badAncestors)
        {
            errors.Add(new ItemError(index, badAncestors.Field, badAncestors.Message));
            return;
        }

        Add(attributes, "tetragon.workload", FalcoMapper.Clip(NonEmpty(pod.String("workload")), keep));
        Add(attributes, "tetragon.workload_kind", FalcoMapper.Clip(NonEmpty(pod.String("workload_kind")), keep));
        if (process.Child("in_init_tree") is { ValueKind: JsonValueKind.True or JsonValueKind.False } initTree)
        {
            attributes["tetragon.in_init_tree"] = JsonFields.Of(initTree.ValueKind == JsonValueKind.True);
        }

        string? rule = null;
        NetworkInfo? network = null;
        if (type != Exec)
        {
            var hook = HookOf(type, body);
            var policy = NonEmpty(body.String("policy_name"));

            // Tetragon before 0.10 wrote no policy name: the hook names what fired.
            rule = DerivedIds.Bounded(policy ?? hook ?? type, Math.Min(options.MaxFieldLength, FalcoMapper.MaxName + 1));
            Add(attributes, "tetragon.policy", policy is null ? null : rule);
            Add(attributes, "tetragon.function", hook is null ? null : FalcoMapper.Clip(hook, keep));
            Add(attributes, "tetragon.action", NonEmpty(body.String("action")));
            Add(attributes, "tetragon.message", body.String("message") is { Length: > 0 } message ? FalcoMapper.Clip(message, keep) : null);
            if (body.Child("tags") is { ValueKind: JsonValueKind.Array } tags)
            {
                attributes["tetragon.tags"] = RawObject.Bounded(tags, options.MaxObjectBytes, RawObject.LargestFirst, out _);
            }

            if (body.Child("args") is { ValueKind: JsonValueKind.Array } args)
            {
                attributes["tetragon.args"] = RawObject.Bounded(args, options.MaxObjectBytes, RawObject.LargestFirst, out _);
                network = Arguments(args, attributes, keep);
            }

            // What the call did, read by its hook (TetragonHooks); a call whose arguments do not say what its operation needs is refused.
            if (hook is not null && TetragonHooks.Map(type, hook, body, attributes, keep) is { } badCall)
            {
                errors.Add(new ItemError(index, badCall.Field, badCall.Message));
                return;
            }

            if (body.Child("return") is { ValueKind: JsonValueKind.Object } returned)
            {
                attributes["tetragon.return"] = RawObject.Bounded(returned, options.MaxObjectBytes, RawObject.LargestFirst, out _);
            }
        }

        Add(attributes, TimeSources.Attribute, timeSource);
        var raw = RawObject.Bounded(record, options.MaxRawBytes, RawPlan, out var trimmed);
        if (trimmed is not null)
        {
            attributes[RawObject.TrimmedAttribute] = JsonFields.Of(trimmed);
        }

        items.Add(new MappedEvent(index, new AccessEvent
        {
            // The exec id names the process across the cluster; with the event's type, time and hook, one record.
            Id = DerivedIds.Of("tetragon-", type, process.String("exec_id"), timeText ?? (timeSource is null ? time.ToString("O") : "undated"), node, rule, HookOf(type, body), body.Child("args")?.GetRawText()),
            Time = time,
            Kind = type == Exec ? EventKinds.RuntimeProcess : EventKinds.RuntimeAlert,
            Workload = workload,
            Action = rule ?? "exec",
            Network = network,
            Attributes = attributes,
            Raw = raw,
        }));
        if (timeSource is null)
        {
            options.Dated(time);
        }
    }

    /// <summary>The event member of the record: the first that is not the envelope's; null when there is none.</summary>
    private static string? TypeOf(JsonElement record)
    {
        foreach (var member in record.EnumerateObject())
        {
            if (!Envelope.Contains(member.Name))
            {
                return member.Name;
            }
        }

        // A record that is only an aggregation notice.
        return record.Child("aggregation_info") is not null ? "aggregation_info" : null;
    }

    /// <summary>Where the policy hooked: a kprobe's or LSM hook's function, a tracepoint's <c>subsys/event</c>, a uprobe's <c>path:symbol</c>.</summary>
    private static string? HookOf(string type, JsonElement body) => type switch
    {
        "process_tracepoint" => NonEmpty(body.String("subsys")) is { } subsys ? subsys + "/" + body.String("event") : NonEmpty(body.String("event")),
        "process_uprobe" => NonEmpty(body.String("symbol")) is { } symbol ? (NonEmpty(body.String("path")) is { } path ? path + ":" + symbol : symbol) : NonEmpty(body.String("path")),
        _ => NonEmpty(body.String("function_name")),
    };

    /// <summary>
    /// The process (or its parent) in Falco's field names, so a rule reads one vocabulary: <c>proc.exepath</c> (the binary),
    /// <c>proc.name</c> (its file name), <c>proc.args</c> (argv[1..] joined by spaces, Tetragon's quoting taken off:
    /// <see cref="TetragonArguments"/>), <c>proc.cmdline</c> (name and arguments, as Falco writes it), <c>proc.cwd</c>,
    /// <c>user.uid</c>, <c>user.name</c>; the parent's as <c>proc.pexepath</c>, <c>proc.pname</c>,
    /// <c>tetragon.parent_args</c> (libsinsp has no field for a parent's arguments alone), <c>proc.pcmdline</c>; and the
    /// exec ids. The binary and the arguments are the two facts every rule format's process fields are read from.
    /// </summary>
    private static void AddProcess(Dictionary<string, JsonElement> attributes, JsonElement process, bool parent, SourceMapOptions options)
    {
        var binary = NonEmpty(process.String("binary"));
        var name = binary is null ? null : binary[(binary.LastIndexOf('/') + 1)..];
        var arguments = NonEmpty(process.String("arguments")) is { } quoted ? NonEmpty(TetragonArguments.Decode(quoted)) : null;
        var cmdline = name is null ? null : arguments is null ? name : name + " " + arguments;
        var max = options.MaxFieldLength - 1;
        Add(attributes, parent ? "proc.pexepath" : "proc.exepath", Clip(binary, max));
        Add(attributes, parent ? "proc.pname" : "proc.name", Clip(NonEmpty(name), max));
        Add(attributes, parent ? "proc.pcmdline" : "proc.cmdline", Clip(cmdline, max));
        Add(attributes, parent ? "tetragon.parent_exec_id" : "tetragon.exec_id", Clip(NonEmpty(process.String("exec_id")), max));
        Add(attributes, parent ? "tetragon.parent_args" : "proc.args", Clip(arguments, max));
        if (parent)
        {
            return;
        }

        Add(attributes, "proc.cwd", Clip(NonEmpty(process.String("cwd")), max));
        Add(attributes, "tetragon.flags", Clip(NonEmpty(process.String("flags")), max));
        if (process.Child("uid") is { ValueKind: JsonValueKind.Number } uid && uid.TryGetInt64(out var u))
        {
            attributes["user.uid"] = JsonFields.Of(u);
        }

        Add(attributes, "user.name", Clip(NonEmpty(process.Child("user").String("name")), max));

        // Tetragon names the executed file only when it is no file of the file system: a memfd, a POSIX shared-memory
        // object, or a binary deleted from disk (BinaryProperties.file); its inode's links are 0 when it lives in memory alone.
        if (process.Child("binary_properties") is { ValueKind: JsonValueKind.Object } properties
            && properties.Child("file") is { ValueKind: JsonValueKind.Object } file)
        {
            attributes["tetragon.binary_fileless"] = JsonFields.Of(true);
            if (file.Child("inode") is { ValueKind: JsonValueKind.Object } inode
                && inode.Child("links") is { ValueKind: JsonValueKind.Number } links && links.TryGetInt64(out var count))
            {
                attributes["tetragon.binary_links"] = JsonFields.Of(count);
            }

            Add(attributes, "tetragon.binary_file", Clip(NonEmpty(file.String("path")), max));
        }
    }

    /// <summary>
    /// Lifts what a rule reads out of a policy's arguments: the files and paths (<c>file_arg</c>, <c>path_arg</c>) into
    /// <c>fd.name</c> (the first) and <c>tetragon.paths</c> (all), the strings (<c>string_arg</c>: a filename, a
    /// command) into <c>tetragon.strings</c>; the first socket (<c>sock_arg</c>) is the event's network, the process being
    /// its source.
    /// </summary>
    private static NetworkInfo? Arguments(JsonElement args, Dictionary<string, JsonElement> attributes, int keep)
    {
        List<string>? paths = null, strings = null;
        NetworkInfo? network = null;
        foreach (var arg in args.EnumerateArray())
        {
            if (arg.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            if ((arg.Child("file_arg") ?? arg.Child("path_arg")) is { ValueKind: JsonValueKind.Object } file && NonEmpty(file.String("path")) is { } path)
            {
                (paths ??= []).Add(FalcoMapper.Clip(path, keep)!);
            }
            else if (NonEmpty(arg.String("string_arg")) is { } text)
            {
                (strings ??= []).Add(FalcoMapper.Clip(text, keep)!);
            }
            else if (network is null && arg.Child("sock_arg") is { ValueKind: JsonValueKind.Object } sock)
            {
                network = new NetworkInfo
                {
                    SrcIp = Address(sock.String("saddr")),
                    DstIp = Address(sock.String("daddr")),
                    DstPort = Port(sock.Int("dport")),
                };

                // The process's side of the socket is the client (Falco's fd.cport), its protocol Falco's fd.l4proto.
                if (Port(sock.Int("sport")) is { } sport)
                {
                    attributes["fd.cport"] = JsonFields.Of((long)sport);
                }

                Add(attributes, "fd.l4proto", Protocol(sock.String("protocol")));
            }
            else if (network is null && arg.Child("sockaddr_arg") is { ValueKind: JsonValueKind.Object } sockaddr
                && Address(sockaddr.String("addr")) is { } address)
            {
                // A sockaddr (security_socket_connect's) is the address asked for: the destination, no source. An
                // AF_UNIX one holds a path, no address, and is no network.
                network = new NetworkInfo { DstIp = address, DstPort = Port(sockaddr.Int("port")) };
            }
        }

        if (paths is not null)
        {
            attributes["fd.name"] = JsonFields.Of(paths[0]);
            attributes["tetragon.paths"] = JsonFields.Of(paths);
        }

        if (strings is not null)
        {
            attributes["tetragon.strings"] = JsonFields.Of(strings);
        }

        return network is { SrcIp: null, DstIp: null, DstPort: null } ? null : network;
    }

    /// <summary>
    /// Whether a policy's call is one a hook reported done: a kprobe's or LSM hook's, neither overridden by the policy nor
    /// refused by the kernel (a non-zero return).
    /// </summary>
    internal static bool Reported(string type, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? hook, JsonElement body) =>
        hook is not null && type is "process_kprobe" or "process_lsm"
        && body.String("action") != "KPROBE_ACTION_OVERRIDE"
        && !(body.Child("return") is { ValueKind: JsonValueKind.Object } returned && returned.Int("int_arg") is not (null or 0));

    /// <summary>A syscall's name without the architecture's prefix Tetragon reports it with (<c>__x64_sys_write</c>).</summary>
    internal static string WithoutSyscallPrefix(string hook) =>
        hook.StartsWith("__x64_", StringComparison.Ordinal) ? hook[6..]
        : hook.StartsWith("__arm64_", StringComparison.Ordinal) ? hook[8..]
        : hook;

    private static int? Port(int? port) => port is > 0 and <= 65535 ? port : null;

    /// <summary>Tetragon's protocol name (<c>IPPROTO_TCP</c>) as Falco's <c>fd.l4proto</c> writes it (<c>tcp</c>).</summary>
    private static string? Protocol(string? protocol) => protocol switch
    {
        "IPPROTO_TCP" => "tcp",
        "IPPROTO_UDP" => "udp",
        "IPPROTO_ICMP" or "IPPROTO_ICMPV6" => "icmp",
        "IPPROTO_RAW" => "raw",
        _ => null,
    };

    /// <summary>An address in the one form every adapter writes it; anything else is none.</summary>
    internal static string? Address(string? text) =>
        text is { Length: > 0 and <= 64 } && IPAddress.TryParse(text, out var ip) ? ForwardedChain.Canonical(ip) : null;

    /// <summary>
    /// A container's id as Falco names it (the first 12 hex digits, without the runtime's <c>containerd://</c> or
    /// <c>cri-o://</c>), so one container is one workload whichever tool saw it; Tetragon's <c>docker</c> holds 15.
    /// </summary>
    private static string? ShortContainerId(string? id)
    {
        if (NonEmpty(id) is not { } text)
        {
            return null;
        }

        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        var bare = scheme >= 0 ? text[(scheme + 3)..] : text;
        return bare.Length == 0 ? null : bare.Length > 12 ? bare[..12] : bare;
    }

    private static JsonElement? Object(JsonElement parent, string name) =>
        parent.Child(name) is { ValueKind: JsonValueKind.Object } child ? child : null;

    private static string? Clip(string? value, int keep) => FalcoMapper.Clip(value, keep);

    private static string? NonEmpty(string? value) => FalcoMapper.NonEmpty(value);

    private static void Add(Dictionary<string, JsonElement> attributes, string key, string? value) => FalcoMapper.Add(attributes, key, value);
}
