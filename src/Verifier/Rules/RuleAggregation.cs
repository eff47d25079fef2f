namespace ZtStream.Verifier.Rules;

/// <summary>
/// A rule's aggregation: matching events are counted (or the distinct values of <see cref="Field"/>) per group of
/// <see cref="GroupBy"/> values within <see cref="Window"/> of event time; the rule matches an event that brings its
/// group to <see cref="Threshold"/> or above (and, for a Sigma correlation's range, not past <see cref="Maximum"/>).
/// </summary>
/// <param name="Function"><c>count</c> or <c>distinct_count</c>.</param>
/// <param name="Field">The field whose distinct values are counted (distinct_count only).</param>
/// <param name="GroupBy">Fields whose values form the group.</param>
/// <param name="Window">Event-time window.</param>
/// <param name="Threshold">The count from which the rule matches.</param>
internal sealed record RuleAggregation(string Function, Detection.FieldPath? Field, IReadOnlyList<Detection.FieldPath> GroupBy, TimeSpan Window, int Threshold)
{
    public const string Count = "count";
    public const string DistinctCount = "distinct_count";

    /// <summary>The highest count that still matches (a Sigma correlation's <c>lt</c>, <c>lte</c>, <c>eq</c>); null: no upper bound.</summary>
    public int? Maximum { get; init; }

    /// <summary>Counts that do not match (a Sigma correlation's <c>neq</c>).</summary>
    public IReadOnlyList<int> Excluded { get; init; } = [];

    /// <summary>Each group judged against its own usual once it has the history (ZtStream rules only); null: the threshold alone.</summary>
    public RuleBaseline? Baseline { get; init; }

    /// <summary>What else identifies the definition (a correlation's type and rules), beyond the fields above.</summary>
    public string Definition { get; init; } = "";

    /// <summary>
    /// Entries a group keeps: more cannot change the outcome. With only a lower bound that is the threshold; an upper
    /// bound or an excluded count needs one more than it, to tell "at" from "past"; a baseline's threshold may be as high
    /// as its maximum.
    /// </summary>
    public int Cap => Math.Max(Math.Max(Threshold, Baseline?.Maximum ?? 0), Math.Max(Maximum + 1 ?? 0, Excluded.Count == 0 ? 0 : Excluded.Max() + 1));

    /// <summary>Identifies the definition, so state kept for an older definition of the same rule id is not reused.</summary>
    public string Fingerprint => string.Join('|', Function, Field?.Text ?? "", string.Join(',', GroupBy.Select(g => g.Text)), Window.Ticks, Threshold)
        + (Maximum is null && Excluded.Count == 0 && Definition.Length == 0 ? "" : $"|{Maximum}|{string.Join(',', Excluded)}|{Definition}")
        + (Baseline is null ? "" : "|" + Baseline.Fingerprint);

    /// <summary>Whether a group's count is one the rule matches at.</summary>
    public bool Holds(int count) => Holds(count, Threshold);

    /// <summary>Whether a group's count is one the rule matches at, when the group's threshold is <paramref name="threshold"/>.</summary>
    public bool Holds(int count, int threshold)
    {
        if (count < threshold || count > Maximum)
        {
            return false;
        }

        foreach (var x in Excluded)
        {
            if (count == x)
            {
                return false;
            }
        }

        return true;
    }
}
