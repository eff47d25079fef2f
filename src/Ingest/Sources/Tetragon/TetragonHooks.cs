using ZtStream.Ingest.Sources.Falco;

namespace ZtStream.Ingest.Sources.Tetragon;

/// <summary>
/// The one table of the hooks a TracingPolicy's call is read from (a kprobe's or LSM hook's function, the syscall's
/// architecture prefix taken off): for each, the operation it is (<c>tetragon.operation</c>), whether it reads the
/// call's result itself, and how its arguments become attributes. A new call is one entry here.
/// <para>
/// A call read by what the kernel did is none when the kernel refused it (a non-zero return) or the policy overrode it,
/// as <see cref="TetragonMapper.Reported"/> says. A call read at its entry is the call asked for, which libsinsp reports
/// whatever follows (ptrace's request, socket's family); an open reads its result itself, a descriptor (<see cref="TetragonOpenCalls"/>). A hook whose arguments do not say what the operation needs is either none (the
/// file and network calls: <c>security_file_permission</c> without MAY_WRITE or MAY_READ is neither) or the item's
/// error naming the argument (the path and process calls, which a policy made for them always captures).
/// </para>
/// </summary>
internal static class TetragonHooks
{
    /// <summary>The kernel's MAY_WRITE bit of a permission mask (include/linux/fs.h).</summary>
    private const long MayWrite = 0x02;

    /// <summary>The kernel's MAY_READ bit of a permission mask (include/linux/fs.h).</summary>
    private const long MayRead = 0x04;

    /// <summary>
    /// The hooks Tetragon's documentation and example policies use for each call. <c>connect</c>: a TCP connection the
    /// process opened (<c>tcp_connect</c>, with a destination address: the network observability policy) or a
    /// <c>connect()</c> to an IPv4 or IPv6 address (<c>security_socket_connect</c>, LSM <c>socket_connect</c>, with its
    /// sockaddr). <c>write</c>: a file checked for writing (<c>security_file_permission</c>, LSM <c>file_permission</c>,
    /// whose mask holds MAY_WRITE: the file monitoring policy; <c>read</c> when it holds MAY_READ alone, the kernel's read
    /// path asking with one bit, <c>rw_verify_area</c>) or written (<c>write</c>, <c>pwrite64</c>, <c>writev</c>,
    /// <c>pwritev</c> with the file its descriptor names). <c>truncate</c>: a path truncated (<c>security_path_truncate</c>).
    /// <c>chmod</c>: a path's mode changed (<c>security_path_chmod</c>, LSM <c>path_chmod</c>, with the new mode as
    /// <c>tetragon.mode</c>). The path calls (<see cref="TetragonPathCalls"/>) and the process calls
    /// (<see cref="TetragonProcessCalls"/>), the opens with their flags (<see cref="TetragonOpenCalls"/>). A read call (<c>sys_read</c>), an mmap, an open by its file alone
    /// (<c>fd_install</c>, <c>security_file_open</c>, LSM <c>file_open</c>: its file argument does not say whether for
    /// writing) is none.
    /// </summary>
    private static readonly Dictionary<string, Hook> Table = Build();

    /// <summary>A hook's operation, whether its map reads the call's result itself (else a refused call is none), and how its arguments are read.</summary>
    private sealed record Hook(string Operation, bool ReadsResult, Func<TetragonCall, HookOutcome> Map);

    /// <summary>
    /// Names the call of <paramref name="hook"/> and writes its arguments; the item's error (its field and why) when the
    /// arguments do not give what its operation needs, else null.
    /// </summary>
    public static (string Field, string Message)? Map(string type, string hook, JsonElement body, Dictionary<string, JsonElement> attributes, int keep)
    {
        if (type is not ("process_kprobe" or "process_lsm") || !Table.TryGetValue(TetragonMapper.WithoutSyscallPrefix(hook), out var entry))
        {
            return null;
        }

        if (!entry.ReadsResult && !TetragonMapper.Reported(type, hook, body))
        {
            return null;
        }

        var args = body.Child("args") is { ValueKind: JsonValueKind.Array } a ? a : default;
        var outcome = entry.Map(new TetragonCall(type, hook, body, args, attributes, keep));
        if (outcome.Field is { } field)
        {
            return (field, outcome.Message!);
        }

        if (outcome.Named)
        {
            attributes[TetragonMapper.OperationAttribute] = JsonFields.Of(outcome.Operation ?? entry.Operation);
        }

        return null;
    }

    private static Dictionary<string, Hook> Build()
    {
        var table = new Dictionary<string, Hook>(StringComparer.Ordinal);
        void Add(string operation, bool readsResult, Func<TetragonCall, HookOutcome> map, params string[] hooks)
        {
            foreach (var hook in hooks)
            {
                table.Add(hook, new Hook(operation, readsResult, map));
            }
        }

        Add("connect", false, c => HookOutcome.When(Argument(c.Args, "sock_arg") is { } sock && TetragonMapper.Address(sock.String("daddr")) is not null), "tcp_connect");
        Add("connect", false, c => HookOutcome.When(Argument(c.Args, "sockaddr_arg") is { } sockaddr && TetragonMapper.Address(sockaddr.String("addr")) is not null),
            "security_socket_connect", "socket_connect");

        // One hook for the write and the read: the mask says which.
        Add("write", false, c => Access(c.Args) is { } access ? HookOutcome.As(access) : HookOutcome.No, "security_file_permission", "file_permission");
        Add("write", false, c => HookOutcome.When(FilePath(c.Args, "file_arg")), "sys_write", "sys_pwrite64", "sys_writev", "sys_pwritev", "sys_pwritev2");
        Add("truncate", false, c => HookOutcome.When(FilePath(c.Args, "path_arg") || FilePath(c.Args, "file_arg")), "security_path_truncate", "path_truncate");
        Add("chmod", false, Chmod, "security_path_chmod", "path_chmod");

        foreach (var (operation, hooks) in TetragonPathCalls.Hooks)
        {
            Add(operation, false, c => c.Args.ValueKind == JsonValueKind.Array ? TetragonPathCalls.Map(operation, c) : HookOutcome.No, hooks);
        }

        foreach (var (operation, readsResult, map, hooks) in TetragonProcessCalls.Hooks.Concat(TetragonOpenCalls.Hooks))
        {
            Add(operation, readsResult, map, hooks);
        }

        return table;
    }

    /// <summary>What a <c>security_file_permission</c> mask asks for a file: <c>write</c> with MAY_WRITE, <c>read</c> with MAY_READ alone.</summary>
    private static string? Access(JsonElement args) =>
        FilePath(args, "file_arg") && Argument(args, "int_arg") is { ValueKind: JsonValueKind.Number } mask && mask.TryGetInt64(out var bits)
            ? (bits & MayWrite) != 0 ? "write" : (bits & MayRead) != 0 ? "read" : null
            : null;

    private static HookOutcome Chmod(TetragonCall call)
    {
        if (!FilePath(call.Args, "path_arg") || (Argument(call.Args, "uint_arg") ?? Argument(call.Args, "int_arg")) is not { ValueKind: JsonValueKind.Number } mode)
        {
            return HookOutcome.No;
        }

        if (mode.TryGetInt64(out var bits))
        {
            call.Attributes[TetragonMapper.ModeAttribute] = JsonFields.Of(bits);
        }

        return HookOutcome.Yes;
    }

    /// <summary>The first argument of the kind <paramref name="member"/> (<c>sock_arg</c>, <c>int_arg</c> …); none without arguments.</summary>
    internal static JsonElement? Argument(JsonElement args, string member)
    {
        if (args.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var arg in args.EnumerateArray())
        {
            if (arg.ValueKind == JsonValueKind.Object && arg.Child(member) is { ValueKind: not JsonValueKind.Null } value)
            {
                return value;
            }
        }

        return null;
    }

    private static bool FilePath(JsonElement args, string member) =>
        Argument(args, member) is { ValueKind: JsonValueKind.Object } file && FalcoMapper.NonEmpty(file.String("path")) is not null;
}

/// <summary>One policy call being read: its event type, hook, event body, arguments (undefined when it has none) and the attributes it writes.</summary>
internal readonly record struct TetragonCall(string Type, string Hook, JsonElement Body, JsonElement Args, Dictionary<string, JsonElement> Attributes, int Keep)
{
    /// <summary>The item's field of the call's arguments, for errors.</summary>
    public string ArgsField => Type + ".args";
}

/// <summary>
/// What a hook's arguments said: the call is its hook's operation (<see cref="Named"/>, or another of the same hook:
/// <see cref="Operation"/>), none, or the item's error (its field and why).
/// </summary>
internal readonly record struct HookOutcome(bool Named, string? Operation = null, string? Field = null, string? Message = null)
{
    public static HookOutcome Yes { get; } = new(true);

    public static HookOutcome No { get; } = new(false);

    public static HookOutcome When(bool named) => named ? Yes : No;

    public static HookOutcome As(string operation) => new(true, operation);

    public static HookOutcome Error(string field, string message) => new(false, Field: field, Message: message);
}
