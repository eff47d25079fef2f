namespace ZtStream.Verifier.Rules.Detection;

/// <summary>
/// Bounds on what a rule file may ask of the loader. The parsers and the evaluators of conditions are recursive: a
/// condition nested thousands deep would overflow the stack, which ends the process and cannot be caught. Real rules
/// (SigmaHQ, Falco's community rules) nest a handful of levels.
/// </summary>
internal static class RuleLimits
{
    /// <summary>Parentheses, <c>not</c>s and, for Falco, macros inside macros, counted together.</summary>
    public const int MaxConditionDepth = 100;

    /// <summary>
    /// Values one list operand or one <c>expand</c> placeholder value may become. Lists naming lists and several
    /// placeholders in one value multiply: a few short lines could otherwise ask for billions of strings.
    /// </summary>
    public const int MaxExpandedValues = 100_000;

    /// <summary>
    /// The largest count an aggregation's threshold or a correlation's condition may name. A group keeps up to that
    /// many entries, so it bounds the state one rule can hold (with the groups per rule, AggregationBook).
    /// </summary>
    public const int MaxCount = 100_000;

    /// <summary>Rules one correlation may reference, and fields it may group by.</summary>
    public const int MaxCorrelationRules = 100;

    /// <summary>Correlations referencing correlations: each level is evaluated recursively for every event.</summary>
    public const int MaxCorrelationChain = 10;
}
