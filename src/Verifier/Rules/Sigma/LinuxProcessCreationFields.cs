namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>
/// <c>product: linux, category: process_creation</c>: Sigma's taxonomy names for a process started on Linux (Sysmon for
/// Linux's ProcessCreate fields, which SigmaHQ's Linux rules read) on a <c>runtime.process</c> event, Tetragon's
/// <c>process_exec</c> as Ingest maps it (docs/sources.md, "Tetragon": Falco's field names in the attributes, the record
/// in <c>raw</c>). Each name reads the value that means the same thing; a name with no such value is an error naming it
/// and why, never a rule that cannot match.
/// </summary>
/// <remarks>
/// <c>CommandLine</c> is the process's argv joined by spaces, as Sysmon for Linux and auditd write it, argv[0] included.
/// Tetragon records the binary and argv[1..] (Ingest takes off the quotes Tetragon puts around an argument holding a
/// space), never argv[0], which is the name a shell ran (<c>chmod 700 /tmp/x</c>) or the path a script or service ran
/// (<c>/bin/sh /usr/sbin/update-shells</c>): both forms are read, name and path, any of them matching, so a rule written
/// for either matches and a filter written for either excludes. <c>ParentCommandLine</c> likewise, from the parent's
/// binary and arguments. Both read the process and its parent where Falco's fields read them
/// (<see cref="ExecProcesses"/>).
/// </remarks>
internal sealed class LinuxProcessCreationFields : IFieldResolver
{
    public static readonly LinuxProcessCreationFields Instance = new();

    /// <summary>The kind Ingest makes of every exec Tetragon reports (a <c>runtime.alert</c> or a request is never a process creation).</summary>
    public static readonly IReadOnlyList<string> Kinds = [EventKinds.RuntimeProcess];

    /// <summary>The node that admits only process creations, whatever path evaluates the rule (embedded tests, explanations).</summary>
    public static readonly Node Execs = new RuntimeProcesses();

    private const string ExePath = "proc.exepath";
    private const string ParentExePath = "proc.pexepath";

    /// <summary>Names read, and where.</summary>
    internal static readonly Dictionary<string, Func<string, FieldPath>> Mapped = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Image"] = name => Attribute(name, ExePath),
        ["CommandLine"] = name => CommandLine(name, parent: false),
        ["CurrentDirectory"] = name => Attribute(name, "proc.cwd"),
        ["User"] = name => Attribute(name, "user.name"),
        ["ProcessId"] = name => FieldPath.Json(name, FieldRoot.Raw, "raw.", "process_exec.process.pid"),
        ["ProcessGuid"] = name => Attribute(name, "tetragon.exec_id"),
        ["ParentImage"] = name => Attribute(name, ParentExePath),
        ["ParentCommandLine"] = name => CommandLine(name, parent: true),
        ["ParentProcessId"] = name => FieldPath.Json(name, FieldRoot.Raw, "raw.", "process_exec.parent.pid"),
        ["ParentProcessGuid"] = name => Attribute(name, "tetragon.parent_exec_id"),
        ["ParentUser"] = name => FieldPath.Json(name, FieldRoot.Raw, "raw.", "process_exec.parent.user.name"),
    };

    /// <summary>Sysmon for Linux's names that Tetragon's exec has no value for, and why.</summary>
    private static readonly Dictionary<string, string> Refused = new(StringComparer.OrdinalIgnoreCase)
    {
        ["LogonId"] = "Tetragon's exec records no logon session (its auid is the login user's id, not a session)",
        ["LogonGuid"] = "Tetragon's exec records no logon session",
        ["TerminalSessionId"] = "Tetragon's exec records no terminal session",
        ["OriginalFileName"] = "a name from a Windows binary's version resource, which an ELF binary has not",
        ["FileVersion"] = "a Windows binary's version resource, which an ELF binary has not",
        ["Description"] = "a Windows binary's version resource, which an ELF binary has not",
        ["Product"] = "a Windows binary's version resource, which an ELF binary has not",
        ["Company"] = "a Windows binary's version resource, which an ELF binary has not",
        ["IntegrityLevel"] = "a Windows token's integrity level, which Linux has not",
        ["Hashes"] = "Tetragon's exec carries no hash of the binary",
        ["md5"] = "Tetragon's exec carries no hash of the binary",
        ["sha1"] = "Tetragon's exec carries no hash of the binary",
        ["sha256"] = "Tetragon's exec carries no hash of the binary",
        ["Imphash"] = "Tetragon's exec carries no hash of the binary",
    };

    public FieldPath Resolve(string name) =>
        Mapped.TryGetValue(name, out var path) ? path(name)
        : Refused.TryGetValue(name, out var why) ? throw new RuleFormatException($"field '{name}' has no value in a Linux process creation (Tetragon's process_exec): {why}")
        : throw new RuleFormatException(
            $"field '{name}' is not a field of a Linux process creation (its fields are {string.Join(", ", Mapped.Keys)})");

    private static FieldPath Attribute(string name, string key) => FieldPath.Json(name, FieldRoot.Attributes, "attributes.", key);

    /// <summary>
    /// argv joined by spaces: argv[0] as the file's name, or as its path (any of them matching), then the arguments;
    /// no value when the event names no such process.
    /// </summary>
    private static FieldPath CommandLine(string name, bool parent) => FieldPath.AnyOf(name, [
        FieldPath.CanonicalText(name, e => Joined(ExecProcesses.Binary(e, parent) is { } b ? ExecProcesses.FileName(b) : null, e, parent)),
        FieldPath.CanonicalText(name, e => Joined(ExecProcesses.Binary(e, parent), e, parent)),
    ]);

    private static string? Joined(string? argv0, AccessEvent e, bool parent) =>
        argv0 is null ? null : ExecProcesses.Arguments(e, parent) is { } arguments ? argv0 + " " + arguments : argv0;

    /// <summary>True for a <c>runtime.process</c>: checked here too, not only by the rule set's index.</summary>
    private sealed class RuntimeProcesses : Node
    {
        private static readonly HashSet<string> KindSet = new(Kinds, StringComparer.Ordinal);

        public override bool Eval(RuleEvent e, MatchTrace? trace) => string.Equals(e.Event.Kind, EventKinds.RuntimeProcess, StringComparison.Ordinal);

        public override IReadOnlySet<string>? RequiredKinds() => KindSet;
    }
}
