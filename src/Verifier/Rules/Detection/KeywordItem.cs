namespace ZtStream.Verifier.Rules.Detection;

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
