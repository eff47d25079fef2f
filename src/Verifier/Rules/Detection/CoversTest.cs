namespace ZtStream.Verifier.Rules.Detection;

/// <summary>
/// The <c>covers</c> modifier: the field's value ends in a range of whole numbers, <c>LOW-HIGH</c> or one number, and the
/// range holds the rule's number. Whatever comes before the last space on either side must match as a plain value
/// (wildcards, case ignored unless <c>cased</c>), so a value that pairs a range with what it applies to is read whole:
/// <c>'*/0 tcp 22'</c> covers <c>0.0.0.0/0 tcp 0-65535</c> and <c>::/0 tcp 20-25</c>, never <c>10.0.0.0/8 tcp 22-22</c>.
/// A value without a space is the range alone (a JSON number is a range of one).
/// </summary>
internal sealed class CoversTest(TextPattern? before, long number) : ILeafTest
{
    public static CoversTest Compile(string value, bool cased, string key)
    {
        var space = value.LastIndexOf(' ');
        if (!long.TryParse(value.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            throw new RuleFormatException(
                $"'{key}': covers takes a whole number, alone or after the text it goes with ('22', '*/0 tcp 22'); '{value}' ends in no whole number");
        }

        return new CoversTest(space < 0 ? null : TextPattern.Compile(value[..space], cased), n);
    }

    public bool Test(scoped in Leaf leaf, RuleEvent e)
    {
        if (leaf.Kind is not (LeafKind.String or LeafKind.Number))
        {
            return false;
        }

        var text = leaf.Text;
        var space = text.LastIndexOf(' ');
        if ((space < 0) != (before is null) || !TryRange(text[(space + 1)..], out var low, out var high) || number < low || number > high)
        {
            return false;
        }

        return before is null || before.Test(new Leaf(LeafKind.String, text[..space], default), e);
    }

    /// <summary><c>LOW-HIGH</c> or one number, both whole and not negative; a range written backwards holds nothing.</summary>
    private static bool TryRange(ReadOnlySpan<char> text, out long low, out long high)
    {
        var dash = text.IndexOf('-');
        if (dash < 0)
        {
            var one = long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out low);
            high = low;
            return one;
        }

        high = 0;
        return long.TryParse(text[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out low)
            && long.TryParse(text[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out high);
    }
}
