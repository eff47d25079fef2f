namespace ZtStream.Verifier.Rules.Aggregation;

/// <summary>
/// The state of aggregating rules in one scoring engine: per rule, per group (the values of <c>group_by</c>), the event
/// times (count) or the distinct values with their last time (distinct_count) inside the window. Bounded: a group keeps
/// at most <see cref="RuleAggregation.Cap"/> entries (more cannot change the outcome), a rule at most
/// <see cref="MaxGroupsPerRule"/> groups (expired groups are dropped first, then the least recently seen) and
/// <see cref="MaxEntriesPerRule"/> entries. Windows run on event time. Written to and read from the engine's
/// checkpoint; state of a rule whose aggregation changed is discarded on first use. A group of an aggregation with a
/// <see cref="RuleBaseline"/> also keeps its <see cref="HourlyPeaks"/>, and is judged against them.
/// </summary>
internal sealed class AggregationBook
{
    public const int MaxGroupsPerRule = 10_000;

    /// <summary>
    /// Times and values one rule may hold over all its groups: groups times a threshold of up to 100,000 would
    /// otherwise allow a billion.
    /// </summary>
    public const int MaxEntriesPerRule = 1_000_000;

    /// <summary>
    /// Values a metric correlation's group keeps (the latest within the timespan): unlike a count, a sum or a percentile
    /// has no threshold past which more values cannot change it, so the bound is this.
    /// </summary>
    public const int MaxMetricValues = 10_000;

    /// <summary>
    /// Written before the rule count by a book that holds metric values (and only then, so a book without any is
    /// written as before): an older book starts with its rule count, never negative, and is still read.
    /// </summary>
    private const int FormatWithNumbers = -1;

    /// <summary>
    /// Written instead of <see cref="FormatWithNumbers"/> by a book that holds a group's hourly peaks: each group's numbers,
    /// then whether it has peaks, then those.
    /// </summary>
    private const int FormatWithPeaks = -2;
    private readonly Dictionary<string, RuleState> rules = new(StringComparer.Ordinal);

    public int GroupCount => rules.Values.Sum(r => r.Groups.Count);

    public long EntryCount => rules.Values.Sum(r => r.Entries);

    /// <summary>Folds a matching event in; true when its group is at or over the threshold. <paramref name="count"/> is the group's value.</summary>
    public bool Observe(Rule rule, RuleAggregation agg, string group, string? value, long ticks, out int count, out IReadOnlyCollection<string>? values) =>
        Observe(rule, agg, group, value, ticks, out count, out values, out _, out _);

    /// <summary>
    /// Folds a matching event in; true when its group is at or over <paramref name="threshold"/>: the aggregation's, or with
    /// a baseline, the one the group's <paramref name="usual"/> busiest hour sets (null: the group has no history yet).
    /// </summary>
    public bool Observe(Rule rule, RuleAggregation agg, string group, string? value, long ticks, out int count, out IReadOnlyCollection<string>? values,
        out int threshold, out int? usual) =>
        Observe(rule, agg, group, value is null ? [] : [value], ticks, out count, out values, out threshold, out usual);

    /// <summary>
    /// Folds a matching event in with every value it brings (a distinct_count of a field that holds a list counts each
    /// element: one call that read twenty secrets is twenty); true when its group is at or over the threshold.
    /// </summary>
    public bool Observe(Rule rule, RuleAggregation agg, string group, IReadOnlyList<string> brought, long ticks, out int count,
        out IReadOnlyCollection<string>? values, out int threshold, out int? usual)
    {
        values = null;
        count = 0;
        threshold = agg.Threshold;
        usual = null;
        if (agg.Function == RuleAggregation.DistinctCount && brought.Count == 0)
        {
            // No value to count: this event neither adds to nor reaches the threshold.
            return false;
        }

        var (state, g) = GroupOf(rule, agg, group, ticks);
        var before = g.Entries;
        var horizon = Math.Max(g.LastTicks, ticks) - agg.Window.Ticks;
        g.LastTicks = Math.Max(g.LastTicks, ticks);
        if (agg.Function == RuleAggregation.DistinctCount)
        {
            g.Values ??= new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var value in brought)
            {
                g.Values[value] = Math.Max(g.Values.GetValueOrDefault(value), ticks);
            }

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
            // Sorted: the expired times are a prefix, and the oldest go first when past the cap.
            var drop = Math.Max(FirstAfter(g.Times, horizon), g.Times.Count - agg.Cap);
            if (drop > 0)
            {
                g.Times.RemoveRange(0, drop);
            }

            count = g.Times.Count;
        }

        Account(state, g, before);
        if (agg.Baseline is { } baseline)
        {
            var peaks = g.Peaks ??= new HourlyPeaks(baseline.Days, ticks);
            peaks.Advance(ticks);
            usual = peaks.Usual();
            threshold = usual is { } u ? baseline.Threshold(u) : agg.Threshold;
            peaks.Learn(ticks, count, alerted: usual is not null && count >= threshold);
        }

        return agg.Holds(count, threshold);
    }

    /// <summary>
    /// Folds a numeric value of a metric correlation (<see cref="CorrelationMetric"/>) into its group; the group's values
    /// within the window (at most <see cref="MaxMetricValues"/>, the latest), or null when this event's own value is
    /// already outside it (an event older than the window the group has seen).
    /// </summary>
    public List<double>? ObserveMetric(Rule rule, RuleAggregation agg, string group, double value, long ticks)
    {
        var (state, g) = GroupOf(rule, agg, group, ticks);
        var before = g.Entries;
        var horizon = Math.Max(g.LastTicks, ticks) - agg.Window.Ticks;
        g.LastTicks = Math.Max(g.LastTicks, ticks);
        g.Times ??= [];
        g.Numbers ??= [];
        // After the equal times: values of one instant stay in arrival order, so the oldest still go first.
        var at = FirstAfter(g.Times, ticks);
        g.Times.Insert(at, ticks);
        g.Numbers.Insert(at, value);
        var drop = Math.Max(FirstAfter(g.Times, horizon), g.Times.Count - MaxMetricValues);
        if (drop > 0)
        {
            g.Times.RemoveRange(0, drop);
            g.Numbers.RemoveRange(0, drop);
        }

        Account(state, g, before);
        return ticks <= horizon || g.Numbers.Count == 0 ? null : g.Numbers;
    }

    /// <summary>
    /// Folds in an event that matched step <paramref name="step"/> of an ordered sequence of <paramref name="steps"/>
    /// (a Sigma <c>temporal_ordered</c> correlation); true when it completes the sequence within the window. A group
    /// keeps, per step, the latest start (time of the first step) of a run that reached it in order: at most
    /// <paramref name="steps"/> entries.
    /// </summary>
    public bool ObserveSequence(Rule rule, RuleAggregation agg, string group, int step, int steps, long ticks)
    {
        var (state, g) = GroupOf(rule, agg, group, ticks);
        var before = g.Entries;
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
            Account(state, g, before);
            return false;
        }

        var key = StepKey(step);
        g.Values[key] = Math.Max(g.Values.GetValueOrDefault(key, long.MinValue), start);
        Account(state, g, before);
        return step == steps - 1;
    }

    private static string StepKey(int step) => step.ToString(CultureInfo.InvariantCulture);

    /// <summary>The first index of a sorted list whose time is after <paramref name="horizon"/>.</summary>
    private static int FirstAfter(List<long> times, long horizon)
    {
        int lo = 0, hi = times.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (times[mid] <= horizon)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>
    /// Keeps a rule's entries (times and values, over all its groups) within <see cref="MaxEntriesPerRule"/>: past it,
    /// the least recently seen groups other than <paramref name="g"/> go until a tenth is free.
    /// </summary>
    private static void Account(RuleState state, GroupState g, int before)
    {
        state.Entries += g.Entries - before;
        if (state.Entries <= MaxEntriesPerRule)
        {
            return;
        }

        foreach (var (key, other) in state.Groups.OrderBy(kv => kv.Value.LastTicks).ToList())
        {
            if (state.Entries <= MaxEntriesPerRule - (MaxEntriesPerRule / 10))
            {
                break;
            }

            if (!ReferenceEquals(other, g))
            {
                state.Groups.Remove(key);
                state.Entries -= other.Entries;
            }
        }
    }

    private (RuleState State, GroupState Group) GroupOf(Rule rule, RuleAggregation agg, string group, long ticks)
    {
        if (!rules.TryGetValue(rule.Id, out var state) || !ReferenceEquals(state.Checked, agg))
        {
            // Once per definition object (a load, a reload, a restore), not per event: the fingerprint is a new string.
            var fingerprint = agg.Fingerprint;
            if (state is null || state.Fingerprint != fingerprint)
            {
                rules[rule.Id] = state = new RuleState(fingerprint);
            }

            state.Checked = agg;
        }

        if (!state.Groups.TryGetValue(group, out var g))
        {
            if (state.Groups.Count >= MaxGroupsPerRule)
            {
                Evict(state, ticks - agg.Window.Ticks);
            }

            state.Groups[group] = g = new GroupState();
        }

        return (state, g);
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
            state.Entries -= state.Groups[k].Entries;
            state.Groups.Remove(k);
        }
    }

    public void Clear() => rules.Clear();

    public void Write(BinaryWriter w)
    {
        var withPeaks = rules.Values.Any(s => s.Groups.Values.Any(g => g.Peaks is not null));
        var withNumbers = withPeaks || rules.Values.Any(s => s.Groups.Values.Any(g => g.Numbers is not null));
        if (withNumbers)
        {
            w.Write(withPeaks ? FormatWithPeaks : FormatWithNumbers);
        }

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

                if (withNumbers)
                {
                    // A metric group's numbers, one per time; 0 for every other group.
                    w.Write(g.Numbers?.Count ?? 0);
                    foreach (var x in g.Numbers ?? [])
                    {
                        w.Write(x);
                    }
                }

                if (withPeaks)
                {
                    w.Write(g.Peaks is not null);
                    g.Peaks?.Write(w);
                }
            }
        }
    }

    public void Read(BinaryReader r)
    {
        rules.Clear();
        var n = r.ReadInt32();
        var withPeaks = n == FormatWithPeaks;
        var withNumbers = withPeaks || n == FormatWithNumbers;
        if (withNumbers)
        {
            n = r.ReadInt32();
        }

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

                var numbers = withNumbers ? r.ReadInt32() : 0;
                if (numbers > 0)
                {
                    if (numbers != times)
                    {
                        throw new InvalidDataException($"aggregation state of rule {id}: {numbers} metric values for {times} times");
                    }

                    g.Numbers = new List<double>(numbers);
                    for (var k = 0; k < numbers; k++)
                    {
                        g.Numbers.Add(r.ReadDouble());
                    }
                }

                if (withPeaks && r.ReadBoolean())
                {
                    g.Peaks = HourlyPeaks.Read(r);
                }

                state.Groups[key] = g;
                state.Entries += g.Entries;
            }

            rules[id] = state;
        }
    }

    private sealed class RuleState(string fingerprint)
    {
        public string Fingerprint { get; } = fingerprint;

        /// <summary>The definition last found to have this fingerprint.</summary>
        public RuleAggregation? Checked { get; set; }

        public Dictionary<string, GroupState> Groups { get; } = new(StringComparer.Ordinal);

        /// <summary>Times and values held over all groups.</summary>
        public long Entries { get; set; }
    }

    private sealed class GroupState
    {
        public long LastTicks { get; set; }

        public List<long>? Times { get; set; }

        public Dictionary<string, long>? Values { get; set; }

        /// <summary>A metric correlation's values, one per entry of <see cref="Times"/> (same order).</summary>
        public List<double>? Numbers { get; set; }

        /// <summary>The group's usual, when its aggregation has a baseline.</summary>
        public HourlyPeaks? Peaks { get; set; }

        public int Entries => (Times?.Count ?? 0) + (Values?.Count ?? 0);
    }
}
