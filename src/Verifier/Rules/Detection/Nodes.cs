namespace ZtStream.Verifier.Rules.Detection;

/// <summary>A compiled piece of a detection: a field item, a selection, or a condition operator.</summary>
internal abstract class Node
{
    /// <summary>Evaluates; when <paramref name="trace"/> is given, records the values that made it true.</summary>
    public abstract bool Eval(RuleEvent e, MatchTrace? trace);

    /// <summary>The event kinds this node can be true for; null when any.</summary>
    public virtual IReadOnlySet<string>? RequiredKinds() => null;
}

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

/// <summary>Sigma keywords: values searched in every string of the source's object (or of the canonical event).</summary>
internal sealed class KeywordItem(ILeafTest[] tests, bool all) : Node
{
    private static readonly FieldPath[] CanonicalStrings = [.. FieldNames.CanonicalTextFields()];
    private static readonly FieldPath Everything = FieldPath.Json("raw", FieldRoot.Raw, "raw", "");

    public override bool Eval(RuleEvent e, MatchTrace? trace)
    {
        var mark = trace?.Count ?? 0;
        foreach (var t in tests)
        {
            var hit = Search(e, t, trace);
            if (all && !hit)
            {
                trace?.Truncate(mark);
                return false;
            }

            if (!all && hit)
            {
                return true;
            }
        }

        return all;
    }

    private static bool Search(RuleEvent e, ILeafTest t, MatchTrace? trace)
    {
        if (e.Raw is not null)
        {
            return Everything.AnyDeep(e, t, trace);
        }

        foreach (var f in CanonicalStrings)
        {
            if (f.Any(e, t, trace))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Every child true (a map: AND; <c>and</c>; <c>all of</c>).</summary>
internal sealed class AllOf(Node[] children) : Node
{
    public Node[] Children => children;

    public override bool Eval(RuleEvent e, MatchTrace? trace)
    {
        var mark = trace?.Count ?? 0;
        foreach (var c in children)
        {
            if (!c.Eval(e, trace))
            {
                trace?.Truncate(mark);
                return false;
            }
        }

        return true;
    }

    public override IReadOnlySet<string>? RequiredKinds()
    {
        HashSet<string>? result = null;
        foreach (var c in children)
        {
            if (c.RequiredKinds() is { } k)
            {
                if (result is null)
                {
                    result = new HashSet<string>(k, StringComparer.OrdinalIgnoreCase);
                }
                else
                {
                    result.IntersectWith(k);
                }
            }
        }

        return result;
    }
}

/// <summary>Some child true (a list of maps: OR; <c>or</c>; <c>1 of</c>).</summary>
internal sealed class AnyOf(Node[] children) : Node
{
    public override bool Eval(RuleEvent e, MatchTrace? trace)
    {
        foreach (var c in children)
        {
            if (c.Eval(e, trace))
            {
                return true;
            }
        }

        return false;
    }

    public override IReadOnlySet<string>? RequiredKinds()
    {
        var result = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var c in children)
        {
            if (c.RequiredKinds() is not { } k)
            {
                return null;
            }

            result.UnionWith(k);
        }

        return result;
    }
}

/// <summary><c>not</c>: the values under a negation explain nothing, so none are recorded.</summary>
internal sealed class NotNode(Node child) : Node
{
    public override bool Eval(RuleEvent e, MatchTrace? trace) => !child.Eval(e, null);
}

/// <summary>A constant (an empty selection).</summary>
internal sealed class ConstNode(bool value) : Node
{
    public override bool Eval(RuleEvent e, MatchTrace? trace) => value;
}
