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
/// Tetragon records the binary and argv[1..] (<c>arguments</c>, where an argument holding a space is wrapped in double
/// quotes, which argv does not hold: they are taken off again), never argv[0], which is the name a shell ran
/// (<c>chmod 700 /tmp/x</c>) or the path a script or service ran (<c>/bin/sh /usr/sbin/update-shells</c>): both forms
/// are read, name (<c>proc.name</c>) and path (<c>proc.exepath</c>), any of them matching, so a rule written for either
/// matches and a filter written for either excludes. <c>ParentCommandLine</c> likewise, from the parent's name, path and
/// arguments (what follows its name in <c>proc.pcmdline</c>).
/// </remarks>
internal sealed class LinuxProcessCreationFields : IFieldResolver
{
    public static readonly LinuxProcessCreationFields Instance = new();

    /// <summary>The kind Ingest makes of every exec Tetragon reports (a <c>runtime.alert</c> or a request is never a process creation).</summary>
    public static readonly IReadOnlyList<string> Kinds = [EventKinds.RuntimeProcess];

    /// <summary>The node that admits only process creations, whatever path evaluates the rule (embedded tests, explanations).</summary>
    public static readonly Node Execs = new RuntimeProcesses();

    private const string ExePath = "proc.exepath";
    private const string Name = "proc.name";
    private const string Args = "proc.args";
    private const string ParentExePath = "proc.pexepath";
    private const string ParentName = "proc.pname";
    private const string ParentCmdline = "proc.pcmdline";

    /// <summary>Names read, and where.</summary>
    internal static readonly Dictionary<string, Func<string, FieldPath>> Mapped = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Image"] = name => Attribute(name, ExePath),
        ["CommandLine"] = name => FieldPath.AnyOf(name, [
            FieldPath.CanonicalText(name, e => CommandLine(Text(e, Name), Text(e, Args))),
            FieldPath.CanonicalText(name, e => CommandLine(Text(e, ExePath), Text(e, Args))),
        ]),
        ["CurrentDirectory"] = name => Attribute(name, "proc.cwd"),
        ["User"] = name => Attribute(name, "user.name"),
        ["ProcessId"] = name => FieldPath.Json(name, FieldRoot.Raw, "raw.", "process_exec.process.pid"),
        ["ProcessGuid"] = name => Attribute(name, "tetragon.exec_id"),
        ["ParentImage"] = name => Attribute(name, ParentExePath),
        ["ParentCommandLine"] = name => FieldPath.AnyOf(name, [
            FieldPath.CanonicalText(name, e => CommandLine(Text(e, ParentName), ParentArguments(e))),
            FieldPath.CanonicalText(name, e => CommandLine(Text(e, ParentExePath), ParentArguments(e))),
        ]),
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

    /// <summary>argv joined: <paramref name="argv0"/>, then Tetragon's <paramref name="arguments"/> without its quoting.</summary>
    private static string? CommandLine(string? argv0, string? arguments) =>
        argv0 is null ? null : arguments is null ? argv0 : argv0 + " " + Unquoted(arguments);

    /// <summary>
    /// The parent's arguments: what follows its name in <c>proc.pcmdline</c> (Ingest writes the parent's name and
    /// arguments there, not its arguments alone); null when it ran without any.
    /// </summary>
    private static string? ParentArguments(AccessEvent e) =>
        Text(e, ParentName) is { } name && Text(e, ParentCmdline) is { } cmdline
            && cmdline.Length > name.Length + 1 && cmdline.StartsWith(name, StringComparison.Ordinal) && cmdline[name.Length] == ' '
            ? cmdline[(name.Length + 1)..]
            : null;

    /// <summary>
    /// argv[1..] joined by spaces from Tetragon's <c>arguments</c>, which wraps each argument holding a space in double
    /// quotes (and, when the first one does, starts with a space). A quoted argument is one that starts an argument with
    /// <c>"</c>, holds a space and ends with <c>"</c> before a space or the end; any other quote is the argument's own.
    /// </summary>
    internal static string Unquoted(string arguments)
    {
        if (!arguments.Contains('"', StringComparison.Ordinal))
        {
            return arguments;
        }

        var s = arguments.StartsWith(" \"", StringComparison.Ordinal) ? arguments[1..] : arguments;
        var argv = new StringBuilder(s.Length);
        var i = 0;
        while (i < s.Length)
        {
            if (i > 0)
            {
                argv.Append(' ');
            }

            if (s[i] == '"')
            {
                var close = s.IndexOf("\" ", i + 1, StringComparison.Ordinal);
                if (close < 0 && s[^1] == '"')
                {
                    close = s.Length - 1;
                }

                if (close > i + 1 && s.AsSpan(i + 1, close - i - 1).Contains(' '))
                {
                    argv.Append(s, i + 1, close - i - 1);
                    i = close + 2;
                    continue;
                }
            }

            var end = s.IndexOf(' ', i);
            end = end < 0 ? s.Length : end;
            argv.Append(s, i, end - i);
            i = end + 1;
        }

        return argv.ToString();
    }

    private static string? Text(AccessEvent e, string key) =>
        e.Attributes is { } attributes && attributes.TryGetValue(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>True for a <c>runtime.process</c>: checked here too, not only by the rule set's index.</summary>
    private sealed class RuntimeProcesses : Node
    {
        private static readonly HashSet<string> KindSet = new(Kinds, StringComparer.Ordinal);

        public override bool Eval(RuleEvent e, MatchTrace? trace) => string.Equals(e.Event.Kind, EventKinds.RuntimeProcess, StringComparison.Ordinal);

        public override IReadOnlySet<string>? RequiredKinds() => KindSet;
    }
}
