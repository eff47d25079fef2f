namespace ZtStream.Verifier.Rules;

/// <summary>
/// A Sigma correlation, linked to the rules it references: per referenced rule, the group-by fields (and the counted
/// field) resolved through that rule's logsource and the correlation's aliases. <see cref="Counting"/> is the state's
/// definition in the engine's <see cref="Aggregation.AggregationBook"/>: its window is the timespan, its threshold and
/// bounds the condition.
/// </summary>
/// <param name="Type">event_count, value_count, temporal, temporal_ordered or a metric type (<see cref="CorrelationTypes"/>).</param>
/// <param name="Inputs">The referenced rules, in the order written.</param>
/// <param name="GroupBy">The group-by names as written (aliases unresolved), for the reason.</param>
/// <param name="FieldName">value_count's (or a metric's) field as written.</param>
/// <param name="Counting">Window, threshold and bounds.</param>
/// <param name="Metric">A metric type's computation and condition (null for the other types).</param>
internal sealed record RuleCorrelation(string Type, IReadOnlyList<CorrelationInput> Inputs, IReadOnlyList<string> GroupBy, string? FieldName, RuleAggregation Counting, CorrelationMetric? Metric = null);

/// <summary>A rule a correlation references: the reference as written, the rule, and its fields for the correlation.</summary>
internal sealed record CorrelationInput(string Reference, Rule Rule, IReadOnlyList<FieldPath> GroupBy, FieldPath? Field);

/// <summary>Sigma correlation types.</summary>
internal static class CorrelationTypes
{
    public const string EventCount = "event_count";
    public const string ValueCount = "value_count";
    public const string Temporal = "temporal";
    public const string TemporalOrdered = "temporal_ordered";
    public const string ValueSum = "value_sum";
    public const string ValueAvg = "value_avg";
    public const string ValueMin = "value_min";
    public const string ValueMax = "value_max";
    public const string ValueMedian = "value_median";
    public const string ValuePercentile = "value_percentile";

    public static IReadOnlyList<string> All { get; } = [EventCount, ValueCount, Temporal, TemporalOrdered, ValueSum, ValueAvg, ValueMin, ValueMax, ValueMedian, ValuePercentile];

    /// <summary>The types that compute a value over the numbers of a field (<see cref="CorrelationMetric"/>).</summary>
    public static bool IsMetric(string type) => type is ValueSum or ValueAvg or ValueMin or ValueMax or ValueMedian or ValuePercentile;
}

/// <summary>A correlation's condition as a matcher: an event that any referenced rule matches (for rule tests and tools).</summary>
internal sealed class CorrelationMatcher(IReadOnlyList<CorrelationInput> inputs) : IRuleMatcher
{
    public bool Matches(RuleEvent e)
    {
        foreach (var input in inputs)
        {
            if (input.Rule.Condition.Matches(e))
            {
                return true;
            }
        }

        return false;
    }
}
