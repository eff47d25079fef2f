namespace ZtStream.Verifier.Rules.Testing;

/// <summary>The outcome of one embedded test.</summary>
internal sealed record RuleTestResult(Rule Rule, RuleTest Test, bool Passed, string Detail)
{
    public override string ToString() =>
        $"{Rule.Origin.File}:{Test.Line}: rule {Rule.Id}, test '{Test.Name}': {(Passed ? "ok" : Detail)}{(Rule.Revision.Length == 0 ? "" : $" (rule revision {Rule.Revision})")}";
}
