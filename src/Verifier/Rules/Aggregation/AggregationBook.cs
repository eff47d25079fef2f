namespace ZtStream.Verifier.Rules.Aggregation;

/// <summary>
/// The state of aggregating rules in one scoring engine: per rule, per group (the values of <c>group_by</c>), the event
/// times (count) or the distinct values with their last time (distinct_count) inside the window. Bounded: a group keeps
/// at most <see cref="RuleAggregation.Cap"/> entries (more cannot change the outcome), a rule at most <see cref="MaxGroupsPerRule"/> groups
/// (expired groups are dropped first, then the least recently seen). Windows run on event time. Written to and read from
/// the engine's checkpoint; state of a rule whose aggregation changed is discarded on first use.
/// </summary>
internal sealed class AggregationBook
{
    public const int MaxGroupsPerRule = 10_000;
    private readonly Dictionary<string, RuleState> rules = new(StringComparer.Ordinal);

    public int GroupCount => rules.Values.Sum(r => r.Groups.Count);

    /// <summary>Folds a matching event in; true when its group is at or over the threshold. <paramref name="count"/> is the group's value.</summary>
    public bool Observe(Rule rule, RuleAggregation agg, string group, string? value, long ticks, out int count, out IReadOnlyCollection<string>? values)
    {
        values = null;
        count = 0;
        if (agg.Function == RuleAggregation.DistinctCount && value is null)
        {
            // No value to count: this event neither adds to nor reaches the threshold.
            return false;
        }

        var g = GroupOf(rule, agg, group, ticks);
        var horizon = Math.Max(g.LastTicks, ticks) - agg.Window.Ticks;
        g.LastTicks = Math.Max(g.LastTicks, ticks);
        if (agg.Function == RuleAggregation.DistinctCount)
        {
            g.Values ??= new Dictionary<string, long>(StringComparer.Ordinal);
            g.Values[value!] = Math.Max(g.Values.GetValueOrDefault(value!), ticks);
            foreach (var (v, t) in g.Values)
            {
                if (t <= horizon)
                {
                    g.Values.Remove(v);
                }
            }

            while (g.Values.Count > agg.Cap)
            {
                var oldest = g.Values.First();
                foreach (var kv in g.Values)
                {
                    if (kv.Value < oldest.Value)
                    {
                        oldest = kv;
                    }
                }

                g.Values.Remove(oldest.Key);
            }

            count = g.Values.Count;
            values = g.Values.Keys;
        }
        else
        {
            g.Times ??= [];
            var at = g.Times.BinarySearch(ticks);
            g.Times.Insert(at < 0 ? ~at : at, ticks);
            g.Times.RemoveAll(t => t <= horizon);
            if (g.Times.Count > agg.Cap)
            {
                g.Times.RemoveRange(0, g.Times.Count - agg.Cap);
            }

            count = g.Times.Count;
        }

        return agg.Holds(count);
    }

    /// <summary>
    /// Folds in an event that matched step <paramref name="step"/> of an ordered sequence of <paramref name="steps"/>
    /// (a Sigma <c>temporal_ordered</c> correlation); true when it completes the sequence within the window. A group
    /// keeps, per step, the latest start (time of the first step) of a run that reached it in order: at most
    /// <paramref name="steps"/> entries.
    /// </summary>
    public bool ObserveSequence(Rule rule, RuleAggregation agg, string group, int step, int steps, long ticks)
    {
        var g = GroupOf(rule, agg, group, ticks);
        g.LastTicks = Math.Max(g.LastTicks, ticks);
        var horizon = ticks - agg.Window.Ticks;
        g.Values ??= new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (v, t) in g.Values)
        {
            if (t <= horizon)
            {
                g.Values.Remove(v);
            }
        }

        long start = ticks;
        if (step > 0 && (!g.Values.TryGetValue(StepKey(step - 1), out start) || start > ticks))
        {
            // The step before has not happened (in order, within the window): this event starts nothing.
            return false;
        }

        var key = StepKey(step);
        g.Values[key] = Math.Max(g.Values.GetValueOrDefault(key, long.MinValue), start);
        return step == steps - 1;
    }

    private static string StepKey(int step) => step.ToString(CultureInfo.InvariantCulture);

    private GroupState GroupOf(Rule rule, RuleAggregation agg, string group, long ticks)
    {
        var fingerprint = agg.Fingerprint;
        if (!rules.TryGetValue(rule.Id, out var state) || state.Fingerprint != fingerprint)
        {
            rules[rule.Id] = state = new RuleState(fingerprint);
        }

        if (!state.Groups.TryGetValue(group, out var g))
        {
            if (state.Groups.Count >= MaxGroupsPerRule)
            {
                Evict(state, ticks - agg.Window.Ticks);
            }

            state.Groups[group] = g = new GroupState();
        }

        return g;
    }

    private static void Evict(RuleState state, long horizon)
    {
        var stale = state.Groups.Where(kv => kv.Value.LastTicks <= horizon).Select(kv => kv.Key).ToList();
        if (stale.Count < MaxGroupsPerRule / 20)
        {
            // Not enough expired: drop the least recently seen twentieth.
            stale = [.. state.Groups.OrderBy(kv => kv.Value.LastTicks).Take(MaxGroupsPerRule / 20).Select(kv => kv.Key)];
        }

        foreach (var k in stale)
        {
            state.Groups.Remove(k);
        }
    }

    public void Clear() => rules.Clear();

    public void Write(BinaryWriter w)
    {
        w.Write(rules.Count);
        foreach (var (id, state) in rules)
        {
            w.Write(id);
            w.Write(state.Fingerprint);
            w.Write(state.Groups.Count);
            foreach (var (key, g) in state.Groups)
            {
                w.Write(key);
                w.Write(g.LastTicks);
                w.Write(g.Times?.Count ?? 0);
                foreach (var t in g.Times ?? [])
                {
                    w.Write(t);
                }

                w.Write(g.Values?.Count ?? 0);
                foreach (var (v, t) in g.Values ?? [])
                {
                    w.Write(v);
                    w.Write(t);
                }
            }
        }
    }

    public void Read(BinaryReader r)
    {
        rules.Clear();
        var n = r.ReadInt32();
        for (var i = 0; i < n; i++)
        {
            var id = r.ReadString();
            var state = new RuleState(r.ReadString());
            var groups = r.ReadInt32();
            for (var j = 0; j < groups; j++)
            {
                var key = r.ReadString();
                var g = new GroupState { LastTicks = r.ReadInt64() };
                var times = r.ReadInt32();
                if (times > 0)
                {
                    g.Times = new List<long>(times);
                    for (var k = 0; k < times; k++)
                    {
                        g.Times.Add(r.ReadInt64());
                    }
                }

                var values = r.ReadInt32();
                if (values > 0)
                {
                    g.Values = new Dictionary<string, long>(values, StringComparer.Ordinal);
                    for (var k = 0; k < values; k++)
                    {
                        g.Values[r.ReadString()] = r.ReadInt64();
                    }
                }

                state.Groups[key] = g;
            }

            rules[id] = state;
        }
    }

    private sealed class RuleState(string fingerprint)
    {
        public string Fingerprint { get; } = fingerprint;

        public Dictionary<string, GroupState> Groups { get; } = new(StringComparer.Ordinal);
    }

    private sealed class GroupState
    {
        public long LastTicks { get; set; }

        public List<long>? Times { get; set; }

        public Dictionary<string, long>? Values { get; set; }
    }
}
