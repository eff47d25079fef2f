namespace ZtStream.Verifier.Rules.Detection;

/// <summary>The <c>fieldref</c> modifier: the value equals a value of another field of the same event.</summary>
internal sealed class FieldRefTest(FieldPath other, bool cased) : ILeafTest
{
    public bool Test(scoped in Leaf leaf, RuleEvent e) =>
        leaf.IsScalar && other.Any(e, TextPattern.Compile(Escape(leaf.Text), cased), null);

    private static string Escape(ReadOnlySpan<char> s)
    {
        var sb = new System.Text.StringBuilder(s.Length);
        foreach (var c in s)
        {
            if (c is '*' or '?' or '\\')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }
}
