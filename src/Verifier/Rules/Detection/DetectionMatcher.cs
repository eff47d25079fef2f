namespace ZtStream.Verifier.Rules.Detection;

/// <summary>
/// A compiled detection (and its exceptions) as a rule condition. <see cref="Matches"/> records nothing and allocates
/// nothing for the common miss; <see cref="Explain"/> re-evaluates a match to name the values that made it.
/// </summary>
internal sealed class DetectionMatcher(Node detection, Node? exceptions) : IRuleMatcher
{
    /// <summary>The event kinds the detection can match; empty when any.</summary>
    public IReadOnlyList<string> Kinds { get; } = detection.RequiredKinds() is { } k ? [.. k.Order(StringComparer.Ordinal)] : [];

    /// <summary>An attribute the detection cannot match without (the exceptions only narrow it); null when none.</summary>
    public FieldPath? RequiredAttribute { get; } = detection.RequiredAttribute();

    public bool Matches(RuleEvent e) => detection.Eval(e, null) && (exceptions is null || !exceptions.Eval(e, null));

    /// <summary>The field paths and values of a match (empty when the event does not match).</summary>
    public IReadOnlyList<(string Path, string Value)> Explain(RuleEvent e)
    {
        var trace = new MatchTrace();
        return detection.Eval(e, trace) ? trace.Values : [];
    }
}
