namespace ZtStream.Verifier.Rules.Detection;

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

    public override FieldPath? RequiredAttribute()
    {
        // Some child true: only an attribute every child needs is needed by the whole.
        FieldPath? required = null;
        foreach (var c in children)
        {
            if (c.RequiredAttribute() is not { } path || required is not null && !required.SameAs(path))
            {
                return null;
            }

            required ??= path;
        }

        return required;
    }
}
