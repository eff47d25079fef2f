using ZtStream.Ingest.Sources.Falco;

namespace ZtStream.Ingest.Sources.Tetragon;

/// <summary>
/// The path calls of a TracingPolicy — a symbolic link, a hard link, a directory made, a rename, an unlink, a directory
/// removed — read from the kernel's path hooks (<c>security_path_symlink</c>, <c>_link</c>, <c>_mkdir</c>, <c>_rename</c>,
/// <c>_unlink</c>, <c>_rmdir</c> as kprobes, <c>path_*</c> as LSM hooks; include/linux/lsm_hook_defs.h gives their
/// arguments). The policy lists the hook's arguments in the hook's order: a <c>struct path</c> (type <c>path</c>), the
/// directory, is exported whole; a <c>struct dentry</c> (type <c>dentry</c>), the entry made or removed, is exported as a
/// <c>path_arg</c> too, but Tetragon walks it within its own mount only, so ZtStream takes its last name and puts it below
/// the directory. A hard link's existing file is a dentry with no directory beside it: its mount is the new link's
/// (the kernel refuses a link across mounts, EXDEV, before it asks), so the mount's place is read off the new directory.
/// The paths are written as <c>tetragon.path</c> (the entry made or removed: the new link, the new name),
/// <c>tetragon.oldpath</c> (a link's existing file, a rename's old name) and <c>tetragon.target</c> (a symbolic link's
/// target, as the process passed it: the kernel does not resolve it).
/// </summary>
internal static class TetragonPathCalls
{
    public const string PathAttribute = "tetragon.path";
    public const string OldPathAttribute = "tetragon.oldpath";
    public const string TargetAttribute = "tetragon.target";

    /// <summary>The operation each path hook is: the kernel's <c>security_path_*</c> as a kprobe, <c>path_*</c> as an LSM hook.</summary>
    public static IEnumerable<(string Operation, string[] Hooks)> Hooks { get; } =
        [.. ((string[])["symlink", "link", "mkdir", "rename", "unlink", "rmdir"]).Select(o => (o, new[] { "security_path_" + o, "path_" + o }))];

    /// <summary>
    /// Writes the paths of <paramref name="operation"/>'s call from its arguments; the error (its field and why) when they
    /// do not give them: a path hook whose policy left out the directory or the entry names nothing a rule can read.
    /// </summary>
    public static HookOutcome Map(string operation, TetragonCall call) =>
        Add(operation, call.Hook, call.Args, call.ArgsField, call.Attributes, call.Keep) is { } bad ? HookOutcome.Error(bad.Field, bad.Message) : HookOutcome.Yes;

    private static (string Field, string Message)? Add(string operation, string hook, JsonElement args, string argsField, Dictionary<string, JsonElement> attributes, int keep)
    {
        var paths = new List<(int Index, string? Path)>(4);
        string? target = null;
        var i = 0;
        foreach (var arg in args.EnumerateArray())
        {
            if (arg.ValueKind == JsonValueKind.Object && arg.Child("path_arg") is { } path)
            {
                paths.Add((i, path.ValueKind == JsonValueKind.Object ? FalcoMapper.NonEmpty(path.String("path")) : null));
            }
            else if (arg.ValueKind == JsonValueKind.Object && arg.Child("string_arg") is { ValueKind: JsonValueKind.String } text)
            {
                target ??= text.GetString();
            }

            i++;
        }

        // Each hook's path arguments in order: (dir, dentry), a link's (old dentry, new dir, new dentry), a rename's
        // (old dir, old dentry, new dir, new dentry).
        var (needed, shape) = operation switch
        {
            "link" => (3, "the existing file (dentry), the new directory (path) and the new link (dentry)"),
            "rename" => (4, "the old directory (path), the old entry (dentry), the new directory (path) and the new entry (dentry)"),
            _ => (2, "the directory (path) and the entry (dentry)"),
        };
        if (paths.Count < needed)
        {
            return (argsField, $"{hook} needs {shape} as path_arg arguments in the hook's order; the policy's call gives {paths.Count}");
        }

        for (var p = 0; p < needed; p++)
        {
            if (paths[p].Path is null)
            {
                return ($"{argsField}[{paths[p].Index.ToString(CultureInfo.InvariantCulture)}].path_arg.path", "required: a path, got none");
            }
        }

        string? newPath, oldPath = null;
        switch (operation)
        {
            case "link":
                newPath = Below(paths[1].Path!, paths[2].Path!);
                oldPath = MountOf(paths[1].Path!, paths[2].Path!) is { } mount ? Join(mount, paths[0].Path!) : null;
                if (oldPath is null)
                {
                    return ($"{argsField}[{paths[2].Index.ToString(CultureInfo.InvariantCulture)}].path_arg.path",
                        $"the new link \"{ItemError.Clip(paths[2].Path!)}\" is not below the new directory \"{ItemError.Clip(paths[1].Path!)}\" within their mount, so the existing file's path cannot be built");
                }

                break;
            case "rename":
                oldPath = Below(paths[0].Path!, paths[1].Path!);
                newPath = Below(paths[2].Path!, paths[3].Path!);
                break;
            default:
                newPath = Below(paths[0].Path!, paths[1].Path!);
                break;
        }

        if (operation == "symlink")
        {
            if (string.IsNullOrEmpty(target))
            {
                return (argsField, $"{hook} needs the link's target (old_name) as a string_arg argument");
            }

            FalcoMapper.Add(attributes, TargetAttribute, FalcoMapper.Clip(target, keep));
        }

        FalcoMapper.Add(attributes, PathAttribute, FalcoMapper.Clip(newPath, keep));
        FalcoMapper.Add(attributes, OldPathAttribute, FalcoMapper.Clip(oldPath, keep));
        return null;
    }

    /// <summary>The entry's name (the last of its path within the mount) below the directory's full path.</summary>
    private static string Below(string directory, string entry) => Join(directory, entry[(entry.TrimEnd('/').LastIndexOf('/') + 1)..].TrimEnd('/'));

    private static string Join(string directory, string name) =>
        directory.EndsWith('/') ? directory + name.TrimStart('/') : directory + "/" + name.TrimStart('/');

    /// <summary>
    /// Where the mount holding <paramref name="entry"/> (a path within its mount) is, given the full path of the entry's
    /// directory: that path less the entry's directory within the mount; null when the one does not end with the other.
    /// </summary>
    private static string? MountOf(string directory, string entry)
    {
        var trimmed = entry.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        var within = slash <= 0 ? "" : trimmed[..slash];
        var full = directory.TrimEnd('/');
        if (within.Length > 0 && within[0] != '/')
        {
            within = "/" + within;
        }

        return full.EndsWith(within, StringComparison.Ordinal) ? full[..^within.Length] : null;
    }
}
