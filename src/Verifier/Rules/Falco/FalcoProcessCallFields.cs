namespace ZtStream.Verifier.Rules.Falco;

/// <summary>
/// The process calls a Tetragon TracingPolicy reports that Ingest names (TetragonProcessCalls: <c>ptrace</c>, <c>socket</c>,
/// <c>setuid</c>, a module loaded, <c>setns</c>, <c>unshare</c>), each read as the event of libsinsp's the stock rules
/// test (falcosecurity/libs <c>driver/event_table.c</c>): the enter event of a call read by its arguments —
/// <c>ptrace</c>'s request, <c>socket</c>'s domain, <c>setuid</c>'s uid, which libsinsp's enter events carry — and the exit
/// of one read by what it did. A policy's kprobe fires when the call is made, with its arguments; what it returned only
/// when the policy asks (<c>return: true</c>), so an exit is read both ways where the record need not say.
/// </summary>
internal static class FalcoProcessCalls
{
    /// <summary><c>ptrace</c>'s enter event: <c>request</c> (libsinsp's <c>ptrace_requests</c> name), <c>pid</c>.</summary>
    public static FalcoSyscallCall Ptrace { get; } = new("ptrace", ["ptrace"], "Tetragon's ptrace calls", [FalcoCallResult.Entered], entry: true, carrier: "a ptrace call");

    /// <summary><c>socket</c>'s enter event: <c>domain</c> (<c>AF_PACKET</c>), <c>type</c>, <c>proto</c>.</summary>
    public static FalcoSyscallCall Socket { get; } = new("socket", ["socket"], "Tetragon's sockets created", [FalcoCallResult.Entered], entry: true, carrier: "a socket created");

    /// <summary><c>setuid</c>'s enter event: <c>uid</c>.</summary>
    public static FalcoSyscallCall Setuid { get; } = new("setuid", ["setuid"], "Tetragon's setuid calls", [FalcoCallResult.Entered], entry: true, carrier: "a setuid call");

    /// <summary>
    /// A module loaded (<c>do_init_module</c>, or <c>init_module</c>/<c>finit_module</c> with their return), the exit of
    /// either call, which of them Tetragon's <c>do_init_module</c> does not say. It runs once the kernel checked the
    /// caller's CAP_SYS_MODULE and the module; the module's own init may still fail, so the result is read both ways.
    /// </summary>
    public static FalcoSyscallCall ModuleLoad { get; } = new("init_module", ["init_module", "finit_module"], "Tetragon's kernel modules loaded", [FalcoCallResult.Done, FalcoCallResult.NotPermitted], carrier: "a kernel module load");

    /// <summary><c>setns</c>'s exit; the kernel may still refuse the namespace (EPERM), so the result is read both ways.</summary>
    public static FalcoSyscallCall Setns { get; } = new("setns", ["setns"], "Tetragon's setns calls", [FalcoCallResult.Done, FalcoCallResult.NotPermitted], carrier: "a setns call");

    /// <summary><c>unshare</c>'s exit, read both ways as <c>setns</c>'s.</summary>
    public static FalcoSyscallCall Unshare { get; } = new("unshare", ["unshare"], "Tetragon's unshare calls", [FalcoCallResult.Done, FalcoCallResult.NotPermitted], carrier: "an unshare call");

    public static IReadOnlyList<FalcoSyscallCall> All { get; } = [Ptrace, Socket, Setuid, ModuleLoad, Setns, Unshare];
}

internal static partial class FalcoFieldCatalog
{
    /// <summary>Ingest's attributes of a process call's arguments (TetragonProcessCalls).</summary>
    private const string PtraceRequest = "tetragon.ptrace_request", SocketFamily = "tetragon.socket_family", SocketType = "tetragon.socket_type", SocketProtocol = "tetragon.socket_protocol";

    /// <summary>
    /// The kernel's ptrace requests (include/uapi/linux/ptrace.h, x86's asm/ptrace-abi.h) by the names libsinsp's
    /// <c>ptrace_requests</c> flags print them; a request it has no name for has no value.
    /// </summary>
    private static readonly Dictionary<long, string> PtraceRequests = new()
    {
        [0] = "PTRACE_TRACEME", [1] = "PTRACE_PEEKTEXT", [2] = "PTRACE_PEEKDATA", [3] = "PTRACE_PEEKUSR", [4] = "PTRACE_POKETEXT",
        [5] = "PTRACE_POKEDATA", [6] = "PTRACE_POKEUSR", [7] = "PTRACE_CONT", [8] = "PTRACE_KILL", [9] = "PTRACE_SINGLESTEP",
        [12] = "PTRACE_GETREGS", [13] = "PTRACE_SETREGS", [14] = "PTRACE_GETFPREGS", [15] = "PTRACE_SETFPREGS", [16] = "PTRACE_ATTACH",
        [17] = "PTRACE_DETACH", [18] = "PTRACE_GETFPXREGS", [19] = "PTRACE_SETFPXREGS", [21] = "PTRACE_OLDSETOPTIONS", [24] = "PTRACE_SYSCALL",
        [25] = "PTRACE_GET_THREAD_AREA", [26] = "PTRACE_SET_THREAD_AREA", [30] = "PTRACE_ARCH_PRCTL", [31] = "PTRACE_SYSEMU",
        [32] = "PTRACE_SYSEMU_SINGLESTEP", [33] = "PTRACE_SINGLEBLOCK", [0x4200] = "PTRACE_SETOPTIONS", [0x4201] = "PTRACE_GETEVENTMSG",
        [0x4202] = "PTRACE_GETSIGINFO", [0x4203] = "PTRACE_SETSIGINFO", [0x4204] = "PTRACE_GETREGSET", [0x4205] = "PTRACE_SETREGSET",
        [0x4206] = "PTRACE_SEIZE", [0x4207] = "PTRACE_INTERRUPT", [0x4208] = "PTRACE_LISTEN", [0x4209] = "PTRACE_PEEKSIGINFO",
        [0x420a] = "PTRACE_GETSIGMASK", [0x420b] = "PTRACE_SETSIGMASK",
    };

    /// <summary>
    /// The kernel's address families (include/linux/socket.h) by the names libsinsp's <c>socket_families</c> print; any
    /// other family is printed as its number.
    /// </summary>
    private static readonly Dictionary<long, string> SocketFamilies = new()
    {
        [0] = "AF_UNSPEC", [1] = "AF_UNIX", [2] = "AF_INET", [3] = "AF_AX25", [4] = "AF_IPX", [5] = "AF_APPLETALK", [9] = "AF_X25",
        [10] = "AF_INET6", [15] = "AF_KEY", [16] = "AF_NETLINK", [17] = "AF_PACKET", [29] = "AF_CAN", [30] = "AF_TIPC",
        [31] = "AF_BLUETOOTH", [38] = "AF_ALG", [40] = "AF_VSOCK", [44] = "AF_XDP",
    };

    /// <summary>libsinsp's capability sets, which Tetragon's <c>process.cap</c> carries (<see cref="AddCapabilities"/>).</summary>
    private static bool IsCapabilityField(string name) => name is "thread.cap_permitted" or "thread.cap_effective" or "thread.cap_inheritable";

    /// <summary>
    /// <c>thread.cap_permitted</c>, <c>.cap_effective</c>, <c>.cap_inheritable</c>: the process's capability sets, which
    /// Tetragon exports as <c>process.cap</c> (<c>permitted</c>, <c>effective</c>, <c>inheritable</c>, lists of
    /// <c>CAP_*</c> names, with <c>--enable-process-cred</c>), joined by spaces as libsinsp's <c>caps_to_string</c> writes
    /// them (<c>CAP_CHOWN CAP_SYS_ADMIN</c>); no value without them.
    /// </summary>
    private static void AddCapabilities(Dictionary<string, Spec> f, string[] process)
    {
        // Built with the catalog, before this file's static fields are set: no static array here.
        foreach (var field in (ReadOnlySpan<string>)["thread.cap_permitted", "thread.cap_effective", "thread.cap_inheritable"])
        {
            var set = field["thread.cap_".Length..];
            f[field] = new Spec(Arg.None, (t, _, _, slots) => new FalcoComputedField(t, Derived(slots.Path([.. process, "cap", set]), Capabilities)), FalcoSource.Syscall);
        }
    }

    private static byte[]? Capabilities(JsonElement names)
    {
        if (names.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var text = new List<string>(names.GetArrayLength());
        foreach (var name in names.EnumerateArray())
        {
            if (name.ValueKind == JsonValueKind.String && name.GetString() is { Length: > 0 } cap)
            {
                text.Add(cap);
            }
        }

        return Encoding.UTF8.GetBytes(string.Join(' ', text));
    }

    /// <summary>
    /// The <c>evt.arg.*</c> and <c>fd.*</c> fields of a process call, or null for a field it shares with the exec. An enter
    /// event's arguments are given as libsinsp prints them (<c>evt.arg.request</c> <c>PTRACE_ATTACH</c>,
    /// <c>evt.arg.domain</c> <c>AF_PACKET</c>, by name or by index); the rest is refused naming why.
    /// </summary>
    private static FalcoField? BindProcessCall(string name, string? arg, string text, FalcoSyscallCall call, Func<string, FalcoNotCarriedException> refuse)
    {
        if (name.StartsWith("fd.", StringComparison.Ordinal) || name.StartsWith("fs.", StringComparison.Ordinal))
        {
            throw refuse($"Tetragon's {call.Operation} names no file or socket descriptor");
        }

        if (!name.StartsWith("evt.arg", StringComparison.Ordinal) && name is not ("evt.args" or "evt.info"))
        {
            return null;
        }

        // evt.arg[N] is the enter event's N-th parameter (event_table.c), evt.arg.NAME the one of that name.
        var parameter = name == "evt.arg" ? arg : name.StartsWith("evt.arg.", StringComparison.Ordinal) ? name["evt.arg.".Length..] : null;
        return (call.Operation, parameter) switch
        {
            ("ptrace", "request" or "0") => new FalcoComputedField(text, Named(PtraceRequest, PtraceRequests, numberOtherwise: false)),
            ("socket", "domain" or "0") => new FalcoComputedField(text, Named(SocketFamily, SocketFamilies, numberOtherwise: true)),
            ("socket", "type" or "1") => new FalcoComputedField(text, AttributeText(SocketType)),
            ("socket", "proto" or "2") => new FalcoComputedField(text, AttributeText(SocketProtocol)),
            ("ptrace", "pid" or "1") => throw refuse("libsinsp prints the traced process as it knows it from its own thread table, which the record does not give"),
            ("setuid", "uid" or "0") => throw refuse("libsinsp prints the uid as the name the user database gives it (evt.arg.uid=nobody), which Tetragon's setuid does not carry"),
            _ when call.IsEntry => throw refuse($"Tetragon's {call.Operation} gives {(call.Operation == "ptrace" ? "the request (evt.arg.request)" : call.Operation == "socket" ? "the domain, type and protocol (evt.arg.domain, evt.arg.type, evt.arg.proto)" : "no other argument")} only"),
            _ => throw refuse($"the arguments of {string.Join("/", call.TypeNames)} are not read from Tetragon's call"),
        };
    }

    /// <summary>An argument Ingest wrote as the kernel's number, printed by the name libsinsp's flags table gives it.</summary>
    private static FalcoComputedField.Compute Named(string key, Dictionary<long, string> names, bool numberOtherwise) =>
        (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = null;
            if (!Attribute(e, key, out var value) || value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
            {
                return false;
            }

            array = names.TryGetValue(number, out var name) ? Encoding.UTF8.GetBytes(name)
                : numberOtherwise ? Encoding.UTF8.GetBytes(number.ToString(CultureInfo.InvariantCulture))
                : null;
            return array is not null;
        };
}
