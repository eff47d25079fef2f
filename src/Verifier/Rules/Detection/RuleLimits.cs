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
}
