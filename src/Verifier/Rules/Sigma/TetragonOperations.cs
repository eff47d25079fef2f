namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>
/// The calls a TracingPolicy reported that did one of <paramref name="operations"/>: a <c>runtime.alert</c> on which Ingest
/// wrote <c>tetragon.operation</c> (<c>connect</c>, <c>write</c>, <c>truncate</c>: docs/sources.md, "Tetragon"), never an
/// exec, another call of a policy, or another source's event. Checked here too, not only by the rule set's index, so
/// every path that evaluates a rule confines it alike. Also what Sigma's Linux categories over these calls share: the
/// process fields, read as a process creation reads them, and the resolution of a name with its errors.
/// </summary>
internal sealed class TetragonOperations(params string[] operations) : Node
{
    public const string Attribute = "tetragon.operation";

    /// <summary>The kind Ingest makes of a policy's call.</summary>
    public static readonly IReadOnlyList<string> Kinds = [EventKinds.RuntimeAlert];

    private static readonly HashSet<string> KindSet = new(Kinds, StringComparer.Ordinal);

    private static readonly FieldPath OperationPath = FieldPath.Json(Attribute, FieldRoot.Attributes, "attributes.", Attribute);

    /// <summary>The process creation's names that mean the same for the process making a call.</summary>
    private static readonly HashSet<string> ProcessNames = new(
        ["Image", "CommandLine", "CurrentDirectory", "User", "ProcessGuid", "ParentImage", "ParentCommandLine"], StringComparer.OrdinalIgnoreCase);

    public override bool Eval(RuleEvent e, MatchTrace? trace)
    {
        if (!string.Equals(e.Event.Kind, EventKinds.RuntimeAlert, StringComparison.Ordinal)
            || e.Event.Attributes is not { } attributes
            || !attributes.TryGetValue(Attribute, out var operation)
            || operation.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        // Compared on the value's bytes: no string per event and rule.
        foreach (var name in operations)
        {
            if (operation.ValueEquals(name))
            {
                return true;
            }
        }

        return false;
    }

    public override IReadOnlySet<string>? RequiredKinds() => KindSet;

    public override FieldPath? RequiredAttribute() => OperationPath;

    /// <summary>
    /// <paramref name="name"/> in a category over these calls (<paramref name="what"/>): one of <paramref name="own"/>,
    /// else a process field (<c>Image</c>, <c>CommandLine</c>, <c>User</c> …, and <c>ProcessId</c> from the record);
    /// a name in <paramref name="refused"/> is an error saying why it has no value, any other one listing the fields.
    /// </summary>
    public static FieldPath Resolve(string name, string what, IReadOnlyDictionary<string, Func<string, FieldPath>> own, IReadOnlyDictionary<string, string> refused)
    {
        if (own.TryGetValue(name, out var path))
        {
            return path(name);
        }

        if (ProcessNames.Contains(name))
        {
            return LinuxProcessCreationFields.Mapped[name](name);
        }

        if (string.Equals(name, "ProcessId", StringComparison.OrdinalIgnoreCase))
        {
            return FieldPath.AnyOf(name, [
                FieldPath.Json(name, FieldRoot.Raw, "raw.", "process_kprobe.process.pid"),
                FieldPath.Json(name, FieldRoot.Raw, "raw.", "process_lsm.process.pid"),
            ]);
        }

        throw new RuleFormatException(refused.TryGetValue(name, out var why)
            ? $"field '{name}' has no value in a Linux {what}: {why}"
            : $"field '{name}' is not a field of a Linux {what} (its fields are {string.Join(", ", own.Keys.Concat(ProcessNames).Append("ProcessId"))})");
    }
}
