namespace ZtStream.Verifier.Rules.Detection;

/// <summary>One <c>field|modifiers: value(s)</c> of a selection.</summary>
internal sealed class FieldItem(FieldPath path, ILeafTest[] tests, bool all, bool matchMissing, bool? exists, bool negate) : Node
{
    private readonly ILeafTest? any = tests.Length switch
    {
        0 => null,
        1 => tests[0],
        _ => new AnyOfTests(tests),
    };

    private NoneOf? none;

    public FieldPath Path => path;

    public override bool Eval(RuleEvent e, MatchTrace? trace)
    {
        if (exists is { } want)
        {
            var has = path.Exists(e);
            if (has == want && trace is not null)
            {
                trace.Add(path.Text, want ? "exists" : "absent");
            }

            return has == want;
        }

        if (negate)
        {
            // neq: some value of the field is none of those listed. On a single value that is "differs"; on a list
            // (every container's image) it is "one of them is not allowed", which an allow-list needs.
            return path.Any(e, none ??= new NoneOf(any), trace);
        }

        if (all)
        {
            var mark = trace?.Count ?? 0;
            foreach (var t in tests)
            {
                if (!path.Any(e, t, trace))
                {
                    trace?.Truncate(mark);
                    return false;
                }
            }

            return true;
        }

        if (any is not null && path.Any(e, any, trace))
        {
            return true;
        }

        if (matchMissing && !path.Exists(e))
        {
            trace?.Add(path.Text, "absent");
            return true;
        }

        return false;
    }

    public override FieldPath? RequiredAttribute() =>
        // True only through a value the path reaches (a test passed, or "exists: true"): never for an absent attribute.
        // A negation, "absent" and a match of a missing field can each be true without it.
        path.Root == FieldRoot.Attributes && !negate && !matchMissing && (exists == true || exists is null && tests.Length > 0)
            ? path
            : null;

    public override IReadOnlySet<string>? RequiredKinds()
    {
        if (!path.IsKind || negate || exists is not null || matchMissing || all && tests.Length > 1)
        {
            return null;
        }

        var kinds = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var t in tests)
        {
            if (t is not TextPattern { ExactLiteral: { } literal })
            {
                return null;
            }

            kinds.Add(literal);
        }

        return kinds;
    }
}

/// <summary>A scalar value that passes none of the tests (<c>neq</c>).</summary>
internal sealed class NoneOf(ILeafTest? any) : ILeafTest
{
    public bool Test(scoped in Leaf leaf, RuleEvent e) => leaf.IsScalar && (any is null || !any.Test(leaf, e));
}
