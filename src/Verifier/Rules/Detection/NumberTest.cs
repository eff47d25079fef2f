namespace ZtStream.Verifier.Rules.Detection;

/// <summary>Numeric comparison: <c>gt</c>, <c>gte</c>, <c>lt</c>, <c>lte</c> (and equality after a time part).</summary>
internal sealed class NumberTest(string op, double value, string? timePart = null) : ILeafTest
{
    public bool Test(scoped in Leaf leaf, RuleEvent e)
    {
        double x;
        if (timePart is not null)
        {
            if (leaf.Kind != LeafKind.String || !DateTimeOffset.TryParse(leaf.Text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
            {
                return false;
            }

            x = timePart switch
            {
                "minute" => t.Minute,
                "hour" => t.Hour,
                "day" => t.Day,
                "week" => ISOWeek.GetWeekOfYear(t.UtcDateTime),
                "month" => t.Month,
                _ => t.Year,
            };
        }
        else if (leaf.Kind is not (LeafKind.Number or LeafKind.String) || !double.TryParse(leaf.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out x))
        {
            return false;
        }

        return op switch
        {
            "gt" => x > value,
            "gte" => x >= value,
            "lt" => x < value,
            "lte" => x <= value,
            _ => x == value,
        };
    }
}
