namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>
/// <c>product: linux, category: file_event</c>: Sigma's taxonomy names for a file created or written on Linux (Sysmon for
/// Linux's FileCreate fields, which SigmaHQ's Linux rules read) on a write a TracingPolicy reported as Ingest maps it:
/// <c>tetragon.operation</c> <c>write</c> (<c>security_file_permission</c> with MAY_WRITE, a <c>write()</c> with its
/// file) or <c>truncate</c> (<c>security_path_truncate</c>): docs/sources.md, "Tetragon". A file read, mapped or only
/// opened is no file event, whatever the policy's name.
/// </summary>
/// <remarks>
/// <c>TargetFilename</c> is the file the call names (its path, as Tetragon resolves it). Tetragon reports the call, not
/// when the file was created, and no hash of it: those names are errors saying so.
/// </remarks>
internal sealed class LinuxFileEventFields : IFieldResolver
{
    public static readonly LinuxFileEventFields Instance = new();

    /// <summary>The node that admits only writes, whatever path evaluates the rule.</summary>
    public static readonly Node Writes = new TetragonOperations("write", "truncate");

    private static readonly Dictionary<string, Func<string, FieldPath>> Own = new(StringComparer.OrdinalIgnoreCase)
    {
        ["TargetFilename"] = name => FieldPath.Json(name, FieldRoot.Attributes, "attributes.", "fd.name"),
    };

    private static readonly Dictionary<string, string> Refused = new(StringComparer.OrdinalIgnoreCase)
    {
        ["CreationUtcTime"] = "Tetragon reports when the file was written, never when it was created",
        ["PreviousCreationUtcTime"] = "Tetragon reports when the file was written, never when it was created",
        ["Hashes"] = "Tetragon's file argument carries no hash of the file",
        ["md5"] = "Tetragon's file argument carries no hash of the file",
        ["sha1"] = "Tetragon's file argument carries no hash of the file",
        ["sha256"] = "Tetragon's file argument carries no hash of the file",
        ["Imphash"] = "Tetragon's file argument carries no hash of the file",
    };

    public FieldPath Resolve(string name) => TetragonOperations.Resolve(name, "file event (Tetragon's file writes)", Own, Refused);
}
