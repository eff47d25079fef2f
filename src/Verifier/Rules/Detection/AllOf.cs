namespace ZtStream.Verifier.Rules.Detection;

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

    public override FieldPath? RequiredAttribute()
    {
        // Every child must be true, so what any child needs, the whole needs.
        foreach (var c in children)
        {
            if (c.RequiredAttribute() is { } path)
            {
                return path;
            }
        }

        return null;
    }
}
