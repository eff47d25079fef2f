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
    /// The operation each hook is, and whether it stands for the call's entry (its arguments, whatever the call then
    /// returned) or for its exit (a call the kernel or the policy refused is none, as for the file and network calls).
    /// </summary>
    private static readonly Dictionary<string, (string Operation, bool Entry)> Hooks = new(StringComparer.Ordinal)
    {
        // long ptrace(long request, long pid, unsigned long addr, unsigned long data): sys_ptrace.yaml's hook.
        ["sys_ptrace"] = ("ptrace", true),

        // Called by ptrace(PTRACE_TRACEME) alone (kernel/ptrace.c ptrace_traceme): the request is the hook.
        ["security_ptrace_traceme"] = ("ptrace", true),
        ["ptrace_traceme"] = ("ptrace", true),

        // int socket(int family, int type, int protocol); security_socket_create adds kern, 1 for the kernel's own sockets.
        ["sys_socket"] = ("socket", true),
        ["__sys_socket"] = ("socket", true),
        ["security_socket_create"] = ("socket", true),
        ["socket_create"] = ("socket", true),

        // int setuid(uid_t uid): sys_setuid.yaml and the process-credentials policies (__sys_setuid).
        ["sys_setuid"] = ("setuid", true),
        ["__sys_setuid"] = ("setuid", true),

        // monitor-kernel-modules.yaml: do_init_module(struct module *) runs for init_module() and finit_module() once the
        // module is loaded and checked; the system calls themselves with their return.
        ["do_init_module"] = ("init_module", false),
        ["sys_init_module"] = ("init_module", false),
        ["sys_finit_module"] = ("init_module", false),

        // int setns(int fd, int nstype); int unshare(int flags).
        ["sys_setns"] = ("setns", false),
        ["sys_unshare"] = ("unshare", false),
    };

    /// <summary>
    /// Names the call of <paramref name="hook"/> and writes its arguments; returns the field and message of the item's
    /// error when the arguments do not give what the operation needs, else null.
    /// </summary>
    public static (string Field, string Message)? Map(string type, string hook, JsonElement body, Dictionary<string, JsonElement> attributes)
    {
        if (type is not ("process_kprobe" or "process_lsm") || !Hooks.TryGetValue(hook, out var call))
        {
            return null;
        }

        // An exit is what the kernel did: refused by it (a non-zero return) or by the policy (an override), it is none.
        // An entry is the call asked for, which libsinsp reports whatever follows.
        if (!call.Entry && !TetragonMapper.Reported(type, hook, body))
        {
            return null;
        }

        var args = body.Child("args") is { ValueKind: JsonValueKind.Array } a ? a : default;
        switch (call.Operation)
        {
            case "ptrace" when hook.EndsWith("ptrace_traceme", StringComparison.Ordinal):
                attributes[PtraceRequestAttribute] = JsonFields.Of(0L); // PTRACE_TRACEME
                break;
            case "ptrace":
                if (Number(args, 0) is not { } request)
                {
                    return Missing(type, 0, "int_arg", "ptrace's request (sys_ptrace's first argument, captured as {index: 0, type: \"int\"})");
                }

                attributes[PtraceRequestAttribute] = JsonFields.Of(request);
                Add(attributes, PtracePidAttribute, Number(args, 1));
                break;
            case "socket":
                if (Number(args, 0) is not { } family)
                {
                    return Missing(type, 0, "int_arg", $"the socket's family ({hook}'s first argument, captured as {{index: 0, type: \"int\"}})");
                }

                // A socket the kernel makes for itself (security_socket_create's kern 1) is no process's socket() call.
                if (hook.EndsWith("socket_create", StringComparison.Ordinal) && Number(args, 3) is 1)
                {
                    return null;
                }

                attributes[SocketFamilyAttribute] = JsonFields.Of(family);
                Add(attributes, SocketTypeAttribute, Number(args, 1));
                Add(attributes, SocketProtocolAttribute, Number(args, 2));
                break;
            case "setuid":
                if (Number(args, 0) is not { } uid)
                {
                    return Missing(type, 0, "int_arg", $"the uid asked for ({hook}'s first argument, captured as {{index: 0, type: \"int\"}})");
                }

                attributes[NewUidAttribute] = JsonFields.Of(uid);
                break;
            case "init_module" when hook == "do_init_module":
                if (At(args, 0)?.Child("module_arg") is not { ValueKind: JsonValueKind.Object } module || FalcoMapper.NonEmpty(module.String("name")) is not { } name)
                {
                    return Missing(type, 0, "module_arg.name", "the module loaded (do_init_module's argument, captured as {index: 0, type: \"module\"})");
                }

                attributes[ModuleAttribute] = JsonFields.Of(name);
                break;
        }

        attributes[TetragonMapper.OperationAttribute] = JsonFields.Of(call.Operation);
        return null;
    }

    private static (string, string) Missing(string type, int index, string member, string what) =>
        ($"{type}.args[{index}].{member}", $"required: {what}");

    private static JsonElement? At(JsonElement args, int index) =>
        args.ValueKind == JsonValueKind.Array && index < args.GetArrayLength() && args[index] is { ValueKind: JsonValueKind.Object } arg ? arg : null;

    /// <summary>The argument at <paramref name="index"/> as a number (<c>int_arg</c>, or <c>uint_arg</c>, <c>long_arg</c>, <c>size_arg</c>).</summary>
    private static long? Number(JsonElement args, int index)
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
