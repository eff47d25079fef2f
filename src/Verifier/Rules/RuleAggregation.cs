namespace ZtStream.Verifier.Rules;

/// <summary>
/// A rule's aggregation: matching events are counted (or the distinct values of <see cref="Field"/>) per group of
/// <see cref="GroupBy"/> values within <see cref="Window"/> of event time; the rule matches an event that brings its
/// group to <see cref="Threshold"/> or above.
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

    /// <summary>Identifies the definition, so state kept for an older definition of the same rule id is not reused.</summary>
    public string Fingerprint => string.Join('|', Function, Field?.Text ?? "", string.Join(',', GroupBy.Select(g => g.Text)), Window.Ticks, Threshold);
}
