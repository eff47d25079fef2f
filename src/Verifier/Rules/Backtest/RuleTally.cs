namespace ZtStream.Verifier.Rules.Backtest;

/// <summary>
/// What one rule matched over a recording: how often it fired, on how many events, on whom, from when to when, and
/// sample event ids. A single-event rule fires on each event it matches. An aggregation or correlation matches every
/// event that brings or keeps its group at or over the threshold (which live alerting folds into one alert), so it
/// counts one firing per group per window: a match of a group whose last firing began less than the window before is
/// the same firing. State is bounded like the rule's own (<see cref="AggregationBook.MaxGroupsPerRule"/> groups,
/// <see cref="MaxPrincipals"/> principals), never by the recording's length.
/// </summary>
internal sealed class RuleTally(Rule rule, int samples)
{
    /// <summary>Distinct principals counted exactly up to here; past it the count says "at least".</summary>
    public const int MaxPrincipals = 100_000;

    private readonly HashSet<string> principals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> firingSince = new(StringComparer.Ordinal);
    private readonly long window = (rule.Aggregation?.Window ?? rule.Correlation?.Counting.Window ?? TimeSpan.Zero).Ticks;

    public Rule Rule => rule;

    /// <summary>Firings (a sample is the event of each firing's start).</summary>
    public SampledCount Firings { get; } = new(samples);

    /// <summary>Events the rule matched.</summary>
    public long Events { get; private set; }

    public int Principals => principals.Count;

    /// <summary>More than <see cref="MaxPrincipals"/> principals were matched: <see cref="Principals"/> is a lower bound.</summary>
    public bool PrincipalsCapped { get; private set; }

    public DateTimeOffset? First { get; private set; }

    public DateTimeOffset? Last { get; private set; }

    public void Add(AccessEvent e, string principal, string group)
    {
        Events++;
        First = First is { } first && first <= e.Time ? first : e.Time;
        Last = Last is { } last && last >= e.Time ? last : e.Time;
        if (principals.Count < MaxPrincipals)
        {
            principals.Add(principal);
        }
        else if (!principals.Contains(principal))
        {
            PrincipalsCapped = true;
        }

        if (window == 0)
        {
            Firings.Add(e.Id);
            return;
        }

        var ticks = e.Time.UtcTicks;
        if (firingSince.TryGetValue(group, out var since) && Math.Abs(ticks - since) < window)
        {
            return;
        }

        firingSince[group] = ticks;
        Firings.Add(e.Id);
        if (firingSince.Count > AggregationBook.MaxGroupsPerRule)
        {
            Forget(ticks);
        }
    }

    /// <summary>Firings over by <paramref name="now"/> go; then, if still too many, the oldest tenth.</summary>
    private void Forget(long now)
    {
        foreach (var (group, since) in firingSince)
        {
            if (now - since >= window)
            {
                firingSince.Remove(group);
            }
        }

        if (firingSince.Count > AggregationBook.MaxGroupsPerRule)
        {
            foreach (var (group, _) in firingSince.OrderBy(g => g.Value).Take(AggregationBook.MaxGroupsPerRule / 10).ToList())
            {
                firingSince.Remove(group);
            }
        }
    }
}
