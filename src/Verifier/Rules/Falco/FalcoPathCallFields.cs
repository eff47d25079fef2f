namespace ZtStream.Verifier.Rules.Falco;

/// <summary>
/// The path calls of Tetragon's policies (Ingest's <c>symlink</c>, <c>link</c>, <c>mkdir</c>, <c>rename</c>, <c>unlink</c>,
/// <c>rmdir</c>: the kernel's <c>security_path_*</c> hooks) as Falco's system calls. Each hook serves a few system calls
/// whose events differ in their arguments (<c>unlink</c>'s <c>path</c>, <c>unlinkat</c>'s <c>dirfd</c> and <c>name</c>)
/// and the hook does not say which it was, nor the call's result (it asks before the file system acts, which may still
/// refuse, EACCES). So a rule is read once for each system call and result (<see cref="Results"/>, each with its own
/// <c>evt.type</c> and <c>evt.arg.*</c>, libscap's event table): true on the event only where it is for all of them,
/// refused where it is never true for some.
/// </summary>
internal sealed partial class FalcoSyscallCall
{
    private FalcoSyscallCall(string operation, string describes, string carrier, params (string Type, string[] Parameters)[] calls)
        : this(operation, [.. calls.Select(c => c.Type)], describes,
            [.. calls.SelectMany(c => new[] { FalcoCallResult.Done with { Type = c.Type }, FalcoCallResult.Denied with { Type = c.Type } })], carrier: carrier)
    {
        Parameters = calls.ToDictionary(c => c.Type, c => c.Parameters, StringComparer.Ordinal);
    }

    private static IEnumerable<FalcoSyscallCall> PathCalls => Paths.All;

    /// <summary>For a path call, the arguments of each of its system calls' exit events (libscap's event table), by <c>evt.type</c>.</summary>
    public IReadOnlyDictionary<string, string[]>? Parameters { get; }

    public bool IsPath => Parameters is not null;

    /// <summary>The refusal of a condition true for some of the call's readings and never for others (<paramref name="never"/>: the check that is never true).</summary>
    public string Undecided(string never) => IsPath
        ? $"its condition on {Describes} depends on which system call it was or on its result ({never} for some), which Tetragon does not report: it may be {string.Join(" or ", TypeNames)}, each {FalcoCallResult.Done.Res} or {FalcoCallResult.Denied.Res}"
        : $"its condition on {Describes} depends on the call's result ({never} for some), which Tetragon does not report: it may be {string.Join(" or ", Results.Select(r => r.Res))}";

    /// <summary>The path calls, in a class of their own so that they exist before <see cref="All"/> lists them, whichever file's statics run first.</summary>
    private static class Paths
    {
        /// <summary>A symbolic link made (<c>security_path_symlink</c>): <c>target</c> as the process passed it, <c>linkpath</c> the link.</summary>
        public static readonly FalcoSyscallCall Symlink = new("symlink", "Tetragon's symbolic links", "a symbolic link",
            ("symlinkat", ["res", "target", "linkdirfd", "linkpath"]), ("symlink", ["res", "target", "linkpath"]));

        /// <summary>A hard link made (<c>security_path_link</c>): <c>oldpath</c> the existing file, <c>newpath</c> the link.</summary>
        public static readonly FalcoSyscallCall Link = new("link", "Tetragon's hard links", "a hard link",
            ("linkat", ["res", "olddir", "oldpath", "newdir", "newpath", "flags"]), ("link", ["res", "oldpath", "newpath"]));

        /// <summary>A directory made (<c>security_path_mkdir</c>): <c>path</c>.</summary>
        public static readonly FalcoSyscallCall Mkdir = new("mkdir", "Tetragon's directories made", "a directory made",
            ("mkdirat", ["res", "dirfd", "path", "mode"]), ("mkdir", ["res", "path"]));

        /// <summary>A rename (<c>security_path_rename</c>): <c>oldpath</c>, <c>newpath</c>.</summary>
        public static readonly FalcoSyscallCall Rename = new("rename", "Tetragon's renames", "a rename",
            ("renameat2", ["res", "olddirfd", "oldpath", "newdirfd", "newpath", "flags"]),
            ("renameat", ["res", "olddirfd", "oldpath", "newdirfd", "newpath"]),
            ("rename", ["res", "oldpath", "newpath"]));

        /// <summary>A file unlinked (<c>security_path_unlink</c>): <c>unlinkat</c>'s <c>name</c>, <c>unlink</c>'s <c>path</c>.</summary>
        public static readonly FalcoSyscallCall Unlink = new("unlink", "Tetragon's unlinks", "an unlink",
            ("unlinkat", ["res", "dirfd", "name", "flags"]), ("unlink", ["res", "path"]));

        /// <summary>A directory removed (<c>security_path_rmdir</c>): by <c>unlinkat</c> with AT_REMOVEDIR (<c>name</c>) or <c>rmdir</c> (<c>path</c>).</summary>
        public static readonly FalcoSyscallCall Rmdir = new("rmdir", "Tetragon's directories removed", "a directory removed",
            ("unlinkat", ["res", "dirfd", "name", "flags"]), ("rmdir", ["res", "path"]));

        public static readonly FalcoSyscallCall[] All = [Symlink, Link, Mkdir, Rename, Unlink, Rmdir];
    }
}

internal static partial class FalcoFieldCatalog
{
    /// <summary>The attributes Ingest writes a path call's paths to (TetragonPathCalls).</summary>
    private const string PathAttribute = "tetragon.path", OldPathAttribute = "tetragon.oldpath", TargetAttribute = "tetragon.target";

    /// <summary>
    /// The <c>fd.*</c>, <c>fs.*</c> and <c>evt.arg*</c> fields of a path call read as <paramref name="result"/>'s system
    /// call; null for any other field (<c>evt.type</c>, <c>evt.res</c>, the process's: read as for every call). An argument
    /// that system call does not have, and a descriptor's field (libsinsp names a file for the calls that open or connect
    /// one only), have no value; what Tetragon's hook does not give is refused naming it.
    /// </summary>
    private static FalcoField? BindPathCall(string name, string? arg, string text, FalcoSyscallCall call, FalcoCallResult result, string carrier)
    {
        var type = result.Type!;
        FalcoField Absent(string why) => new FalcoOneOfField(text, [], why, carrier);
        FalcoNotCarriedException Refuse(string why) => new(text, why, carrier);
        if (name.StartsWith("fd.", StringComparison.Ordinal))
        {
            return Absent($"{type} uses no file descriptor: libsinsp names none for it");
        }

        if (name.StartsWith("fs.", StringComparison.Ordinal))
        {
            throw Refuse("Tetragon's path call is read through evt.arg.* (its paths), not fs.*");
        }

        if (name is "evt.args" or "evt.info" || name == "evt.arg" && arg is null)
        {
            throw Refuse("Tetragon's path call gives its paths one by one (evt.arg.<name>), not the event's arguments as one text");
        }

        string? parameter;
        if (name.StartsWith("evt.arg.", StringComparison.Ordinal))
        {
            parameter = name["evt.arg.".Length..];
        }
        else if (name == "evt.arg")
        {
            var parameters = call.Parameters![type];
            parameter = int.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? (i < parameters.Length ? parameters[i] : null) : arg;
        }
        else
        {
            return null;
        }

        if (parameter is null || Array.IndexOf(call.Parameters![type], parameter) < 0)
        {
            return Absent($"{type} has no such argument");
        }

        return parameter switch
        {
            "path" or "name" or "linkpath" or "newpath" => new FalcoComputedField(text, AttributeText(PathAttribute)),
            "oldpath" => new FalcoComputedField(text, AttributeText(OldPathAttribute)),
            "target" => new FalcoComputedField(text, AttributeText(TargetAttribute)),
            "res" => throw Refuse("the call's result is read as evt.res"),
            "flags" or "mode" => throw Refuse("Tetragon's path hook gives the paths, not the call's flags or mode"),
            _ => throw Refuse("Tetragon's path hook gives the paths the kernel resolved, not the directory descriptors the process passed"),
        };
    }
}
