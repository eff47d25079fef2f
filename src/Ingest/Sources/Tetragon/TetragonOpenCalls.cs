using ZtStream.Ingest.Sources.Falco;

namespace ZtStream.Ingest.Sources.Tetragon;

/// <summary>
/// A file opened, read from the system call's own kprobe (<c>syscall: true</c>), which alone among the hooks Tetragon
/// documents gives the open's flags: <c>sys_openat</c> (<c>int dfd, const char *filename, int flags, umode_t mode</c>:
/// Tetragon's <c>openat_write.yaml</c> captures <c>{index: 0, type: int}</c>, <c>{index: 1, type: string}</c>,
/// <c>{index: 2, type: int}</c>, with <c>return: true</c> and <c>returnArg: {type: int}</c>), <c>sys_open</c>
/// (<c>filename, flags, mode</c>) and <c>sys_creat</c> (<c>filename, mode</c>). <c>security_file_open</c> and
/// <c>fd_install</c> give the file, and their <c>file_arg</c>'s <c>flags</c> are Tetragon's own path flags, not the
/// open's. The arguments are read in the policy's order. The descriptor returned says whether the file opened: a
/// negative one (an errno) is no open, as a refused call is none for the other hooks; a policy that does not capture
/// it gives no open to read, which is the item's error naming <c>return</c>.
/// <para>
/// Written: the operation (<c>openat</c>, <c>open</c>, <c>creat</c>: the system call, as libsinsp's <c>evt.type</c>),
/// <c>fd.name</c> (the path, a relative one resolved against the process's <c>cwd</c> for AT_FDCWD as the kernel does;
/// one relative to another directory descriptor cannot be, which is the item's error), <c>tetragon.open_name</c> (the
/// path as passed, libsinsp's <c>fd.nameraw</c>), <c>tetragon.open_flags</c> (the flags by their names in the kernel's
/// headers, <c>O_WRONLY</c>, <c>O_CREAT</c> …, decoded for the architecture the hook names: arm64 places four of them
/// elsewhere), <c>tetragon.open_mode</c> (the mode asked for, when captured) and <c>tetragon.fd</c> (the descriptor).
/// </para>
/// </summary>
internal static class TetragonOpenCalls
{
    public const string NameAttribute = "tetragon.open_name";
    public const string FlagsAttribute = "tetragon.open_flags";
    public const string ModeAttribute = "tetragon.open_mode";
    public const string DescriptorAttribute = "tetragon.fd";

    /// <summary>The kernel's AT_FDCWD (include/uapi/linux/fcntl.h): a relative path is the process's working directory's.</summary>
    private const long AtFdCwd = -100;

    /// <summary>
    /// The open flags' bits (include/uapi/asm-generic/fcntl.h, octal) by their names; arm64 (arch/arm64/include/uapi/asm/fcntl.h)
    /// moves O_DIRECTORY, O_NOFOLLOW, O_DIRECT and O_LARGEFILE. O_SYNC and O_TMPFILE are named by their own bit
    /// (__O_SYNC, __O_TMPFILE); the O_DSYNC and O_DIRECTORY bits they also set are named on their own.
    /// </summary>
    private static readonly (string Name, long Generic, long Arm64)[] Flags =
    [
        ("O_CREAT", 0x40, 0x40), ("O_EXCL", 0x80, 0x80), ("O_NOCTTY", 0x100, 0x100), ("O_TRUNC", 0x200, 0x200),
        ("O_APPEND", 0x400, 0x400), ("O_NONBLOCK", 0x800, 0x800), ("O_DSYNC", 0x1000, 0x1000), ("O_ASYNC", 0x2000, 0x2000),
        ("O_DIRECT", 0x4000, 0x10000), ("O_LARGEFILE", 0x8000, 0x20000), ("O_DIRECTORY", 0x10000, 0x4000),
        ("O_NOFOLLOW", 0x20000, 0x8000), ("O_NOATIME", 0x40000, 0x40000), ("O_CLOEXEC", 0x80000, 0x80000),
        ("O_SYNC", 0x100000, 0x100000), ("O_PATH", 0x200000, 0x200000), ("O_TMPFILE", 0x400000, 0x400000),
    ];

    /// <summary>Each hook's system call and where its arguments are: the filename's, the flags' (none for creat) and the mode's index.</summary>
    public static IEnumerable<(string Operation, bool ReadsResult, Func<TetragonCall, HookOutcome> Map, string[] Hooks)> Hooks { get; } =
    [
        ("openat", true, c => Map(c, dirfd: 0, name: 1, flags: 2, mode: 3), ["sys_openat"]),
        ("open", true, c => Map(c, dirfd: null, name: 0, flags: 1, mode: 2), ["sys_open"]),
        ("creat", true, c => Map(c, dirfd: null, name: 0, flags: null, mode: 1), ["sys_creat"]),
    ];

    private static HookOutcome Map(TetragonCall call, int? dirfd, int name, int? flags, int mode)
    {
        if (call.Body.String("action") == "KPROBE_ACTION_OVERRIDE")
        {
            return HookOutcome.No;
        }

        var hook = TetragonMapper.WithoutSyscallPrefix(call.Hook);
        if (call.Body.Child("return") is not { ValueKind: JsonValueKind.Object } returned || returned.Int("int_arg") is not { } fd)
        {
            return HookOutcome.Error(call.Type + ".return.int_arg",
                $"required: the descriptor {hook} returned (the policy's return: true with returnArg {{type: int}}): without it the record does not say whether the file opened");
        }

        if (fd < 0)
        {
            return HookOutcome.No;
        }

        if (TetragonProcessCalls.At(call.Args, name)?.Child("string_arg") is not { ValueKind: JsonValueKind.String } text || FalcoMapper.NonEmpty(text.GetString()) is not { } path)
        {
            return HookOutcome.Error($"{call.ArgsField}[{name}].string_arg", $"required: the path opened ({hook}'s filename, captured as {{index: {name}, type: \"string\"}})");
        }

        // A string argument may carry the NUL the policy's selectors match with ("/etc/passwd\0").
        path = path.TrimEnd('\0');
        long? bits = null;
        if (flags is { } f && (bits = TetragonProcessCalls.Number(call.Args, f)) is null)
        {
            return HookOutcome.Error($"{call.ArgsField}[{f}].int_arg", $"required: the open's flags ({hook}'s flags, captured as {{index: {f}, type: \"int\"}})");
        }

        string full;
        if (path.StartsWith('/'))
        {
            full = path;
        }
        else
        {
            var at = dirfd is { } d ? TetragonProcessCalls.Number(call.Args, d) : AtFdCwd;
            if (at is null)
            {
                return HookOutcome.Error($"{call.ArgsField}[{dirfd}].int_arg", $"required: the directory descriptor the relative path \"{ItemError.Clip(path)}\" is opened against ({hook}'s dfd, captured as {{index: {dirfd}, type: \"int\"}})");
            }

            if (at != AtFdCwd)
            {
                return HookOutcome.Error($"{call.ArgsField}[{dirfd}].int_arg",
                    $"the relative path \"{ItemError.Clip(path)}\" is opened against the directory descriptor {at}, which Tetragon does not resolve to a path: the file opened cannot be named");
            }

            if (FalcoMapper.NonEmpty(call.Body.Child("process").String("cwd")) is not { } cwd || !cwd.StartsWith('/'))
            {
                return HookOutcome.Error(call.Type + ".process.cwd", $"required: the working directory the relative path \"{ItemError.Clip(path)}\" is opened in");
            }

            full = cwd.EndsWith('/') ? cwd + path : cwd + "/" + path;
        }

        FalcoMapper.Add(call.Attributes, "fd.name", FalcoMapper.Clip(UnixPaths.Normalize(full), call.Keep));
        FalcoMapper.Add(call.Attributes, NameAttribute, FalcoMapper.Clip(path, call.Keep));
        call.Attributes[DescriptorAttribute] = JsonFields.Of((long)fd);

        // creat() is open(O_CREAT|O_WRONLY|O_TRUNC) (fs/open.c); libsinsp's creat event carries no flags, so none is written.
        if (bits is { } b)
        {
            call.Attributes[FlagsAttribute] = JsonFields.Of(Names(b, arm64: call.Hook.StartsWith("__arm64_", StringComparison.Ordinal)));
        }

        if (TetragonProcessCalls.Number(call.Args, mode) is { } m)
        {
            call.Attributes[ModeAttribute] = JsonFields.Of(m);
        }

        return HookOutcome.Yes;
    }

    /// <summary>The flags' names: the access mode (<c>O_RDONLY</c>, <c>O_WRONLY</c>, <c>O_RDWR</c>), then each bit set.</summary>
    internal static List<string> Names(long flags, bool arm64)
    {
        var names = new List<string>(4) { (flags & 3) switch { 1 => "O_WRONLY", 2 => "O_RDWR", 3 => "O_ACCMODE", _ => "O_RDONLY" } };
        foreach (var (name, generic, arm) in Flags)
        {
            if ((flags & (arm64 ? arm : generic)) != 0)
            {
                names.Add(name);
            }
        }

        return names;
    }
}
