using ZtStream.Ingest.Sources.Falco;

namespace ZtStream.Ingest.Sources.Tetragon;

/// <summary>
/// The calls a TracingPolicy reports that act on processes rather than files or connections — <c>ptrace</c>, a kernel
/// module loaded, <c>setuid</c>, <c>setns</c>, <c>unshare</c>, a <c>socket</c> created — read from the hooks Tetragon's
/// example policies and documentation use, with their arguments in the order the policy captures them (the export writes
/// <c>args</c> in the policy's order, not by the function's index). Each is named as <c>tetragon.operation</c>, with the
/// arguments a rule reads as <c>tetragon.*</c> attributes; a hook whose argument the operation needs is missing or of
/// another kind is the item's error naming the argument, never a call read without it.
/// </summary>
internal static class TetragonProcessCalls
{
    /// <summary><c>ptrace</c>'s request, the kernel's number (<c>PTRACE_ATTACH</c> 16).</summary>
    public const string PtraceRequestAttribute = "tetragon.ptrace_request";

    /// <summary><c>ptrace</c>'s target pid, when the policy captures it.</summary>
    public const string PtracePidAttribute = "tetragon.ptrace_pid";

    /// <summary><c>socket</c>'s family (domain), type and protocol, the kernel's numbers (<c>AF_PACKET</c> 17).</summary>
    public const string SocketFamilyAttribute = "tetragon.socket_family";

    public const string SocketTypeAttribute = "tetragon.socket_type";

    public const string SocketProtocolAttribute = "tetragon.socket_protocol";

    /// <summary>The name of a kernel module loaded (<c>do_init_module</c>'s <c>module_arg</c>).</summary>
    public const string ModuleAttribute = "tetragon.module";

    /// <summary>The uid <c>setuid</c> asks for.</summary>
    public const string NewUidAttribute = "tetragon.new_uid";

    /// <summary>
    /// The operation each hook is, whether it stands for the call's entry (its arguments, whatever the call then returned)
    /// or for its exit (a call the kernel or the policy refused is none, as for the file and network calls), and how its
    /// arguments are read (<see cref="TetragonHooks"/>).
    /// </summary>
    public static IEnumerable<(string Operation, bool Entry, Func<TetragonCall, HookOutcome> Map, string[] Hooks)> Hooks { get; } =
    [
        // long ptrace(long request, long pid, unsigned long addr, unsigned long data): sys_ptrace.yaml's hook.
        ("ptrace", true, Ptrace, ["sys_ptrace"]),

        // Called by ptrace(PTRACE_TRACEME) alone (kernel/ptrace.c ptrace_traceme): the request is the hook.
        ("ptrace", true, Traceme, ["security_ptrace_traceme", "ptrace_traceme"]),

        // int socket(int family, int type, int protocol); security_socket_create adds kern, 1 for the kernel's own sockets.
        ("socket", true, Socket, ["sys_socket", "__sys_socket", "security_socket_create", "socket_create"]),

        // int setuid(uid_t uid): sys_setuid.yaml and the process-credentials policies (__sys_setuid).
        ("setuid", true, Setuid, ["sys_setuid", "__sys_setuid"]),

        // monitor-kernel-modules.yaml: do_init_module(struct module *) runs for init_module() and finit_module() once the
        // module is loaded and checked; the system calls themselves with their return.
        ("init_module", false, Module, ["do_init_module"]),
        ("init_module", false, _ => HookOutcome.Yes, ["sys_init_module", "sys_finit_module"]),

        // int setns(int fd, int nstype); int unshare(int flags).
        ("setns", false, _ => HookOutcome.Yes, ["sys_setns"]),
        ("unshare", false, _ => HookOutcome.Yes, ["sys_unshare"]),
    ];

    private static HookOutcome Ptrace(TetragonCall call)
    {
        if (Number(call.Args, 0) is not { } request)
        {
            return Missing(call, 0, "int_arg", "ptrace's request (sys_ptrace's first argument, captured as {index: 0, type: \"int\"})");
        }

        call.Attributes[PtraceRequestAttribute] = JsonFields.Of(request);
        Add(call.Attributes, PtracePidAttribute, Number(call.Args, 1));
        return HookOutcome.Yes;
    }

    private static HookOutcome Traceme(TetragonCall call)
    {
        call.Attributes[PtraceRequestAttribute] = JsonFields.Of(0L); // PTRACE_TRACEME
        return HookOutcome.Yes;
    }

    private static HookOutcome Socket(TetragonCall call)
    {
        var hook = TetragonMapper.WithoutSyscallPrefix(call.Hook);
        if (Number(call.Args, 0) is not { } family)
        {
            return Missing(call, 0, "int_arg", $"the socket's family ({hook}'s first argument, captured as {{index: 0, type: \"int\"}})");
        }

        // A socket the kernel makes for itself (security_socket_create's kern 1) is no process's socket() call.
        if (hook.EndsWith("socket_create", StringComparison.Ordinal) && Number(call.Args, 3) is 1)
        {
            return HookOutcome.No;
        }

        call.Attributes[SocketFamilyAttribute] = JsonFields.Of(family);
        Add(call.Attributes, SocketTypeAttribute, Number(call.Args, 1));
        Add(call.Attributes, SocketProtocolAttribute, Number(call.Args, 2));
        return HookOutcome.Yes;
    }

    private static HookOutcome Setuid(TetragonCall call)
    {
        if (Number(call.Args, 0) is not { } uid)
        {
            return Missing(call, 0, "int_arg", $"the uid asked for ({TetragonMapper.WithoutSyscallPrefix(call.Hook)}'s first argument, captured as {{index: 0, type: \"int\"}})");
        }

        call.Attributes[NewUidAttribute] = JsonFields.Of(uid);
        return HookOutcome.Yes;
    }

    private static HookOutcome Module(TetragonCall call)
    {
        if (At(call.Args, 0)?.Child("module_arg") is not { ValueKind: JsonValueKind.Object } module || FalcoMapper.NonEmpty(module.String("name")) is not { } name)
        {
            return Missing(call, 0, "module_arg.name", "the module loaded (do_init_module's argument, captured as {index: 0, type: \"module\"})");
        }

        call.Attributes[ModuleAttribute] = JsonFields.Of(name);
        return HookOutcome.Yes;
    }

    private static HookOutcome Missing(TetragonCall call, int index, string member, string what) =>
        HookOutcome.Error($"{call.ArgsField}[{index}].{member}", $"required: {what}");

    internal static JsonElement? At(JsonElement args, int index) =>
        args.ValueKind == JsonValueKind.Array && index < args.GetArrayLength() && args[index] is { ValueKind: JsonValueKind.Object } arg ? arg : null;

    /// <summary>The argument at <paramref name="index"/> as a number (<c>int_arg</c>, or <c>uint_arg</c>, <c>long_arg</c>, <c>size_arg</c>).</summary>
    internal static long? Number(JsonElement args, int index)
    {
        if (At(args, index) is not { } arg)
        {
            return null;
        }

        foreach (var member in (ReadOnlySpan<string>)["int_arg", "uint_arg", "long_arg", "size_arg"])
        {
            if (arg.Child(member) is { } value)
            {
                // size_arg and the 64-bit kinds are written as strings by protojson.
                return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n
                    : value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out n) ? n
                    : null;
            }
        }

        return null;
    }

    private static void Add(Dictionary<string, JsonElement> attributes, string key, long? value)
    {
        if (value is { } n)
        {
            attributes[key] = JsonFields.Of(n);
        }
    }
}
