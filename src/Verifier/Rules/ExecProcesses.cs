namespace ZtStream.Verifier.Rules;

/// <summary>
/// The process an exec started and its parent, as Ingest writes them on a <c>runtime.process</c> (docs/events.md,
/// "Runtime processes"): each one's binary (<c>proc.exepath</c>, <c>proc.pexepath</c>) and its arguments after argv[0]
/// (<c>proc.args</c>, <c>tetragon.parent_args</c>), Tetragon's quoting already taken off by the mapper. The one place
/// every rule format's process fields read — Sigma's <c>Image</c>, <c>CommandLine</c>, <c>ParentImage</c>,
/// <c>ParentCommandLine</c>; Falco's <c>proc.exepath</c>, <c>proc.name</c>, <c>proc.args</c>, <c>proc.cmdline</c> and the
/// parent's — so one fact has one reading, and nothing parses a command line back apart.
/// </summary>
internal static class ExecProcesses
{
    private const string ExePath = "proc.exepath";
    private const string ParentExePath = "proc.pexepath";
    private const string Args = "proc.args";
    private const string ParentArgs = "tetragon.parent_args";

    /// <summary>The executed file's path; false when the event names no such process (no parent, or no attributes).</summary>
    public static bool TryBinary(Dictionary<string, JsonElement>? attributes, bool parent, out JsonElement binary) =>
        TryText(attributes, parent ? ParentExePath : ExePath, out binary);

    /// <summary>
    /// The arguments after argv[0], joined by spaces; false when the process ran with none (Tetragon leaves them out) or the
    /// event names no such process.
    /// </summary>
    public static bool TryArguments(Dictionary<string, JsonElement>? attributes, bool parent, out JsonElement arguments) =>
        TryText(attributes, parent ? ParentArgs : Args, out arguments);

    public static string? Binary(AccessEvent e, bool parent) => TryBinary(e.Attributes, parent, out var b) ? b.GetString() : null;

    public static string? Arguments(AccessEvent e, bool parent) => TryArguments(e.Attributes, parent, out var a) ? a.GetString() : null;

    /// <summary>The executed file's name: the binary's last path component.</summary>
    public static string FileName(string binary) => binary[(binary.LastIndexOf('/') + 1)..];

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
