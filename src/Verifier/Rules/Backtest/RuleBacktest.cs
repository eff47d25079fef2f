namespace ZtStream.Verifier.Rules.Backtest;

/// <summary>
/// <c>ztstream rules backtest</c>'s run: a rule set (and, with <c>--against</c>, the set it would replace) over the
/// same events in the same order, one event at a time, so memory follows the rules' state, not the recording. Per rule
/// id it keeps what each side matched and, for two sides, the events only one of them matched.
/// </summary>
internal sealed class RuleBacktest
{
    private readonly Dictionary<string, (SampledCount OnlyNew, SampledCount OnlyOld)> differences = new(StringComparer.Ordinal);
    private readonly int samples;

    public RuleBacktest(RuleLoadResult rules, RuleLoadResult? against, VerifierOptions options, int samples)
    {
        this.samples = samples;
        New = new BacktestSide(rules, options, samples);
        Old = against is null ? null : new BacktestSide(against, options, samples);
    }

    public BacktestSide New { get; }

    /// <summary>The set compared with (<c>--against</c>); null for one set.</summary>
    public BacktestSide? Old { get; }

    /// <summary>Events scored.</summary>
    public long Events { get; private set; }

    public void Score(AccessEvent e)
    {
        Events++;
        New.Score(e);
        if (Old is null)
        {
            return;
        }

        Old.Score(e);
        Differ(e, New.MatchedNow, Old.MatchedNow, onlyNew: true);
        Differ(e, Old.MatchedNow, New.MatchedNow, onlyNew: false);
    }

    /// <summary>The events only the new side (<c>OnlyNew</c>) or only the old side matched, for a rule id; null when none.</summary>
    public (SampledCount OnlyNew, SampledCount OnlyOld)? Differences(string id) => differences.TryGetValue(id, out var d) ? d : null;

    private void Differ(AccessEvent e, IReadOnlySet<string> matched, IReadOnlySet<string> other, bool onlyNew)
    {
        foreach (var id in matched)
        {
            if (other.Contains(id))
            {
                continue;
            }

            if (!differences.TryGetValue(id, out var d))
            {
                differences[id] = d = (new SampledCount(samples), new SampledCount(samples));
            }

            (onlyNew ? d.OnlyNew : d.OnlyOld).Add(e.Id);
        }
    }
}
