namespace ZtStream.Verifier.Rules;

/// <summary>
/// The process an exec started and its parent, as Ingest writes them on a <c>runtime.process</c> (docs/events.md,
/// "Runtime processes"): each one's binary (<c>proc.exepath</c>, <c>proc.pexepath</c>) and its arguments after argv[0]
/// (<c>proc.args</c>, <c>tetragon.parent_args</c>), Tetragon's quoting already taken off by the mapper. The one place
/// every rule format's process fields read — Sigma's <c>Image</c>, <c>CommandLine</c>, <c>ParentImage</c>,
/// <c>ParentCommandLine</c>; Falco's <c>proc.exepath</c>, <c>proc.name</c>, <c>proc.args</c>, <c>proc.cmdline</c> and the
/// parent's — so one fact has one reading, and nothing parses a command line back apart. The ancestors above the parent,
/// when Tetragon exported them (<c>tetragon.ancestors</c>, nearest first), are read by depth: 0 the process, 1 its parent,
/// 2 the parent's parent and so on, Falco's <c>proc.aname[N]</c> numbering.
/// </summary>
internal static class ExecProcesses
{
    private const string ExePath = "proc.exepath";
    private const string ParentExePath = "proc.pexepath";
    private const string Args = "proc.args";
    private const string ParentArgs = "tetragon.parent_args";
    private const string Ancestors = "tetragon.ancestors";

    /// <summary>The executed file's path; false when the event names no such process (no parent, or no attributes).</summary>
    public static bool TryBinary(Dictionary<string, JsonElement>? attributes, bool parent, out JsonElement binary) =>
        TryText(attributes, parent ? ParentExePath : ExePath, out binary);

    /// <summary>
    /// The arguments after argv[0], joined by spaces; false when the process ran with none (Tetragon leaves them out) or the
    /// event names no such process.
    /// </summary>
    public static bool TryArguments(Dictionary<string, JsonElement>? attributes, bool parent, out JsonElement arguments) =>
        TryText(attributes, parent ? ParentArgs : Args, out arguments);

    /// <summary>The executed file of the process <paramref name="depth"/> levels up (0 the process); false when the event names none there.</summary>
    public static bool TryBinary(Dictionary<string, JsonElement>? attributes, int depth, out JsonElement binary) => depth switch
    {
        0 or 1 => TryBinary(attributes, parent: depth == 1, out binary),
        _ => TryAncestorMember(attributes, depth, "exepath", JsonValueKind.String, out binary),
    };

    /// <summary>The arguments of the process <paramref name="depth"/> levels up; false when it ran with none or the event names none there.</summary>
    public static bool TryArguments(Dictionary<string, JsonElement>? attributes, int depth, out JsonElement arguments) => depth switch
    {
        0 or 1 => TryArguments(attributes, parent: depth == 1, out arguments),
        _ => TryAncestorMember(attributes, depth, "args", JsonValueKind.String, out arguments),
    };

    /// <summary>The pid of the ancestor <paramref name="depth"/> levels up, 2 or more (the process's and parent's are in the record).</summary>
    public static bool TryAncestorPid(Dictionary<string, JsonElement>? attributes, int depth, out JsonElement pid) =>
        TryAncestorMember(attributes, depth, "pid", JsonValueKind.Number, out pid);

    /// <summary>The deepest level the event names a process at: 1 with the parent alone, 1 + the ancestors above it.</summary>
    public static int Depth(Dictionary<string, JsonElement>? attributes) =>
        attributes is not null && attributes.TryGetValue(Ancestors, out var list) && list.ValueKind == JsonValueKind.Array ? 1 + list.GetArrayLength() : 1;

    public static string? Binary(AccessEvent e, bool parent) => TryBinary(e.Attributes, parent, out var b) ? b.GetString() : null;

    public static string? Arguments(AccessEvent e, bool parent) => TryArguments(e.Attributes, parent, out var a) ? a.GetString() : null;

    /// <summary>The executed file's name: the binary's last path component.</summary>
    public static string FileName(string binary) => binary[(binary.LastIndexOf('/') + 1)..];

    private static bool TryAncestorMember(Dictionary<string, JsonElement>? attributes, int depth, string member, JsonValueKind kind, out JsonElement value)
    {
        if (depth >= 2 && attributes is not null && attributes.TryGetValue(Ancestors, out var list) && list.ValueKind == JsonValueKind.Array
            && depth - 2 < list.GetArrayLength() && list[depth - 2] is { ValueKind: JsonValueKind.Object } ancestor
            && ancestor.TryGetProperty(member, out value) && value.ValueKind == kind)
        {
            return true;
        }

        value = default;
        return false;
    }

    private static bool TryText(Dictionary<string, JsonElement>? attributes, string key, out JsonElement value)
    {
        if (attributes is not null && attributes.TryGetValue(key, out value) && value.ValueKind == JsonValueKind.String)
        {
            return true;
        }

        value = default;
        return false;
    }
}
