namespace ZtStream.Verifier.Rules.Backtest;

/// <summary>
/// One rule set run over a recording as the Verifier runs it: a scoring engine of its own (so duplicates, a request's
/// later stages, address twins, probe clients and events without a principal pass the same gates as live, and
/// aggregations and correlations count over event time in the engine's bounded state), whose rule detector reports each
/// match here. No policy and no model: they do not change what a rule matches.
/// </summary>
internal sealed class BacktestSide
{
    private readonly ScoringEngine engine;
    private readonly HashSet<string> matchedNow = new(StringComparer.Ordinal);

    public BacktestSide(RuleLoadResult loaded, VerifierOptions options, int samples)
    {
        Loaded = loaded;
        Tallies = loaded.Rules.ToDictionary(r => r.Id, r => new RuleTally(r, samples), StringComparer.Ordinal);
        engine = new ScoringEngine(options, rules: new RuleSetHolder(new RuleSet(loaded.Rules)));
        engine.Rules.Matched = (rule, e, group) =>
        {
            matchedNow.Add(rule.Id);
            Tallies[rule.Id].Add(e.Event, engine.KeyOf(e.Event), group);
        };
    }

    public RuleLoadResult Loaded { get; }

    /// <summary>Per rule id, in the set's order.</summary>
    public Dictionary<string, RuleTally> Tallies { get; }

    /// <summary>The ids of the rules the last event scored matched.</summary>
    public IReadOnlySet<string> MatchedNow => matchedNow;

    public void Score(AccessEvent e)
    {
        matchedNow.Clear();
        engine.Score(e);
        // What the engine derived for other principals is scored next, as replay does; rules evaluate no derived record.
        engine.DeliverLinksLocally();
    }
}
