namespace ZtStream.Verifier.Rules.Falco;

/// <summary>
/// The opens a Tetragon policy reports with their flags (Ingest's <c>openat</c>, <c>open</c>, <c>creat</c>: the system
/// calls' own kprobes, TetragonOpenCalls), each read as the exit event of libsinsp's of that system call
/// (falcosecurity/libs <c>driver/event_table.c</c>), which a descriptor returned says succeeded. The hook names the system
/// call, so <c>evt.type</c> is known; the flags and the mode are the event's own, so <c>evt.arg.flags</c>,
/// <c>evt.is_open_read</c>, <c>evt.is_open_write</c>, <c>evt.is_open_exec</c> and <c>fd.typechar</c> are read from each.
/// </summary>
internal static class FalcoOpenCalls
{
    /// <summary><c>openat</c>'s exit (<c>PPME_SYSCALL_OPENAT_2_X</c>): <c>fd</c>, <c>dirfd</c>, <c>name</c>, <c>flags</c>, <c>mode</c>, <c>dev</c>, <c>ino</c>.</summary>
    public static FalcoSyscallCall Openat { get; } = new("openat", ["openat"], "Tetragon's opens (sys_openat)", [FalcoCallResult.Opened], carrier: "a file opened")
    {
        OpenParameters = ["fd", "dirfd", "name", "flags", "mode", "dev", "ino"],
    };

    /// <summary><c>open</c>'s exit (<c>PPME_SYSCALL_OPEN_X</c>): <c>fd</c>, <c>name</c>, <c>flags</c>, <c>mode</c>, <c>dev</c>, <c>ino</c>.</summary>
    public static FalcoSyscallCall Open { get; } = new("open", ["open"], "Tetragon's opens (sys_open)", [FalcoCallResult.Opened], carrier: "a file opened")
    {
        OpenParameters = ["fd", "name", "flags", "mode", "dev", "ino"],
    };

    /// <summary><c>creat</c>'s exit (<c>PPME_SYSCALL_CREAT_X</c>): <c>fd</c>, <c>name</c>, <c>mode</c>, <c>dev</c>, <c>ino</c>; no flags.</summary>
    public static FalcoSyscallCall Creat { get; } = new("creat", ["creat"], "Tetragon's files created (sys_creat)", [FalcoCallResult.Opened], carrier: "a file created")
    {
        OpenParameters = ["fd", "name", "mode", "dev", "ino"],
    };

    public static IReadOnlyList<FalcoSyscallCall> All { get; } = [Openat, Open, Creat];
}

internal static partial class FalcoFieldCatalog
{
    /// <summary>Ingest's attributes of an open (TetragonOpenCalls).</summary>
    private const string OpenName = "tetragon.open_name", OpenFlags = "tetragon.open_flags", OpenMode = "tetragon.open_mode";

    /// <summary>libsinsp's open flags (driver/ppm_events_public.h <c>PPM_O_*</c>).</summary>
    private const int PpmRdonly = 1, PpmWronly = 2, PpmCreat = 4, PpmDirectory = 1 << 10, PpmTmpfile = 1 << 13;

    /// <summary>
    /// The kernel's flag names Ingest writes, each as the <c>PPM_O_*</c> bits the driver's <c>open_flags_to_scap</c> sets
    /// for it (driver/ppm_flag_helpers.h). The driver tests <c>flags &amp; O_SYNC</c> and <c>flags &amp; O_TMPFILE</c>, masks
    /// that hold O_DSYNC's and O_DIRECTORY's bits too, so those set PPM_O_SYNC and PPM_O_TMPFILE as well.
    /// </summary>
    private static readonly Dictionary<string, int> PpmOpenFlags = new(StringComparer.Ordinal)
    {
        ["O_CREAT"] = PpmCreat, ["O_TMPFILE"] = PpmTmpfile, ["O_APPEND"] = 1 << 3, ["O_DSYNC"] = (1 << 4) | (1 << 7), ["O_EXCL"] = 1 << 5,
        ["O_NONBLOCK"] = 1 << 6, ["O_SYNC"] = 1 << 7, ["O_TRUNC"] = 1 << 8, ["O_DIRECT"] = 1 << 9, ["O_DIRECTORY"] = PpmDirectory | PpmTmpfile,
        ["O_LARGEFILE"] = 1 << 11, ["O_CLOEXEC"] = 1 << 12,
    };

    /// <summary>libsinsp's <c>file_flags</c> table (driver/flags_table.c), in its order, which is the order it prints them in.</summary>
    private static readonly (int Bit, string Name)[] FileFlagNames =
    [
        (1 << 11, "O_LARGEFILE"), (PpmDirectory, "O_DIRECTORY"), (1 << 9, "O_DIRECT"), (1 << 8, "O_TRUNC"), (1 << 7, "O_SYNC"),
        (1 << 6, "O_NONBLOCK"), (1 << 5, "O_EXCL"), (1 << 4, "O_DSYNC"), (1 << 3, "O_APPEND"), (PpmCreat, "O_CREAT"),
        (PpmRdonly | PpmWronly, "O_RDWR"), (PpmWronly, "O_WRONLY"), (PpmRdonly, "O_RDONLY"), (1 << 12, "O_CLOEXEC"), (0, "O_NONE"),
        (PpmTmpfile, "O_TMPFILE"), (1 << 14, "O_F_CREATED"),
    ];

    /// <summary>
    /// The <c>evt.*</c> and <c>fd.*</c> fields of an open with its flags, or null for a field it shares with the exec. What
    /// the open's kprobe does not give (the device, the inode, the directory descriptor as libsinsp's table names it) is
    /// refused naming why.
    /// </summary>
    private static FalcoField? BindOpenCall(string name, string? arg, string text, FalcoSyscallCall call, Func<string, FalcoNotCarriedException> refuse)
    {
        var creat = call.Operation == "creat";
        FalcoField Constant(byte[] value) => new FalcoConstantField(text, value);
        switch (name)
        {
            // libsinsp reads these of an open, openat or openat2 only: a creat is neither for reading nor for writing.
            case "evt.is_open_read":
                return creat ? Constant(FalseText) : new FalcoComputedField(text, OpenTest(flags => (flags & PpmRdonly) != 0));
            case "evt.is_open_write":
                return creat ? Constant(FalseText) : new FalcoComputedField(text, OpenTest(flags => (flags & PpmWronly) != 0));
            case "evt.is_open_exec":
                return new FalcoComputedField(text, OpenExec(creat));
            case "evt.is_open_create":
                return new FalcoOneOfField(text, [TrueText, FalseText], "Tetragon's open does not say whether it created the file (libsinsp's O_F_CREATED)", call.Carrier!);
            case "fd.name":
                return new FalcoComputedField(text, FileName(FilePart.Path));
            case "fd.directory":
                return new FalcoComputedField(text, FileName(FilePart.Directory));
            case "fd.filename":
                return new FalcoComputedField(text, FileName(FilePart.File));
            case "fd.nameraw":
                return new FalcoComputedField(text, AttributeText(OpenName));
            case "fd.typechar" or "fd.type":
                // libsinsp's parser: a descriptor opened with O_DIRECTORY is a directory, any other a file.
                var typechar = name == "fd.typechar";
                return creat ? Constant(typechar ? FileChar : FileType) : new FalcoComputedField(text, OpenKind(typechar));
            case "evt.args" or "evt.info":
                throw refuse("Tetragon's open gives its arguments one by one (evt.arg.<name>), not the event's arguments as one text");
        }

        if (name.StartsWith("fd.", StringComparison.Ordinal) || name.StartsWith("fs.", StringComparison.Ordinal))
        {
            throw refuse("Tetragon's open names the file's path and flags only");
        }

        var parameters = call.OpenParameters!;
        string? parameter;
        if (name.StartsWith("evt.arg.", StringComparison.Ordinal))
        {
            parameter = name["evt.arg.".Length..];
        }
        else if (name == "evt.arg" && arg is not null)
        {
            parameter = int.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? (i < parameters.Length ? parameters[i] : null) : arg;
        }
        else if (name == "evt.arg")
        {
            throw refuse("Tetragon's open gives its arguments one by one (evt.arg.<name>)");
        }
        else
        {
            return null;
        }

        if (parameter is null || Array.IndexOf(parameters, parameter) < 0)
        {
            return new FalcoOneOfField(text, [], $"{call.TypeNames[0]} has no such argument", call.Carrier!);
        }

        return parameter switch
        {
            // libsinsp prints a path argument resolved against the directory it is relative to: fd.name.
            "name" => new FalcoComputedField(text, FileName(FilePart.Path)),
            "flags" => new FalcoComputedField(text, OpenFlagsText),
            "mode" => new FalcoComputedField(text, OpenModeText(creat)),
            "fd" => throw refuse("libsinsp prints the descriptor with its file's type and name from its own table (<f>/etc/passwd), which ZtStream does not keep"),
            "dirfd" => throw refuse("Tetragon's open gives the path resolved, not the directory descriptor as libsinsp's table names it"),
            _ => throw refuse("the file's device and inode are not in Tetragon's open"),
        };
    }

    /// <summary>The open's flags as libsinsp's <c>PPM_O_*</c> bits, from the kernel's names Ingest wrote; false without them.</summary>
    private static bool TryPpmFlags(in FalcoEvent e, out int flags)
    {
        flags = 0;
        if (!Attribute(e, OpenFlags, out var names) || names.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        // The access mode: the driver's switch gives O_RDONLY for anything but O_WRONLY and O_RDWR.
        flags = PpmRdonly;
        foreach (var item in names.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                continue;
            }

            if (item.ValueEquals("O_WRONLY"u8))
            {
                flags = (flags & ~PpmRdonly) | PpmWronly;
            }
            else if (item.ValueEquals("O_RDWR"u8))
            {
                flags |= PpmRdonly | PpmWronly;
            }
            else if (item.GetString() is { } flag && PpmOpenFlags.TryGetValue(flag, out var bits))
            {
                flags |= bits;
            }
        }

        return true;
    }

    private static FalcoComputedField.Compute OpenTest(Func<int, bool> test) =>
        (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = TryPpmFlags(e, out var flags) ? (test(flags) ? TrueText : FalseText) : null;
            return array is not null;
        };

    /// <summary><c>fd.typechar</c> (<c>d</c>, <c>f</c>) or <c>fd.type</c> (<c>directory</c>, <c>file</c>) of the descriptor by its O_DIRECTORY.</summary>
    private static FalcoComputedField.Compute OpenKind(bool typechar) =>
        (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = !TryPpmFlags(e, out var flags) ? null
                : (flags & PpmDirectory) != 0 ? (typechar ? DirectoryChar : DirectoryType)
                : typechar ? FileChar : FileType;
            return array is not null;
        };

    /// <summary>
    /// The mode as the driver's <c>open_modes_to_scap</c> passes it: the permission bits (PPM_S_* are the kernel's) for an
    /// open that may create a file (O_CREAT, or the O_TMPFILE mask), else 0; a creat always creates. No value when the
    /// policy did not capture the mode of an open that may create.
    /// </summary>
    private static int? PpmMode(in FalcoEvent e, bool creat)
    {
        if (!creat)
        {
            if (!TryPpmFlags(e, out var flags))
            {
                return null;
            }

            if ((flags & (PpmCreat | PpmTmpfile)) == 0)
            {
                return 0;
            }
        }

        return Attribute(e, OpenMode, out var mode) && mode.ValueKind == JsonValueKind.Number && mode.TryGetInt64(out var bits) ? (int)(bits & 0xFFF) : null;
    }

    /// <summary><c>evt.is_open_exec</c>: an open that may create a file (a creat) with an execute bit in its mode.</summary>
    private static FalcoComputedField.Compute OpenExec(bool creat) =>
        (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = PpmMode(e, creat) is { } mode ? ((mode & 0x49) != 0 ? TrueText : FalseText) : null;
            return array is not null;
        };

    /// <summary><c>evt.arg.mode</c>: the mode in octal with its leading 0 (libsinsp's <c>PF_OCT</c>, <c>%#o</c>: 0 is <c>0</c>).</summary>
    private static FalcoComputedField.Compute OpenModeText(bool creat) =>
        (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = PpmMode(e, creat) is { } mode ? Encoding.UTF8.GetBytes(mode == 0 ? "0" : "0" + Convert.ToString(mode, 8)) : null;
            return array is not null;
        };

    /// <summary>
    /// <c>evt.arg.flags</c> as libsinsp prints a flags argument (<c>sinsp_evt::get_param_as_str</c>): each entry of the
    /// table whose bits are all set, in the table's order, its bits then taken off, joined by '|', ending at an entry that
    /// is the whole value (<c>O_TRUNC|O_CREAT|O_WRONLY</c>).
    /// </summary>
    private static bool OpenFlagsText(in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array)
    {
        written = 0;
        array = null;
        if (!TryPpmFlags(e, out var initial))
        {
            return false;
        }

        var text = new StringBuilder();
        var value = initial;
        foreach (var (bit, name) in FileFlagNames)
        {
            if ((bit == 0 && initial == 0) || (bit != 0 && (value & bit) == bit && value != 0))
            {
                value &= ~bit;
                text.Append(text.Length == 0 ? "" : "|").Append(name);
                if (bit == initial)
                {
                    break;
                }
            }
        }

        array = Encoding.UTF8.GetBytes(text.ToString());
        return true;
    }
}
