namespace ZtStream.Verifier.Rules;

/// <summary>
/// What a metric correlation (<c>value_sum</c>, <c>value_avg</c>, <c>value_min</c>, <c>value_max</c>,
/// <c>value_median</c>, <c>value_percentile</c>) computes over the numeric values of its field within the timespan,
/// and the condition that value must meet. Unlike a count, a metric is a property of events that happened, so any
/// operator may stand alone (<c>value_min: {lt: 10}</c> matches an event that brings the group's minimum below 10).
/// </summary>
/// <param name="Type">The correlation type (<see cref="CorrelationTypes"/>).</param>
/// <param name="Checks">The condition: every operator (gt, gte, lt, lte, eq, neq) with its value must hold.</param>
/// <param name="Percentile">value_percentile's percentile (0–100); 50 for value_median; null otherwise.</param>
internal sealed record CorrelationMetric(string Type, IReadOnlyList<(string Operator, double Value)> Checks, double? Percentile)
{
    /// <summary>The correlation's value over a group's values (unsorted, at least one).</summary>
    public double Compute(List<double> values)
    {
        switch (Type)
        {
            case CorrelationTypes.ValueSum:
            case CorrelationTypes.ValueAvg:
                var sum = 0d;
                foreach (var v in values)
                {
                    sum += v;
                }

                return Type == CorrelationTypes.ValueSum ? sum : sum / values.Count;
            case CorrelationTypes.ValueMin:
            case CorrelationTypes.ValueMax:
                var best = values[0];
                foreach (var v in values)
                {
                    best = Type == CorrelationTypes.ValueMin ? Math.Min(best, v) : Math.Max(best, v);
                }

                return best;
            default:
                return PercentileOf(values, Percentile!.Value);
        }
    }

    /// <summary>
    /// The <paramref name="p"/>th percentile by linear interpolation between the closest ranks (rank
    /// <c>(n − 1) · p / 100</c> of the sorted values: numpy's and Excel's PERCENTILE.INC default, so p50 is the median and
    /// p0/p100 the minimum/maximum).
    /// </summary>
    public static double PercentileOf(List<double> values, double p)
    {
        // A group holds up to 10,000 values: sorted in a pooled buffer, not a new array per matching event.
        var buffer = System.Buffers.ArrayPool<double>.Shared.Rent(values.Count);
        try
        {
            var sorted = buffer.AsSpan(0, values.Count);
            values.CopyTo(sorted);
            sorted.Sort();
            var rank = (sorted.Length - 1) * p / 100;
            var lo = (int)Math.Floor(rank);
            var hi = Math.Min(lo + 1, sorted.Length - 1);
            return sorted[lo] + ((rank - lo) * (sorted[hi] - sorted[lo]));
        }
        finally
        {
            System.Buffers.ArrayPool<double>.Shared.Return(buffer);
        }
    }

    public bool Holds(double value)
    {
        foreach (var (op, bound) in Checks)
        {
            var ok = op switch
            {
                "gt" => value > bound,
                "gte" => value >= bound,
                "lt" => value < bound,
                "lte" => value <= bound,
                "eq" => value == bound,
                _ => value != bound,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The metric's words in a reason: "sum", "average", "95th percentile" …</summary>
    public string Name => Type switch
    {
        CorrelationTypes.ValueSum => "sum",
        CorrelationTypes.ValueAvg => "average",
        CorrelationTypes.ValueMin => "minimum",
        CorrelationTypes.ValueMax => "maximum",
        CorrelationTypes.ValueMedian => "median",
        _ => Ordinal(Percentile!.Value) + " percentile",
    };

    /// <summary>The condition as written, for the reason and the state's fingerprint: <c>gt 500, lte 900</c>.</summary>
    public string Condition => string.Join(", ", Checks.Select(c => $"{c.Operator} {Format(c.Value)}"));

    public static string Format(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    private static string Ordinal(double p)
    {
        var text = Format(p);
        if (p != Math.Floor(p))
        {
            return text + "th";
        }

        var n = (long)p;
        return text + ((n % 100) is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" });
    }
}
