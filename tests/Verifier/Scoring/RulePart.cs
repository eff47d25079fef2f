namespace ZtStream.Verifier.Tests.Scoring;

/// <summary>
/// A rule's part of a score: one engine with the rule and one without (neither with the model) score the same events as
/// the log hands them (bytes); the rule matched an event when the engine with it scores the event above the one without.
/// </summary>
internal sealed class RulePart(Rule rule)
{
    private readonly ScoringEngine with = new(new VerifierOptions { ModelEnabled = false }, rules: new RuleSetHolder(new RuleSet([rule])));
    private readonly ScoringEngine without = new(new VerifierOptions { ModelEnabled = false });

    /// <summary>Scores <paramref name="e"/> with both engines: the result of the one with the rule, and whether the rule added to it.</summary>
    public (ScoreResult Result, bool Matched) Score(AccessEvent e)
    {
        var bytes = ContractJson.Serialize(e);
        var result = with.Score(bytes);
        return (result, result.Score > without.Score(bytes).Score);
    }
}
