namespace ZtStream.Verifier.Rules.Falco;

/// <summary>
/// libsinsp's fields (falcosecurity/libs, <c>userspace/libsinsp/sinsp_filtercheck_*.cpp</c>) for the one system call
/// ZtStream sees: a successful exec, as Tetragon exports it (<c>{"process_exec":{"process":{…},"parent":{…}},
/// "node_name":…,"time":…}</c>, kept as the <c>runtime.process</c> event's <c>raw</c>). Each field has Falco's meaning
/// where the record gives it faithfully; a field the record cannot give is named with the reason
/// (<see cref="NotCarried"/>), never read as a wrong or missing value.
/// </summary>
internal static partial class FalcoFieldCatalog
{
    /// <summary>
    /// libsinsp's <c>proc.name</c> is the task's <c>comm</c>, which the kernel cuts to 15 bytes (TASK_COMM_LEN 16 with its
    /// NUL): the stock lists name <c>dpkg-preconfigu</c>, <c>unattended-upgr</c> so.
    /// </summary>
    public const int CommLength = 15;

    /// <summary>Tetragon's <c>auid</c> when no login set it (<c>(uid_t)-1</c>), which libsinsp's <c>user.loginuid</c> gives as -1.</summary>
    private const uint NoLoginUid = uint.MaxValue;

    private static readonly byte[] Host = "host"u8.ToArray();

    private const string NoFile = "a process exec opens no file or socket: fd.* and fs.* describe the descriptor of a file or network system call, and ZtStream sees execs only";
    private const string NoArgv0 = "it is argv[0] as the caller wrote it, which Tetragon does not record (it gives the executed file, proc.exepath, and the arguments after argv[0], proc.args)";
    private const string NoLeader = "Tetragon names a process's parent and ancestors, but not which of them leads its session or process group";
    private const string NoSyscallArgs = "the exec's system-call arguments are not in Tetragon's record beyond the file (proc.exepath), the arguments (proc.args) and the directory (proc.cwd)";
    private const string NotInRecord = "Tetragon's process_exec record does not carry it";

    /// <summary>
    /// libsinsp's <c>proc.exepath</c> is the executed file's canonical path, symlinks resolved (its field description; the
    /// drivers' <c>trusted_exepath</c>); Tetragon's <c>binary</c> is the path the exec named, made absolute, symlinks kept
    /// (cilium/tetragon#2336, #3582: <c>/bin/ls</c> for busybox).
    /// </summary>
    private const string NoCanonicalPath = "libsinsp's is the executed file's canonical path, symlinks resolved, and Tetragon's binary is the path the exec named, symlinks kept (a link named /tmp/x to /dev/shm/x would read /tmp/x): in an output it is that path";

    /// <summary>
    /// libsinsp fields a process-exec record cannot give, by name or by class prefix, with why. In a condition each is a load
    /// error naming the field; in an output it is <c>&lt;NA&gt;</c>, as Falco prints a field without a value.
    /// </summary>
    private static readonly Dictionary<string, string> NotCarriedFields = new(StringComparer.Ordinal)
    {
        ["proc.exe"] = NoArgv0,
        ["proc.pexe"] = NoArgv0,
        ["proc.aexe"] = NoArgv0,
        ["proc.exeline"] = NoArgv0,
        ["proc.sname"] = NoLeader,
        ["proc.sid.exe"] = NoLeader,
        ["proc.sid.exepath"] = NoLeader,
        ["proc.vpgid.name"] = NoLeader,
        ["proc.vpgid.exe"] = NoLeader,
        ["proc.vpgid.exepath"] = NoLeader,
        ["proc.aenv"] = "Tetragon's records carry no process's environment beyond the exec's own, and that only with --enable-process-environment-variables",
        ["proc.loginshellid"] = "it is the outermost ancestor whose name ends in sh, and Tetragon's ancestors list, when exported at all, may stop short of it",
        ["proc.tty"] = "Tetragon's process_exec does not say whether the process has a controlling terminal",
        ["proc.is_exe_upper_layer"] = "Tetragon's process_exec does not say which overlayfs layer the executed file is in",
        ["proc.is_exe_from_memfd"] = "Tetragon names the executed file only when it is no file on disk, and then does not tell a memfd from a shared-memory object or a deleted file",
        ["proc.is_exe_writable"] = NotInRecord,
        ["proc.env"] = NotInRecord,
        ["proc.pvpid"] = "Tetragon's pid is the host's; the pid in the container's namespace is not in every record",
        ["proc.sid"] = NotInRecord,
        ["proc.vpgid"] = NotInRecord,
        ["proc.is_sid_leader"] = NotInRecord,
        ["proc.is_vpgid_leader"] = NotInRecord,
        ["proc.duration"] = "an exec is the process's start: how long it has run is known only to later system calls",
        ["proc.ppid.duration"] = NotInRecord,
        ["proc.pid.ts"] = NotInRecord,
        ["proc.ppid.ts"] = NotInRecord,
        ["proc.exe_ino"] = NotInRecord,
        ["proc.exe_ino.ctime"] = NotInRecord,
        ["proc.exe_ino.mtime"] = NotInRecord,
        ["proc.exe_ino.ctime_duration_proc_start"] = NotInRecord,
        ["proc.exe_ino.ctime_duration_pidns_start"] = NotInRecord,
        ["proc.pidns_init_start_ts"] = NotInRecord,
        ["proc.is_container_healthcheck"] = NotInRecord,
        ["proc.is_container_liveness_probe"] = NotInRecord,
        ["proc.is_container_readiness_probe"] = NotInRecord,
        ["proc.fdopencount"] = NotInRecord,
        ["proc.fdlimit"] = NotInRecord,
        ["proc.fdusage"] = NotInRecord,
        ["proc.vmsize"] = NotInRecord,
        ["proc.vmrss"] = NotInRecord,
        ["proc.vmswap"] = NotInRecord,
        ["proc.cmdnargs"] = "Tetragon joins the arguments into one string, so their number is not known",
        ["proc.cmdlenargs"] = "Tetragon joins the arguments into one string, so their lengths are not known",
        ["proc.nthreads"] = NotInRecord,
        ["proc.nchilds"] = NotInRecord,
        ["user.loginname"] = NotInRecord,
        ["user.homedir"] = NotInRecord,
        ["user.shell"] = NotInRecord,
        ["container.image.id"] = "Tetragon's image id is the image reference with its digest, not the short image id libsinsp gives",
        ["container.image.digest"] = NotInRecord,
        ["container.full_id"] = NotInRecord,
        ["container.type"] = NotInRecord,
        ["container.privileged"] = "the Tetragon record this mapping is confirmed against carries no security context of the container",
        ["container.mounts"] = NotInRecord,
        ["container.mount"] = NotInRecord,
        ["container.mount.source"] = NotInRecord,
        ["container.mount.dest"] = NotInRecord,
        ["container.mount.mode"] = NotInRecord,
        ["container.mount.rdwr"] = NotInRecord,
        ["container.mount.propagation"] = NotInRecord,
        ["container.healthcheck"] = NotInRecord,
        ["container.liveness_probe"] = NotInRecord,
        ["container.readiness_probe"] = NotInRecord,
        ["container.start_ts"] = NotInRecord,
        ["container.duration"] = NotInRecord,
        ["container.ip"] = NotInRecord,
        ["container.cni.json"] = NotInRecord,
        ["container.host_pid"] = NotInRecord,
        ["container.host_network"] = NotInRecord,
        ["container.host_ipc"] = NotInRecord,
        ["container.label"] = NotInRecord,
        ["container.labels"] = NotInRecord,
        ["k8s.pod.id"] = NotInRecord,
        ["k8s.pod.uid"] = NotInRecord,
        ["k8s.pod.sandbox_id"] = NotInRecord,
        ["k8s.pod.full_sandbox_id"] = NotInRecord,
        ["k8s.pod.labels"] = NotInRecord,
        ["k8s.pod.ip"] = NotInRecord,
        ["k8s.pod.cni.json"] = NotInRecord,
        ["k8s.ns.id"] = NotInRecord,
        ["k8s.ns.label"] = NotInRecord,
        ["k8s.ns.labels"] = NotInRecord,
        ["evt.args"] = NoSyscallArgs,
        ["evt.arg"] = NoSyscallArgs,
        ["evt.rawarg"] = NoSyscallArgs,
        ["evt.info"] = NoSyscallArgs,
        ["evt.buffer"] = NoSyscallArgs,
        ["evt.buflen"] = NoSyscallArgs,
        ["evt.is_open_read"] = "it describes an open, and ZtStream sees execs only",
        ["evt.is_open_write"] = "it describes an open, and ZtStream sees execs only",
        ["evt.is_open_exec"] = "it describes an open, and ZtStream sees execs only",
        ["evt.is_open_create"] = "it describes an open, and ZtStream sees execs only",
        ["evt.is_io"] = NotInRecord,
        ["evt.is_io_read"] = NotInRecord,
        ["evt.is_io_write"] = NotInRecord,
        ["evt.io_dir"] = NotInRecord,
        ["evt.is_wait"] = NotInRecord,
        ["evt.is_syslog"] = NotInRecord,
        ["evt.latency"] = NotInRecord,
        ["evt.cpu"] = NotInRecord,
        ["evt.hostname"] = "Tetragon names the Kubernetes node (node_name), which need not be the host's name",
        ["evt.category"] = NotInRecord,
        ["evt.abspath"] = NoSyscallArgs,
    };

    /// <summary>Whole classes of libsinsp fields a process-exec record has none of.</summary>
    private static readonly (string Prefix, string Why)[] NotCarriedClasses =
    [
        ("fd.", NoFile),
        ("fdlist.", NoFile),
        ("fs.", NoFile),
        ("evt.arg.", NoSyscallArgs),
        ("evt.rawarg.", NoSyscallArgs),
        ("thread.", "Tetragon's process_exec names the process and its capability sets (thread.cap_*), not its threads or scheduling"),
        ("group.", "Tetragon's process_exec names the user (uid) and not the group"),
        ("k8s.rc.", NotInRecord),
        ("k8s.rs.", NotInRecord),
        ("k8s.svc.", NotInRecord),
        ("k8s.deployment.", NotInRecord),
        ("syslog.", NotInRecord),
    ];

    /// <summary>Why a libsinsp field cannot be read from a process exec, or null when it can (or is no libsinsp field).</summary>
    public static string? NotCarried(string name)
    {
        if (IsCapabilityField(name))
        {
            return null;
        }

        if (NotCarriedFields.TryGetValue(name, out var why))
        {
            return why;
        }

        foreach (var (prefix, reason) in NotCarriedClasses)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return reason;
            }
        }

        return null;
    }

    private static void AddSyscall(Dictionary<string, Spec> f)
    {
        var sys = FalcoSource.Syscall;
        string[] process = [FalcoSource.TetragonEventMember, "process"];
        string[] parent = [FalcoSource.TetragonEventMember, "parent"];
        string[] pod = [.. process, "pod"];
        string[] container = [.. pod, "container"];
        void Constant(string name, string value) =>
            f[name] = new Spec(Arg.None, (t, _, _, _) => new FalcoConstantField(t, Encoding.UTF8.GetBytes(value)), sys);
        void Computed(string name, Func<FalcoSlots, FalcoComputedField.Compute> compute) =>
            f[name] = new Spec(Arg.None, (t, _, _, slots) => new FalcoComputedField(t, compute(slots)), sys);
        void Path(string name, params string[] path) =>
            f[name] = new Spec(Arg.None, (t, _, _, slots) => new FalcoPathField(t, slots.Path(path), nullIsMissing: true), sys);
        void NamedPath(string name, bool parent) =>
            f[name] = new Spec(Arg.None, (t, _, _, _) => throw NamedPathOnly(t, parent), sys);

        // Tetragon writes process_exec for an exec that succeeded (sched_process_exec), and does not say whether the
        // caller used execve or execveat: every exec is execve's exit, "<", with a result of 0.
        Constant("evt.type", "execve");
        Constant("evt.dir", "<");
        Constant("evt.res", "SUCCESS");
        Constant("evt.rawres", "0");
        Constant("evt.failed", "false");

        // The process's and its parent's binary and arguments are read where Ingest wrote them, decoded, for every rule
        // format (ExecProcesses); the rest from the record.
        Computed("proc.name", _ => ExecField(Name, parent: false));
        NamedPath("proc.exepath", parent: false);
        Computed("proc.args", _ => ExecField(Arguments, parent: false));
        Computed("proc.cmdline", _ => ExecField(CommandLine, parent: false));
        Computed("proc.cwd", slots => Derived(slots.Path([.. process, "cwd"]), WorkingDirectory));
        Path("proc.pid", [.. process, "pid"]);
        Computed("proc.vpid", slots => VirtualPid(slots, container, process));
        Computed("proc.pname", _ => ExecField(Name, parent: true));
        NamedPath("proc.pexepath", parent: true);
        Computed("proc.pcmdline", _ => ExecField(CommandLine, parent: true));
        Path("proc.ppid", [.. parent, "pid"]);

        AddAncestors(f, process, parent);

        Computed("user.uid", slots => EffectiveUid(slots, process));
        Path("user.name", [.. process, "user", "name"]);
        Computed("user.loginuid", slots => Derived(slots.Path([.. process, "auid"]), LoginUid));

        Computed("container.id", slots => ContainerId(slots, container, process));
        Computed("container.name", slots => ContainerName(slots, container, process));
        Path("container.image", [.. container, "image", "name"]);
        Computed("container.image.repository", slots => Derived(slots.Path([.. container, "image", "name"]), image => ImagePart(image, tag: false)));
        Computed("container.image.tag", slots => Derived(slots.Path([.. container, "image", "name"]), image => ImagePart(image, tag: true)));
        Path("k8s.ns.name", [.. pod, "namespace"]);
        Path("k8s.pod.name", [.. pod, "name"]);
        AddCapabilities(f, process);
        f["k8s.pod.label"] = new Spec(Arg.Required, (t, a, _, slots) => new FalcoPathField(t, slots.Path([.. pod, "pod_labels", a!]), nullIsMissing: true), sys);
    }

    /// <summary>A value of the process or its parent from its binary and arguments; null when it has none.</summary>
    private delegate byte[]? ExecValue(ReadOnlySpan<byte> binary, ReadOnlySpan<byte> arguments, bool hasArguments);

    private static FalcoComputedField.Compute ExecField(ExecValue of, bool parent) => ExecField(of, parent ? 1 : 0);

    /// <summary>
    /// <paramref name="of"/> the process <paramref name="depth"/> levels up (0 the process, 1 its parent) Ingest wrote on
    /// the event (<see cref="ExecProcesses"/>): no value when the event names no such process (a line without a parent).
    /// </summary>
    private static FalcoComputedField.Compute ExecField(ExecValue of, int depth) =>
        (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = ExecValueAt(of, e, depth);
            return array is not null;
        };

    private static byte[]? ExePath(ReadOnlySpan<byte> binary, ReadOnlySpan<byte> arguments, bool hasArguments) => binary.ToArray();

    /// <summary>
    /// <c>proc.exepath</c> and the parent's: refused in a condition, which would test another path than libsinsp's for an
    /// exec through a symlink; in an output, the path the exec named, so an alert still says what ran.
    /// </summary>
    private static FalcoNotCarriedException NamedPathOnly(string field, bool parent) => NamedPathOnly(field, parent ? 1 : 0);

    private static FalcoNotCarriedException NamedPathOnly(string field, int depth) =>
        new(field, NoCanonicalPath) { InOutput = new FalcoComputedField(field, ExecField(ExePath, depth)) };

    /// <summary><c>proc.name</c>: the executed file's name, cut to <see cref="CommLength"/> bytes as the kernel's <c>comm</c>.</summary>
    private static byte[]? Name(ReadOnlySpan<byte> binary, ReadOnlySpan<byte> arguments, bool hasArguments) => CommOf(binary).ToArray();

    /// <summary><c>proc.args</c>: the arguments after argv[0]; the empty string when there are none, as libsinsp gives them.</summary>
    private static byte[]? Arguments(ReadOnlySpan<byte> binary, ReadOnlySpan<byte> arguments, bool hasArguments) => arguments.ToArray();

    /// <summary><c>proc.cmdline</c>: <c>proc.name</c>, then a blank and <c>proc.args</c> when there are arguments.</summary>
    private static byte[]? CommandLine(ReadOnlySpan<byte> binary, ReadOnlySpan<byte> arguments, bool hasArguments) =>
        hasArguments && !arguments.IsEmpty ? [.. CommOf(binary), (byte)' ', .. arguments] : CommOf(binary).ToArray();

    private static ReadOnlySpan<byte> CommOf(ReadOnlySpan<byte> path)
    {
        var name = path[(path.LastIndexOf((byte)'/') + 1)..];
        return name.Length > CommLength ? name[..CommLength] : name;
    }

    /// <summary>
    /// <c>user.uid</c>: libsinsp's is the effective uid (the drivers fill the exec's and the clone's uid with the task's
    /// euid). Tetragon's <c>uid</c> is the real one; its effective one is <c>process_credentials.euid</c> when the export
    /// has the credentials (<c>--enable-process-cred</c>), else <c>binary_properties.setuid</c> when the exec changed it
    /// (a set-user-ID file), else the real one, which it then equals.
    /// </summary>
    private static FalcoComputedField.Compute EffectiveUid(FalcoSlots slots, string[] process)
    {
        FalcoRootPath[] sources = [slots.Path([.. process, "process_credentials", "euid"]), slots.Path([.. process, "binary_properties", "setuid"]), slots.Path([.. process, "uid"])];
        return (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = null;
            foreach (var source in sources)
            {
                if (source.TryGet(e, out var uid) && uid.ValueKind == JsonValueKind.Number && uid.TryGetUInt32(out var id))
                {
                    array = Encoding.UTF8.GetBytes(id.ToString(CultureInfo.InvariantCulture));
                    return true;
                }
            }

            return false;
        };
    }

    /// <summary><c>proc.cwd</c>: libsinsp keeps the working directory with a closing '/'.</summary>
    private static byte[]? WorkingDirectory(JsonElement cwd)
    {
        var text = TextOf(cwd);
        return text.IsEmpty ? null : text[^1] == (byte)'/' ? text.ToArray() : [.. text, (byte)'/'];
    }

    private static byte[]? LoginUid(JsonElement auid) =>
        auid.ValueKind != JsonValueKind.Number || !auid.TryGetUInt32(out var id) ? null
        : id == NoLoginUid ? "-1"u8.ToArray()
        : Encoding.UTF8.GetBytes(id.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// <c>container.id</c>: the first 12 digits of the container's id (without <c>containerd://</c>, <c>cri-o://</c>), as
    /// libsinsp names containers; Tetragon's <c>docker</c> when there is no pod; <c>host</c> for a process in none.
    /// </summary>
    private static FalcoComputedField.Compute ContainerId(FalcoSlots slots, string[] container, string[] process)
    {
        var id = slots.Path([.. container, "id"]);
        var docker = slots.Path([.. process, "docker"]);
        return (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = ShortId(id, docker, e) ?? Host;
            return true;
        };
    }

    private static byte[]? ShortId(FalcoRootPath id, FalcoRootPath docker, in FalcoEvent e)
    {
        var text = id.TryGet(e, out var v) ? TextOf(v) : default;
        if (text.IsEmpty && docker.TryGet(e, out var d))
        {
            text = TextOf(d);
        }

        var scheme = text.IndexOf("://"u8);
        if (scheme >= 0)
        {
            text = text[(scheme + 3)..];
        }

        return text.IsEmpty ? null : (text.Length > 12 ? text[..12] : text).ToArray();
    }

    /// <summary>
    /// <c>proc.vpid</c>: the pid in the process's own pid namespace — in a pod's container Tetragon's
    /// <c>pod.container.pid</c> ("process identifier in the container namespace"), on the host the host's pid; no value
    /// in a container Tetragon names without a pod, whose namespace pid it does not give.
    /// </summary>
    private static FalcoComputedField.Compute VirtualPid(FalcoSlots slots, string[] container, string[] process)
    {
        var id = slots.Path([.. container, "id"]);
        var docker = slots.Path([.. process, "docker"]);
        var inContainer = slots.Path([.. container, "pid"]);
        var onHost = slots.Path([.. process, "pid"]);
        return (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            var pid = ShortId(id, docker, e) is null ? onHost : inContainer;
            array = pid.TryGet(e, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetUInt32(out var n)
                ? Encoding.UTF8.GetBytes(n.ToString(CultureInfo.InvariantCulture))
                : null;
            return array is not null;
        };
    }

    /// <summary><c>container.name</c>: the container's name; <c>host</c> for a process in no container, as libsinsp.</summary>
    private static FalcoComputedField.Compute ContainerName(FalcoSlots slots, string[] container, string[] process)
    {
        var id = slots.Path([.. container, "id"]);
        var docker = slots.Path([.. process, "docker"]);
        var name = slots.Path([.. container, "name"]);
        return (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = ShortId(id, docker, e) is null ? Host : name.TryGet(e, out var n) && TextOf(n) is { IsEmpty: false } text ? text.ToArray() : null;
            return array is not null;
        };
    }

    /// <summary>
    /// <c>container.image.repository</c> and <c>.tag</c>: the image reference without its digest, split at the ':' after
    /// its last '/' (a registry's port is no tag); an image without a tag has no tag value.
    /// </summary>
    private static byte[]? ImagePart(JsonElement image, bool tag)
    {
        var text = TextOf(image);
        var at = text.IndexOf((byte)'@');
        if (at >= 0)
        {
            text = text[..at];
        }

        var slash = text.LastIndexOf((byte)'/');
        var colon = text[(slash + 1)..].IndexOf((byte)':');
        if (colon >= 0)
        {
            colon += slash + 1;
        }

        if (text.IsEmpty)
        {
            return null;
        }

        return tag ? (colon < 0 ? null : text[(colon + 1)..].ToArray()) : (colon < 0 ? text : text[..colon]).ToArray();
    }
}

/// <summary>A field with one value on every event of its source (<c>evt.type</c> of an exec): a check of it is known at load.</summary>
internal sealed class FalcoConstantField(string text, byte[] value) : FalcoField(text, isList: false)
{
    public override bool Visit(in FalcoEvent e, FalcoValueTest test, bool all, out bool present)
    {
        present = true;
        return test.Test(value);
    }
}

/// <summary>A field of Falco's that ZtStream's events of the source cannot give: <c>&lt;NA&gt;</c> in an output.</summary>
internal sealed class FalcoMissingField(string text) : FalcoField(text, isList: false)
{
    public override bool Visit(in FalcoEvent e, FalcoValueTest test, bool all, out bool present)
    {
        present = false;
        return false;
    }
}

/// <summary>A libsinsp field the events of the rule's source do not carry; an error in a condition, <c>&lt;NA&gt;</c> in an output.</summary>
internal sealed class FalcoNotCarriedException(string field, string why, string carrier = "a process exec")
    : FalcoCompileException($"reads {field}, which {carrier} does not carry: {why}")
{
    /// <summary>What an output shows for the field: <c>&lt;NA&gt;</c> when null.</summary>
    public FalcoField? InOutput { get; init; }
}
