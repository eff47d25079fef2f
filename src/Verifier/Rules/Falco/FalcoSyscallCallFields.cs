namespace ZtStream.Verifier.Rules.Falco;

/// <summary>
/// A call a Tetragon TracingPolicy reported that ZtStream reads as one of Falco's system calls: the
/// <c>tetragon.operation</c> Ingest named it with (docs/sources.md, "Policies that feed Sigma's Linux connections and file
/// events"), the system call(s) libsinsp would have seen, and what the record says of its descriptor. A syscall rule is
/// compiled once for each (<see cref="FalcoSource.SyscallCalls"/>), with the call's <c>evt.*</c> and <c>fd.*</c> fields.
/// </summary>
internal sealed partial class FalcoSyscallCall
{
    internal FalcoSyscallCall(
        string operation, string[] types, string describes, FalcoCallResult[] results, bool? openRead = null, bool? openWrite = null, bool entry = false, string? carrier = null)
    {
        IsEntry = entry;
        Carrier = carrier;
        Results = results;
        Operation = operation;
        Types = [.. types.Select(Encoding.UTF8.GetBytes)];
        TypeNames = types;
        Describes = describes;
        OpenRead = openRead;
        OpenWrite = openWrite;
    }

    /// <summary>
    /// A write to a file (<c>security_file_permission</c> with MAY_WRITE, a <c>write</c>): the kernel checks the
    /// descriptor was opened for writing (FMODE_WRITE) before it asks, so the file is open for writing, which is what
    /// Falco's <c>open_write</c> asserts of an <c>open</c>, <c>openat</c> or <c>openat2</c>; which of them opened it
    /// Tetragon does not say.
    /// </summary>
    public static FalcoSyscallCall FileWrite { get; } = new("write", ["openat", "open", "openat2"], "Tetragon's file writes (an open for writing)", [FalcoCallResult.Opened], openRead: false, openWrite: true);

    /// <summary>A read of a file (<c>security_file_permission</c> with MAY_READ): the file is open for reading, Falco's <c>open_read</c>.</summary>
    public static FalcoSyscallCall FileRead { get; } = new("read", ["openat", "open", "openat2"], "Tetragon's file reads (an open for reading)", [FalcoCallResult.Opened], openRead: true, openWrite: false);

    /// <summary>
    /// A connection the process opened (<c>tcp_connect</c>, <c>security_socket_connect</c>): Falco's <c>connect</c>. The
    /// kernel allowed it and sent the request; whether it returned at once (0) or left it in progress (EINPROGRESS, a
    /// non-blocking socket) Tetragon does not say, so a rule is read for both and decided alike or refused.
    /// </summary>
    public static FalcoSyscallCall Connect { get; } = new("connect", ["connect"], "Tetragon's connections", [FalcoCallResult.Done, FalcoCallResult.InProgress]);

    /// <summary>The results the call may have had, each read in turn (<see cref="FalcoSource.SyscallCalls"/>).</summary>
    public IReadOnlyList<FalcoCallResult> Results { get; }

    /// <summary>
    /// A path's mode changed (<c>security_path_chmod</c>, LSM <c>path_chmod</c>): Falco's <c>chmod</c>, <c>fchmodat</c> or
    /// <c>fchmod</c>, which of them Tetragon does not say. The kernel asks before it checks the caller owns the file
    /// (<c>chmod_common</c>, then <c>notify_change</c>), so the call may still fail with EPERM: a rule is read for both.
    /// </summary>
    public static FalcoSyscallCall Chmod { get; } = new("chmod", ["chmod", "fchmodat", "fchmod"], "Tetragon's mode changes", [FalcoCallResult.Done, FalcoCallResult.NotOwner]);

    public static IReadOnlyList<FalcoSyscallCall> All { get; } = [FileWrite, FileRead, Connect, Chmod, .. PathCalls, .. FalcoProcessCalls.All, .. FalcoOpenCalls.All];

    /// <summary>For an open read with its flags (<see cref="FalcoOpenCalls"/>), the arguments of its exit event (libscap's event table); else null.</summary>
    public string[]? OpenParameters { get; init; }

    /// <summary>Whether the call is an open whose record gives its flags, mode and descriptor (<see cref="FalcoOpenCalls"/>).</summary>
    public bool ReadsFlags => OpenParameters is not null;

    /// <summary>
    /// Whether the record stands for libsinsp's enter event of the call (<c>evt.dir</c> <c>&gt;</c>: its arguments, no
    /// result) rather than its exit (<c>&lt;</c>), as the stock rules read each call (<see cref="FalcoProcessCalls"/>).
    /// </summary>
    public bool IsEntry { get; }

    /// <summary>What the call's events are ("a ptrace call"), for refusals; null for the file, network and mode calls, which name it themselves.</summary>
    public string? Carrier { get; }

    public bool IsProcess => Carrier is not null && !IsPath && !ReadsFlags;

    /// <summary>The <c>tetragon.operation</c> of the events the call reads.</summary>
    public string Operation { get; }

    /// <summary>The system calls libsinsp would have seen, one of which <c>evt.type</c> is; an output prints the first (glibc's <c>open()</c> calls <c>openat</c>).</summary>
    public IReadOnlyList<byte[]> Types { get; }

    public IReadOnlyList<string> TypeNames { get; }

    public string Describes { get; }

    /// <summary><c>evt.is_open_read</c>, <c>evt.is_open_write</c>; null for a call that is no open.</summary>
    public bool? OpenRead { get; }

    public bool? OpenWrite { get; }

    public bool IsOpen => OpenRead is not null;

    public bool IsChmod => Operation == "chmod";

    /// <summary>Whether <paramref name="e"/> is one of this call's events: a policy's call Ingest named with <see cref="Operation"/>.</summary>
    public bool Reads(RuleEvent e) =>
        e.Event.Kind == EventKinds.RuntimeAlert && e.Raw is { ValueKind: JsonValueKind.Object }
        && e.Event.Attributes is { } attributes && attributes.TryGetValue(OperationAttribute, out var operation)
        && operation.ValueKind == JsonValueKind.String && operation.ValueEquals(Operation);

    /// <summary>Ingest's attribute naming what a policy's call did (TetragonMapper.OperationAttribute).</summary>
    public const string OperationAttribute = "tetragon.operation";
}

/// <summary>
/// A result a call Tetragon reported may have had: <c>evt.res</c>, <c>evt.rawres</c> and <c>evt.failed</c> together (an
/// opened file's descriptor, any number from 0, is <c>null</c>: one of a few values, <see cref="FalcoOneOfField"/>).
/// </summary>
internal sealed record FalcoCallResult(string Res, string? RawRes, bool Failed)
{
    /// <summary>The system call it was, for a call Tetragon reports without saying which of its system calls made it (a path call's); else null.</summary>
    public string? Type { get; init; }

    public static FalcoCallResult Opened { get; } = new("SUCCESS", null, false);

    public static FalcoCallResult Done { get; } = new("SUCCESS", "0", false);

    /// <summary>EINPROGRESS, -115 (include/uapi/asm-generic/errno.h): libsinsp's rawres is the negative errno, its res the name.</summary>
    public static FalcoCallResult InProgress { get; } = new("EINPROGRESS", "-115", true);

    /// <summary>EACCES, -13: a path call the file system refused after the hook allowed it (no write permission on the directory).</summary>
    public static FalcoCallResult Denied { get; } = new("EACCES", "-13", true);

    /// <summary>EPERM, -1: a mode change by a caller that does not own the file.</summary>
    public static FalcoCallResult NotOwner { get; } = new("EPERM", "-1", true);

    /// <summary>EPERM, -1: a call the kernel did not permit (a namespace the caller may not enter).</summary>
    public static FalcoCallResult NotPermitted => NotOwner;

    /// <summary>An enter event: no result yet (<c>evt.res</c>, <c>evt.rawres</c> give no value), not failed.</summary>
    public static FalcoCallResult Entered { get; } = new("", null, false);
}

/// <summary>
/// A field with one of a few values on every event of the source, which of them the record does not say
/// (<c>evt.type</c> of a write: <c>open</c>, <c>openat</c> or <c>openat2</c>). A check true for all of them, or for none,
/// is decided at load; any other check is refused, naming the field and why. In an output it gives the first value.
/// With no values it is a field the event never has (an argument its system call does not take): every check of it is
/// false at load, as libsinsp's check of a field it cannot extract (an enter event's <c>evt.res</c>), and an output gives
/// <c>&lt;NA&gt;</c>.
/// </summary>
internal sealed class FalcoOneOfField(string text, IReadOnlyList<byte[]> values, string why, string carrier) : FalcoField(text, isList: false)
{
    public IReadOnlyList<byte[]> Values { get; } = values;

    /// <summary>Why the record cannot tell the values apart, for the refusal.</summary>
    public string Why { get; } = why;

    /// <summary>What the events are ("a file write"), for the refusal.</summary>
    public string Carrier { get; } = carrier;

    /// <summary>Whether another call of the same system call tells the values apart (<see cref="FalcoCompileException.ReadElsewhere"/>).</summary>
    public bool ReadElsewhere { get; init; }

    /// <summary>
    /// The field is a number from 0 up, which one unknown (an open descriptor's <c>fd.num</c>): a comparison with a
    /// number below 0 is decided, any other refused; an output gives no value.
    /// </summary>
    public bool NonNegative { get; init; }

    public override bool Visit(in FalcoEvent e, FalcoValueTest test, bool all, out bool present)
    {
        // No value at all (an argument the system call does not have): absent, as libsinsp's failed extraction.
        present = !NonNegative && Values.Count > 0;
        return present && test.Test(Values[0]);
    }
}

internal static partial class FalcoFieldCatalog
{
    /// <summary>Falco's <c>fd.typechar</c> and <c>fd.type</c> of a file by the type letter of its mode (<c>-rw-r--r--</c>).</summary>
    private static readonly byte[] FileChar = "f"u8.ToArray(), DirectoryChar = "d"u8.ToArray(), FileType = "file"u8.ToArray(), DirectoryType = "directory"u8.ToArray();

    private static readonly byte[] TrueText = "true"u8.ToArray(), FalseText = "false"u8.ToArray();

    /// <summary>A descriptor's number, which no policy call gives: a written or read file, a connected socket are open, so it is 0 or more.</summary>
    private static FalcoOneOfField OpenDescriptor(string text, string carrier) =>
        new(text, [], NoDescriptorNumber, carrier) { NonNegative = true };

    private const string NoDescriptorNumber = "Tetragon's call names the file or socket, not the descriptor's number; it is open, so fd.num >= 0 holds and fd.num = -1 does not, and no other test is decided";
    private const string NoDns = "it is the name a DNS answer gave the address, which Tetragon's call does not carry";

    /// <summary>
    /// The <c>evt.*</c> and <c>fd.*</c> fields of a policy's call, or null for a field the call shares with the exec
    /// (<c>proc.*</c>, <c>user.*</c>, <c>container.*</c>, <c>k8s.*</c>: the call's <c>process</c>, read as the exec's).
    /// A field the call cannot give is refused naming it and why.
    /// </summary>
    private static FalcoField? BindCall(string name, string? arg, FalcoSyscallCall call, FalcoCallResult result)
    {
        var carrier = call.Carrier ?? (call.IsOpen ? "a file " + call.Operation : call.IsChmod ? "a mode change" : "a connection");
        var text = arg is null ? name : $"{name}[{arg}]";
        FalcoField Constant(byte[] value) => new FalcoConstantField(text, value);
        FalcoNotCarriedException Refuse(string why) => new(text, why, carrier);

        // What a file access lacks that an open's own kprobe gives: the rule reads the opens (FalcoOpenCalls) instead.
        FalcoNotCarriedException Elsewhere(string why) => new(text, why + "; an open's own kprobe (sys_openat, sys_open, sys_creat) gives it", carrier) { ReadElsewhere = true };
        if (call.IsPath && BindPathCall(name, arg, text, call, result, carrier) is { } pathField)
        {
            return pathField;
        }

        switch (name)
        {
            case "evt.type" when result.Type is { } type:
                return Constant(Encoding.UTF8.GetBytes(type));
            case "evt.type":
                return call.Types.Count == 1
                    ? Constant(call.Types[0])
                    : new FalcoOneOfField(text, call.Types, call.IsOpen
                        ? $"Tetragon reports the access to the file, not which of {string.Join(", ", call.TypeNames)} opened it"
                        : $"Tetragon reports the call, not which of {string.Join(", ", call.TypeNames)} it was", carrier)
                    {
                        // An open's own kprobe names its system call: a rule that tells them apart reads those.
                        ReadElsewhere = call.IsOpen,
                    };
            case "evt.dir":
                // The call is reported once, as the event of libsinsp's the stock macros test: the exit, or for a call read
                // by its arguments (ptrace's request, socket's family) the enter.
                return Constant(call.IsEntry ? ">"u8.ToArray() : "<"u8.ToArray());
            case "evt.res" or "evt.rawres" when call.IsEntry:
                // An enter event has no result: libsinsp extracts none, so every comparison of it is false, known at load.
                return new FalcoOneOfField(text, [], "an enter event has no result", carrier);
            case "evt.res":
                return Constant(Encoding.UTF8.GetBytes(result.Res));
            case "evt.failed":
                return Constant(result.Failed ? TrueText : FalseText);
            case "evt.rawres":
                return result.RawRes is { } raw ? Constant(Encoding.UTF8.GetBytes(raw)) : OpenDescriptor(text, carrier);
            case "evt.is_open_read" when call.IsOpen:
                return Constant(call.OpenRead == true ? TrueText : FalseText);
            case "evt.is_open_write" when call.IsOpen:
                return Constant(call.OpenWrite == true ? TrueText : FalseText);
            case "evt.is_open_exec" when call.IsOpen:
                return Constant(FalseText);
            case "evt.is_open_create" when call.IsOpen:
                return new FalcoOneOfField(text, [TrueText, FalseText], "Tetragon's file access does not say whether the open created the file (O_CREAT)", carrier);
            case "fd.num":
                return OpenDescriptor(text, carrier);
        }

        if (call.ReadsFlags)
        {
            return BindOpenCall(name, arg, text, call, Refuse);
        }

        if (name.StartsWith("evt.is_open_", StringComparison.Ordinal) && !call.IsOpen)
        {
            throw Refuse("it describes an open");
        }

        if (call.IsProcess)
        {
            return BindProcessCall(name, arg, text, call, Refuse);
        }

        if (call.IsChmod)
        {
            return name switch
            {
                "evt.arg.mode" => new FalcoComputedField(text, ModeFlags),
                "evt.arg.filename" or "evt.arg.fd" or "evt.arg.dirfd" => throw Refuse("Tetragon's mode change names the path, and does not say whether the call was chmod or fchmodat (a filename) or fchmod (a descriptor)"),
                _ when name.StartsWith("fd.", StringComparison.Ordinal) || name.StartsWith("fs.", StringComparison.Ordinal)
                    => throw Refuse("Tetragon's mode change names the path, not a descriptor"),
                _ when name.StartsWith("evt.arg", StringComparison.Ordinal) || name is "evt.args" or "evt.info"
                    => throw Refuse("Tetragon's mode change gives the path and the new mode (evt.arg.mode) only"),
                _ => null,
            };
        }

        if (call.IsOpen)
        {
            return name switch
            {
                "fd.name" => new FalcoComputedField(text, FileName(FilePart.Path)),
                "fd.nameraw" => throw Elsewhere("it is the name as the process passed it, and Tetragon's file access gives the file's resolved path"),
                "fd.directory" => new FalcoComputedField(text, FileName(FilePart.Directory)),
                "fd.filename" => new FalcoComputedField(text, FileName(FilePart.File)),
                "fd.typechar" => new FalcoComputedField(text, FileKind(FileChar, DirectoryChar)),
                "fd.type" => new FalcoComputedField(text, FileKind(FileType, DirectoryType)),
                _ when name.StartsWith("fd.", StringComparison.Ordinal) || name.StartsWith("fs.", StringComparison.Ordinal)
                    => throw Refuse("Tetragon's file access names the file's path and mode only"),
                _ when name.StartsWith("evt.arg", StringComparison.Ordinal) || name is "evt.args" or "evt.info"
                    => throw Elsewhere("the open's arguments (flags, mode) are not in Tetragon's file access"),
                _ => null,
            };
        }

        return name switch
        {
            "fd.sip" or "fd.rip" => new FalcoComputedField(text, Address(server: true)),
            "fd.cip" or "fd.lip" => new FalcoComputedField(text, Address(server: false)),
            "fd.sport" or "fd.rport" => new FalcoComputedField(text, ServerPort),
            "fd.cport" or "fd.lport" => new FalcoComputedField(text, AttributeText("fd.cport")),
            "fd.l4proto" => new FalcoComputedField(text, AttributeText("fd.l4proto")),
            "fd.ip" => new FalcoNetField(text, Both(e => e.Network?.DstIp, e => e.Network?.SrcIp), isAddress: true),
            "fd.net" => new FalcoNetField(text, Both(e => e.Network?.DstIp, e => e.Network?.SrcIp), isAddress: false),
            "fd.snet" or "fd.rnet" => new FalcoNetField(text, Both(e => e.Network?.DstIp, _ => null), isAddress: false),
            "fd.cnet" or "fd.lnet" => new FalcoNetField(text, Both(e => e.Network?.SrcIp, _ => null), isAddress: false),
            "fd.port" => new FalcoComputedListField(text, Ports),
            "fd.name" => new FalcoComputedField(text, ConnectionName),
            "fd.sockfamily" => new FalcoComputedField(text, (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
            {
                // libsinsp's "ip" for an IPv4 or IPv6 socket; a policy's connection Ingest names is one to an address.
                written = 0;
                array = e.Network?.DstIp is null ? null : "ip"u8.ToArray();
                return array is not null;
            }),
            "fd.typechar" => new FalcoComputedField(text, Family(typechar: true)),
            "fd.type" => new FalcoComputedField(text, Family(typechar: false)),
            "fd.sip.name" or "fd.rip.name" or "fd.cip.name" or "fd.lip.name" => throw Refuse(NoDns),
            _ when name.StartsWith("fd.", StringComparison.Ordinal) || name.StartsWith("fs.", StringComparison.Ordinal)
                => throw Refuse("Tetragon's connection names the addresses, ports and protocol only"),
            _ when name.StartsWith("evt.arg", StringComparison.Ordinal) || name is "evt.args" or "evt.info"
                => throw Refuse("connect's arguments are read as fd.sip and fd.sport; evt.arg.* is not given"),
            _ => null,
        };
    }

    /// <summary>libsinsp's <c>chmod_mode</c> flags (driver/ppm_flag_helpers: <c>PPM_S_*</c>, the kernel's mode bits), in its table's order.</summary>
    private static readonly (int Bit, string Name)[] ModeNames =
    [
        (0x001, "S_IXOTH"), (0x002, "S_IWOTH"), (0x004, "S_IROTH"), (0x008, "S_IXGRP"), (0x010, "S_IWGRP"), (0x020, "S_IRGRP"),
        (0x040, "S_IXUSR"), (0x080, "S_IWUSR"), (0x100, "S_IRUSR"), (0x200, "S_ISVTX"), (0x400, "S_ISGID"), (0x800, "S_ISUID"),
    ];

    /// <summary><c>evt.arg.mode</c> of a mode change: the names of the bits set in Ingest's <c>tetragon.mode</c>, joined by '|'.</summary>
    private static bool ModeFlags(in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array)
    {
        written = 0;
        array = null;
        if (!Attribute(e, "tetragon.mode", out var value) || value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var mode))
        {
            return false;
        }

        array = Encoding.UTF8.GetBytes(string.Join('|', ModeNames.Where(m => (mode & m.Bit) != 0).Select(m => m.Name)));
        return true;
    }

    private enum FilePart
    {
        Path,
        Directory,
        File,
    }

    /// <summary>
    /// The file Ingest named the call's (<c>fd.name</c>: the policy's first file or path argument), its directory (libsinsp's
    /// <c>fd.directory</c>: the path up to its last '/', <c>/</c> for a file in the root) or its name (<c>fd.filename</c>).
    /// </summary>
    private static FalcoComputedField.Compute FileName(FilePart part) =>
        (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = null;
            if (!Attribute(e, "fd.name", out var path) || TextOf(path) is not { IsEmpty: false } name)
            {
                return false;
            }

            var slash = name.LastIndexOf((byte)'/');
            array = part switch
            {
                FilePart.Path => name.ToArray(),
                FilePart.Directory => slash <= 0 ? (slash == 0 ? "/"u8.ToArray() : null) : name[..slash].ToArray(),
                _ => name[(slash + 1)..].ToArray(),
            };
            return array is not null;
        };

    /// <summary>
    /// <c>fd.typechar</c>/<c>fd.type</c> of the file by its mode's type letter, as Tetragon writes the mode
    /// (<c>-rw-r--r--</c>): a directory is <c>d</c>, anything else libsinsp opens as a file (a regular file, a device) is
    /// <c>f</c>; no mode, no value.
    /// </summary>
    private static FalcoComputedField.Compute FileKind(byte[] file, byte[] directory)
    {
        return (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = null;
            if (e.Root.ValueKind != JsonValueKind.Object || FirstFileArgument(e.Root) is not { } mode || mode.Length == 0)
            {
                return false;
            }

            array = mode[0] == 'd' ? directory : mode[0] is '-' or 'c' or 'b' ? file : null;
            return array is not null;
        };
    }

    /// <summary>The mode (<c>permission</c>) of the first file or path argument of the record's call.</summary>
    private static string? FirstFileArgument(JsonElement root)
    {
        foreach (var member in root.EnumerateObject())
        {
            if (member.Value.ValueKind != JsonValueKind.Object || !member.Value.TryGetProperty("args"u8, out var args) || args.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var a in args.EnumerateArray())
            {
                if (a.ValueKind == JsonValueKind.Object
                    && (a.TryGetProperty("file_arg"u8, out var file) || a.TryGetProperty("path_arg"u8, out file)) && file.ValueKind == JsonValueKind.Object)
                {
                    return file.TryGetProperty("permission"u8, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
                }
            }
        }

        return null;
    }

    /// <summary>The connection's server (<c>fd.sip</c>: the address connected to) or client (<c>fd.cip</c>: the process's own) address.</summary>
    private static FalcoComputedField.Compute Address(bool server) =>
        (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            var ip = server ? e.Network?.DstIp : e.Network?.SrcIp;
            array = ip is null ? null : Encoding.UTF8.GetBytes(ip);
            return array is not null;
        };

    /// <summary>
    /// A connected socket's <c>fd.name</c>: <c>CIP:CPORT-&gt;SIP:SPORT</c>, libsinsp's <c>ipv4tuple_to_string</c> and
    /// <c>ipv6tuple_to_string</c> (inet_ntop's addresses, no brackets); no value when the record lacks the process's end.
    /// </summary>
    private static bool ConnectionName(in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array)
    {
        written = 0;
        array = e.Network is { SrcIp: { } cip, DstIp: { } sip, DstPort: { } sport } && Attribute(e, "fd.cport", out var cport) && cport.ValueKind == JsonValueKind.Number
            ? Encoding.UTF8.GetBytes($"{cip}:{cport.GetRawText()}->{sip}:{sport.ToString(CultureInfo.InvariantCulture)}")
            : null;
        return array is not null;
    }

    private static Func<FalcoEvent, (string?, string?)> Both(Func<FalcoEvent, string?> first, Func<FalcoEvent, string?> second) => e => (first(e), second(e));

    /// <summary><c>fd.port</c>: the server's port and the client's, where known.</summary>
    private static IReadOnlyList<string> Ports(FalcoEvent e)
    {
        var ports = new List<string>(2);
        if (e.Network?.DstPort is { } server)
        {
            ports.Add(server.ToString(CultureInfo.InvariantCulture));
        }

        if (Attribute(e, "fd.cport", out var client) && client.ValueKind == JsonValueKind.Number)
        {
            ports.Add(client.GetRawText());
        }

        return ports;
    }

    private static bool ServerPort(in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array)
    {
        array = null;
        written = 0;
        return e.Network?.DstPort is { } port && port.TryFormat(buffer, out written, default, CultureInfo.InvariantCulture);
    }

    /// <summary><c>fd.typechar</c> <c>4</c> or <c>6</c>, <c>fd.type</c> <c>ipv4</c> or <c>ipv6</c>: the family of the address connected to.</summary>
    private static FalcoComputedField.Compute Family(bool typechar) =>
        (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = e.Network?.DstIp is { } ip && IPAddress.TryParse(ip, out var address)
                ? address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                    ? (typechar ? "6"u8.ToArray() : "ipv6"u8.ToArray())
                    : (typechar ? "4"u8.ToArray() : "ipv4"u8.ToArray())
                : null;
            return array is not null;
        };

    private static FalcoComputedField.Compute AttributeText(string key) =>
        (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = null;
            if (!Attribute(e, key, out var value))
            {
                return false;
            }

            if (value.ValueKind == JsonValueKind.Number)
            {
                array = Encoding.UTF8.GetBytes(value.GetRawText());
                return true;
            }

            array = TextOf(value).ToArray();
            return array.Length > 0;
        };

    private static bool Attribute(in FalcoEvent e, string key, out JsonElement value)
    {
        if (e.Attributes is { } attributes && attributes.TryGetValue(key, out value))
        {
            return true;
        }

        value = default;
        return false;
    }
}

/// <summary>
/// libsinsp's address fields of a connection: <c>fd.ip</c> (the client's or the server's address, <c>=</c> true when
/// either is the value, <c>!=</c> when neither) and the networks <c>fd.net</c>, <c>fd.snet</c>, <c>fd.cnet</c> (the
/// address inside the CIDR written, as libsinsp's <c>flt_compare_ipv4net</c>): <c>=</c>, <c>!=</c>, <c>in</c>.
/// </summary>
internal sealed class FalcoNetField(string text, Func<FalcoEvent, (string? First, string? Second)> addresses, bool isAddress) : FalcoField(text, isList: false)
{
    /// <summary>Whether a value is one address (<c>fd.ip</c>) rather than a network.</summary>
    public bool IsAddress { get; } = isAddress;

    public override bool Visit(in FalcoEvent e, FalcoValueTest test, bool all, out bool present)
    {
        var (first, second) = addresses(e);
        present = first is not null || second is not null;
        return Test(first, test) || Test(second, test);
    }

    /// <summary>An address is at most 45 characters (IPv6 with an IPv4 tail), ASCII.</summary>
    private static bool Test(string? address, FalcoValueTest test)
    {
        if (address is null)
        {
            return false;
        }

        Span<byte> text = stackalloc byte[64];
        return Encoding.UTF8.TryGetBytes(address, text, out var written) ? test.Test(text[..written]) : test.Test(Encoding.UTF8.GetBytes(address));
    }
}

/// <summary>A field of several values computed from the event, each offered in turn, as libsinsp's <c>fd.port</c> (either end's port).</summary>
internal sealed class FalcoComputedListField(string text, Func<FalcoEvent, IReadOnlyList<string>> values) : FalcoField(text, isList: false)
{
    public override bool Visit(in FalcoEvent e, FalcoValueTest test, bool all, out bool present)
    {
        var list = values(e);
        present = list.Count > 0;
        foreach (var value in list)
        {
            if (test.Test(Encoding.UTF8.GetBytes(value)))
            {
                return true;
            }
        }

        return false;
    }
}
