namespace ZtStream.Verifier.Rules.Falco;

/// <summary>
/// libsinsp's ancestor fields (sinsp_filtercheck_thread.cpp) on a Tetragon exec: <c>proc.aname[N]</c>,
/// <c>proc.acmdline[N]</c>, <c>proc.apid[N]</c> and <c>proc.aexepath[N]</c> (outputs only) — N 0 the process, 1 its
/// parent, 2 and above the ancestors Tetragon exported above the parent (<c>--enable-ancestors base</c>; Ingest's
/// <c>tetragon.ancestors</c>, read through <see cref="ExecProcesses"/>). libsinsp walks N parents up and, when one is
/// missing, extracts nothing, so the comparison is false and its <c>not</c> true: an ancestor the record does not name
/// (no list, or a list shorter than N) reads the same way. Without an index, <c>proc.aname</c>, <c>proc.acmdline</c> and
/// <c>proc.apid</c> are any ancestor, the parent and up, each compared alone (libsinsp's <c>compare_full_aname</c> and
/// its siblings over <c>traverse_parent_state</c>), never the process itself.
/// </summary>
internal static partial class FalcoFieldCatalog
{
    /// <summary>The value of the process <paramref name="depth"/> levels up (0 the process); null when the event names none there.</summary>
    internal delegate byte[]? AtDepth(in FalcoEvent e, int depth);

    private static void AddAncestors(Dictionary<string, Spec> f, string[] process, string[] parent)
    {
        var sys = FalcoSource.Syscall;
        void Ancestor(string name, ExecValue of) =>
            f[name] = new Spec(Arg.Index, (t, _, i, _) => i < 0
                ? new FalcoAnyAncestorField(t, (in FalcoEvent e, int depth) => ExecValueAt(of, e, depth), new FalcoComputedField(t, ExecField(of, 0)))
                : new FalcoComputedField(t, ExecField(of, i)), sys);
        Ancestor("proc.aname", Name);
        Ancestor("proc.acmdline", CommandLine);

        f["proc.apid"] = new Spec(Arg.Index, (t, _, i, slots) =>
        {
            var pid = slots.Path([.. process, "pid"]);
            var ppid = slots.Path([.. parent, "pid"]);
            AtDepth at = (in FalcoEvent e, int depth) => PidAt(e, depth, pid, ppid);
            return i < 0 ? new FalcoAnyAncestorField(t, at, new FalcoComputedField(t, Single(at, 0))) : new FalcoComputedField(t, Single(at, i));
        }, sys);

        // Tetragon's binary keeps the symlinks libsinsp's exepath resolves: the path the exec named, in outputs only.
        f["proc.aexepath"] = new Spec(Arg.Index, (t, _, i, _) => throw (i < 0 ? new FalcoNotCarriedException(t, NoCanonicalPath) : NamedPathOnly(t, i)), sys);
    }

    /// <summary>The one value at <paramref name="depth"/>, as a single-valued field.</summary>
    private static FalcoComputedField.Compute Single(AtDepth at, int depth) =>
        (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = at(e, depth);
            return array is not null;
        };

    /// <summary><paramref name="of"/> the process <paramref name="depth"/> levels up, from its binary and arguments.</summary>
    private static byte[]? ExecValueAt(ExecValue of, in FalcoEvent e, int depth)
    {
        if (!ExecProcesses.TryBinary(e.Attributes, depth, out var binary) || TextOf(binary) is not { IsEmpty: false } path)
        {
            return null;
        }

        var hasArguments = ExecProcesses.TryArguments(e.Attributes, depth, out var arguments);
        return of(path, hasArguments ? TextOf(arguments) : default, hasArguments);
    }

    /// <summary><c>proc.apid[N]</c>: the record's <c>process.pid</c>, <c>parent.pid</c>, then the ancestors' (the host's pids, as libsinsp's).</summary>
    private static byte[]? PidAt(in FalcoEvent e, int depth, FalcoRootPath pid, FalcoRootPath ppid)
    {
        JsonElement value;
        var found = depth switch
        {
            0 => pid.TryGet(e, out value),
            1 => ppid.TryGet(e, out value),
            _ => ExecProcesses.TryAncestorPid(e.Attributes, depth, out value),
        };
        return found && value.ValueKind == JsonValueKind.Number && value.TryGetUInt32(out var n)
            ? Encoding.UTF8.GetBytes(n.ToString(CultureInfo.InvariantCulture))
            : null;
    }
}

/// <summary>
/// An ancestor field without an index (<c>proc.aname in (sshd)</c>): each ancestor's value, the parent's first, tested
/// alone; true at the first that passes. No ancestor, no value, and the comparison is false.
/// </summary>
internal sealed class FalcoAnyAncestorField(string text, FalcoFieldCatalog.AtDepth valueAt, FalcoField inOutput) : FalcoField(text, isList: false)
{
    /// <summary>
    /// What an output prints for it: libsinsp's extraction (as opposed to its comparison) walks no parent without an
    /// index, so <c>%proc.aname</c> is the process's own name.
    /// </summary>
    public FalcoField InOutput { get; } = inOutput;

    public override bool Visit(in FalcoEvent e, FalcoValueTest test, bool all, out bool present)
    {
        var visit = new FalcoVisit(test, all);
        var deepest = ExecProcesses.Depth(e.Attributes);
        for (var depth = 1; depth <= deepest; depth++)
        {
            if (valueAt(e, depth) is { } value && visit.Offer(value))
            {
                break;
            }
        }

        return visit.Finish(out present);
    }

    /// <summary>
    /// <c>!=</c>: libsinsp compares each ancestor with <c>!=</c> and is true at the first that differs, where a single
    /// field's <c>!=</c> is "has a value and it is not this one".
    /// </summary>
    public static FalcoValueTest Differs(FalcoValueTest equal) => new NotTest(equal);

    private sealed class NotTest(FalcoValueTest inner) : FalcoValueTest
    {
        public override bool Test(ReadOnlySpan<byte> value) => !inner.Test(value);
    }
}
