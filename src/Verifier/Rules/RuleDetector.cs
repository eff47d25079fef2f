namespace ZtStream.Verifier.Rules;

/// <summary>
/// The <c>rule</c> detector of a scoring engine: evaluates the rules in force for the event's kind and turns each
/// match into a contribution named by the rule id, scored by the rule, explained by its title and the values that
/// matched. A finding counts once: a matching rule whose every ATT&amp;CK technique a stronger matching rule of the same
/// event already evidences keeps its reason but adds no score, so rule sets that find the same thing (the built-in
/// library, SigmaHQ's, Falco's) do not compound. A staged rule's match (<see cref="Rule.Staged"/>) goes to a list of its
/// own, never among the live ones. Each match counts in <see cref="RuleSetHolder.Matches"/>. Holds the engine's
/// aggregation state. Single-threaded, like its engine.
/// </summary>
internal sealed class RuleDetector(RuleSetHolder rules)
{
    private const int MaxShownValues = 4;

    // What each correlation gave for the event being evaluated: a correlation another one references is evaluated
    // once per event, however many reference it.
    private readonly Dictionary<string, (string? Text, string Group)> correlated = new(StringComparer.Ordinal);
    private RuleEvent? correlatedEvent;

    // The group the last match counted its event in: what an observer of matches tells one firing from the next.
    private string matchedGroup = "";

    public AggregationBook Aggregations { get; } = new();

    /// <summary>The okta plugin's MFA counts: like the aggregations, the engine's, so a rule reload keeps them.</summary>
    public FalcoOktaMfaCounts OktaMfa { get; } = new();

    public RuleSetHolder Rules => rules;

    /// <summary>
    /// Told of every rule that matches an event this detector evaluates for its engine, with the group an aggregation or
    /// correlation counted the event in ("" for a single-event rule): <c>ztstream rules backtest</c> counts per rule
    /// what the scoring path matched, through the same gates (duplicates, request stages, address twins). Null live.
    /// </summary>
    public Action<Rule, RuleEvent, string>? Matched { get; set; }

    /// <summary>Every match into <paramref name="output"/>, staged or live: for callers that score no live alert (rule tests).</summary>
    public void Evaluate(AccessEvent e, List<Contribution> output) => Evaluate(e, null, output, output);

    /// <summary>
    /// Live rules' matches into <paramref name="output"/>, staged rules' into <paramref name="staged"/>: apart from the
    /// start, so a staged match never takes part in a live finding (not even as the stronger rule that makes a live one
    /// count 0) and the engine never scores it with the live ones.
    /// </summary>
    public void Evaluate(AccessEvent e, List<Contribution> output, List<Contribution> staged) => Evaluate(e, null, output, staged);

    /// <summary>
    /// A Kubernetes request's outcome, come in a later stage than the one it was scored at: only the rules the outcome
    /// decides — those that did not match <paramref name="asItArrived"/>, the request as its first stage recorded it — so
    /// a rule that matched the request counts it once, and a rule that needs its response sees it once.
    /// </summary>
    public void EvaluateOutcome(AccessEvent e, AccessEvent asItArrived, List<Contribution> output, List<Contribution> staged) =>
        Evaluate(e, new RuleEvent(asItArrived) { OktaMfa = OktaMfa }, output, staged);

    /// <summary>
    /// A Kubernetes request's first stage, whose outcome a later stage will bring: only the rules that match it whatever
    /// that outcome (<see cref="DecidedWithoutOutcome"/>). A rule the outcome can still decide — one that leaves out
    /// refused requests, or needs a success — waits for the stage that brings it (<see cref="EvaluateOutcome"/>), so a
    /// request whose stages came in two batches fires exactly the rules it fires when they come in one.
    /// </summary>
    public void EvaluateAwaitingOutcome(AccessEvent e, List<Contribution> output, List<Contribution> staged) =>
        Evaluate(e, null, output, staged, awaitingOutcome: true);

    private void Evaluate(AccessEvent e, RuleEvent? arrived, List<Contribution> output, List<Contribution> staged, bool awaitingOutcome = false)
    {
        var candidates = rules.Current.For(e.Kind);
        if (candidates.Rules.Length == 0)
        {
            return;
        }

        var re = new RuleEvent(e) { OktaMfa = OktaMfa };
        var first = output.Count;
        var firstStaged = staged.Count;

        // The first stage as a later one could answer it, allowed and refused: built once for all the rules, when a rule
        // first asks.
        RuleEvent? answeredAllowed = null, answeredRefused = null;
        bool? twin = null;

        // Whether the event has each attribute some rule cannot match without: 0 not asked yet, 1 yes, -1 no.
        Span<sbyte> has = candidates.Gates.Length <= 16 ? stackalloc sbyte[candidates.Gates.Length] : new sbyte[candidates.Gates.Length];
        has.Clear();
        for (var i = 0; i < candidates.Rules.Length; i++)
        {
            var rule = candidates.Rules[i];
            if (candidates.GateOf[i] is var g and >= 0)
            {
                if (has[g] == 0)
                {
                    has[g] = candidates.Gates[g].Exists(re) ? (sbyte)1 : (sbyte)-1;
                }

                if (has[g] < 0)
                {
                    continue;
                }
            }

            if (arrived is not null
                    ? DecidedWithoutOutcome(rule, arrived, ref answeredAllowed, ref answeredRefused)
                    : awaitingOutcome && !DecidedWithoutOutcome(rule, re, ref answeredAllowed, ref answeredRefused))
            {
                continue;
            }

            // Asked only once a single-event rule matched (rare), not of every event.
            if (Match(rule, re) is { } text && !(JudgesOneEvent(rule) && (twin ??= Authentication.AuthenticationDetector.IsAddressTwin(e))))
            {
                rules.Matches.Add(rule);
                (rule.Staged ? staged : output).Add(Contribute(rule, text));
                Matched?.Invoke(rule, re, matchedGroup);
            }
        }

        if (output.Count - first > 1)
        {
            CountEachFindingOnce(output, first);
        }

        if (!ReferenceEquals(output, staged) && staged.Count - firstStaged > 1)
        {
            CountEachFindingOnce(staged, firstStaged);
        }
    }

    /// <summary>
    /// Whether <paramref name="rule"/> judges one event alone (no aggregation, no correlation): a failed sign-in's twins
    /// (keyed by its address and its tenant, docs/events.md) are evidence only for rules that count them. They carry the
    /// original's fields, so a rule on one event matches the account's own record, and matching its twins too would raise
    /// the same finding again on the address and on the whole tenant.
    /// </summary>
    internal static bool JudgesOneEvent(Rule rule) => rule.Aggregation is null && rule.Correlation is null;

    /// <summary>
    /// Whether the rule matches a request's first stage whatever outcome a later stage brings: as it arrived, allowed and
    /// refused (<see cref="RequestStages.Answered"/>, made into <paramref name="allowed"/> and <paramref name="refused"/>
    /// the first time a rule needs them: a cluster auditing every stage sends each request this way, and each answered
    /// copy re-reads the request's raw record).
    /// </summary>
    private static bool DecidedWithoutOutcome(Rule rule, RuleEvent arrived, ref RuleEvent? allowed, ref RuleEvent? refused) =>
        MatchedOnArrival(rule, arrived)
        && MatchedOnArrival(rule, allowed ??= new RuleEvent(RequestStages.Answered(arrived.Event, allowed: true)))
        && MatchedOnArrival(rule, refused ??= new RuleEvent(RequestStages.Answered(arrived.Event, allowed: false)));

    /// <summary>Whether the rule's condition (a correlation: any referenced rule's) matched the request's first stage.</summary>
    private static bool MatchedOnArrival(Rule rule, RuleEvent arrived)
    {
        if (rule.Correlation is not { } correlation)
        {
            return rule.Condition.Matches(arrived);
        }

        foreach (var input in correlation.Inputs)
        {
            if (MatchedOnArrival(input.Rule, arrived))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// From the strongest match down, a contribution whose techniques are all evidenced already scores 0 and says by
    /// which rule. Rules without techniques name no finding to share and always count. Rare (two rules on one event),
    /// so it may allocate.
    /// </summary>
    private static void CountEachFindingOnce(List<Contribution> output, int first)
    {
        var order = Enumerable.Range(first, output.Count - first).OrderByDescending(i => output[i].Score).ThenBy(i => i).ToList();
        var covered = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var i in order)
        {
            var c = output[i];
            if (c.Techniques.Count == 0)
            {
                continue;
            }

            if (c.Techniques.All(covered.ContainsKey))
            {
                output[i] = c with { Score = 0, Text = $"{c.Text}; counted once, with rule {covered[c.Techniques[0]]}" };
                continue;
            }

            foreach (var t in c.Techniques)
            {
                covered.TryAdd(t, c.Rule);
            }
        }
    }

    /// <summary>The explanation when <paramref name="rule"/> matches (for an aggregation: brings its group to the threshold), else null.</summary>
    public string? Match(Rule rule, RuleEvent e)
    {
        if (rule.Correlation is { } correlation)
        {
            return Correlate(rule, correlation, e);
        }

        matchedGroup = "";
        if (!rule.Condition.Matches(e))
        {
            return null;
        }

        if (rule.Aggregation is not { } agg)
        {
            return Explain(rule, e);
        }

        Group(agg.GroupBy, null, e, out var group, out var shownGroup);
        IReadOnlyList<string> brought = agg.Field?.Every(e) ?? [];
        if (!Aggregations.Observe(rule, agg, group, brought, e.Event.Time.UtcTicks, out var count, out var values, out var threshold, out var usual))
        {
            return null;
        }

        matchedGroup = group;
        var what = agg.Function == RuleAggregation.DistinctCount
            ? $"{count} distinct {agg.Field!.Text} ({Shown(values!)})"
            : $"{count} matching events";
        return agg.Baseline is { } baseline
            ? Counted(rule, what, agg.Window, shownGroup, baseline.Explain(threshold, usual))
            : Counted(rule, what, agg, shownGroup);
    }

    /// <summary>The aggregation reason's words: what was counted, within which window, by which group, against what.</summary>
    private static string Counted(Rule rule, string what, RuleAggregation agg, string shownGroup) =>
        Counted(rule, what, agg.Window, shownGroup, Bounds(agg));

    private static string Counted(Rule rule, string what, TimeSpan window, string shownGroup, string bounds) =>
        $"{rule.Title}: {what} within {Numbers.Duration(window)}{(shownGroup.Length > 0 ? " by " + shownGroup : "")} ({bounds}) (rule {rule.Id})";

    /// <summary>
    /// A metric correlation's number: a JSON number, or text that is one (<c>"1500"</c>, <c>"2.5e3"</c>, invariant
    /// culture), finite. Anything else is no number.
    /// </summary>
    internal static bool TryNumber(string? text, out double number) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number) && double.IsFinite(number);

    private static string Bounds(RuleAggregation agg)
    {
        if (agg.Maximum is null && agg.Excluded.Count == 0)
        {
            return $"threshold {agg.Threshold}";
        }

        var parts = new List<string>();
        if (agg.Maximum == agg.Threshold)
        {
            parts.Add($"eq {agg.Threshold}");
        }
        else
        {
            parts.Add($"gte {agg.Threshold}");
            if (agg.Maximum is { } max)
            {
                parts.Add($"lte {max}");
            }
        }

        parts.AddRange(agg.Excluded.Select(x => $"neq {x}"));
        return "condition " + string.Join(", ", parts);
    }

    /// <summary>
    /// A Sigma correlation on one event: each referenced rule the event matches (a referenced correlation: that it
    /// matched on this event) folds the event into its group's state. An event without a value for every group-by
    /// field belongs to no group and is not counted, as a SIEM's <c>group by</c> leaves it out.
    /// </summary>
    private string? Correlate(Rule rule, RuleCorrelation c, RuleEvent e)
    {
        if (!ReferenceEquals(correlatedEvent, e))
        {
            correlated.Clear();
            correlatedEvent = e;
        }

        if (correlated.TryGetValue(rule.Id, out var done))
        {
            matchedGroup = done.Group;
            return done.Text;
        }

        var text = CorrelateOnce(rule, c, e, out var group);
        correlated[rule.Id] = (text, matchedGroup = group);
        return text;
    }

    private string? CorrelateOnce(Rule rule, RuleCorrelation c, RuleEvent e, out string matched)
    {
        matched = "";
        var ticks = e.Event.Time.UtcTicks;
        var agg = c.Counting;
        string? text = null;
        var ordered = c.Type == CorrelationTypes.TemporalOrdered;
        for (var n = 0; n < c.Inputs.Count; n++)
        {
            // A sequence's later steps first: one event that matches two steps must not be both.
            var i = ordered ? c.Inputs.Count - 1 - n : n;
            var input = c.Inputs[i];
            var fired = input.Rule.Correlation is { } inner ? Correlate(input.Rule, inner, e) is not null : input.Rule.Condition.Matches(e);
            if (!fired || !Group(input.GroupBy, c.GroupBy, e, out var group, out var shownGroup))
            {
                continue;
            }

            switch (c.Type)
            {
                case CorrelationTypes.EventCount:
                case CorrelationTypes.ValueCount:
                    // An event counts once, for the first referenced rule it matches.
                    var value = input.Field?.First(e);
                    var holds = Aggregations.Observe(rule, agg, group, value, ticks, out var count, out var values);
                    matched = group;
                    return !holds ? null : Counted(rule, c.Type == CorrelationTypes.EventCount
                        ? $"{count} events of {References(c)}"
                        : $"{count} distinct {c.FieldName} ({Shown(values!)}) in events of {References(c)}", agg, shownGroup);
                case not null when c.Metric is { } metric:
                    // Like a count, an event folds in once, for the first referenced rule it matches; one whose field
                    // holds no number (missing, text, a boolean) adds nothing and matches nothing.
                    if (!TryNumber(input.Field!.First(e), out var number)
                        || Aggregations.ObserveMetric(rule, agg, group, number, ticks) is not { } window)
                    {
                        return null;
                    }

                    var result = metric.Compute(window);
                    matched = group;
                    return !metric.Holds(result) ? null : Counted(rule,
                        $"{metric.Name} of {c.FieldName} {CorrelationMetric.Format(result)} over {window.Count} events of {References(c)}",
                        agg.Window, shownGroup, "condition " + metric.Condition);
                case CorrelationTypes.Temporal:
                    if (Aggregations.Observe(rule, agg, group, input.Reference, ticks, out var seen, out var rulesSeen))
                    {
                        matched = group;
                        text = Counted(rule, seen == c.Inputs.Count
                            ? $"all of {References(c)} matched"
                            : $"{seen} of {References(c)} matched ({Shown(rulesSeen!)})", agg, shownGroup);
                    }

                    break;
                default:
                    if (Aggregations.ObserveSequence(rule, agg, group, i, c.Inputs.Count, ticks))
                    {
                        matched = group;
                        text = $"{rule.Title}: {string.Join(" then ", c.Inputs.Select(x => x.Reference))} matched in order within {Numbers.Duration(agg.Window)}"
                            + $"{(shownGroup.Length > 0 ? " by " + shownGroup : "")} (rule {rule.Id})";
                    }

                    break;
            }
        }

        return text;
    }

    private static string References(RuleCorrelation c) => string.Join(", ", c.Inputs.Select(i => i.Reference));

    /// <summary>
    /// The one place a rule match becomes a contribution, carrying the rule's ATT&amp;CK techniques and tactics, its
    /// credits, and which revision of which file raised it.
    /// </summary>
    private static Contribution Contribute(Rule rule, string text) =>
        new(Detectors.Rule, rule.Id, rule.EffectiveScore, text)
        {
            Techniques = rule.Techniques, Tactics = rule.Tactics, Credits = rule.Credits, RuleRevision = rule.Revision, RuleFile = rule.RelativeFile,
        };

    private static string Explain(Rule rule, RuleEvent e)
    {
        if (rule.Condition is IRuleExplainer explainer)
        {
            return $"{rule.Title}: {explainer.Explain(e)} (rule {rule.Id})";
        }

        var sb = new StringBuilder(rule.Title).Append(": ");
        if (e.Event.Action is { } action)
        {
            sb.Append(action).Append(' ');
        }

        var resource = e.Event.Resource;
        if (resource?.Type is not null || resource?.Id is not null)
        {
            sb.Append(Singular(resource.Type)).Append(' ').Append(resource.Id ?? "(all)");
        }
        else
        {
            sb.Append(e.Event.PrincipalKey);
        }

        if (rule.Condition is DetectionMatcher matcher)
        {
            var shown = 0;
            foreach (var (path, value) in matcher.Explain(e))
            {
                if (path is "kind" or "action" or "resource.type" or "resource.id")
                {
                    // Already in the words before.
                    continue;
                }

                if (shown++ == MaxShownValues)
                {
                    sb.Append(", …");
                    break;
                }

                sb.Append(", ").Append(path).Append('=').Append(value);
            }
        }

        return sb.Append(" (rule ").Append(rule.Id).Append(')').ToString();
    }

    /// <summary>
    /// The group of an event: the values of <paramref name="paths"/> (shown by <paramref name="names"/>, else by the
    /// paths' text). False when a field has no value and <paramref name="names"/> is given (a correlation's group-by);
    /// an aggregation groups such events under "(none)".
    /// </summary>
    private static bool Group(IReadOnlyList<FieldPath> paths, IReadOnlyList<string>? names, RuleEvent e, out string key, out string shown)
    {
        key = "";
        shown = "";
        if (paths.Count == 0)
        {
            return true;
        }

        var keys = new string[paths.Count];
        var parts = new string[paths.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            var value = paths[i].First(e) ?? "";
            if (value.Length == 0 && names is not null)
            {
                return false;
            }

            parts[i] = (names?[i] ?? paths[i].Text) + "=" + (value.Length == 0 ? "(none)" : value);
            // An identity that exists once per cluster (a service account, a node, the API server's own users) is counted
            // in the cluster its event names, as the engine keeps its state (ClusterKeys): two clusters' web/frontend are
            // two accounts, and their refusals must not add up to one burst.
            keys[i] = value.Length > 0 && ClusterKeys.IsClusterLocal(value) && ClusterKeys.Of(e.Event) is { } cluster
                ? ClusterKeys.Key(value, cluster)
                : value;
        }

        shown = string.Join(", ", parts);
        key = string.Join('\u001f', keys);
        return true;
    }

    private static string Shown(IReadOnlyCollection<string> values)
    {
        var list = values.Order(StringComparer.Ordinal).Take(MaxShownValues + 1).ToList();
        return list.Count > MaxShownValues ? string.Join(", ", list.Take(MaxShownValues)) + ", …" : string.Join(", ", list);
    }

    /// <summary>pods → pod, clusterroles → clusterrole, pods/exec → pods/exec: reads as "pod payments/x".</summary>
    private static string Singular(string? type) => type switch
    {
        null => "resource",
        _ when type.Contains('/', StringComparison.Ordinal) => type,
        _ when type.EndsWith("ies", StringComparison.Ordinal) => string.Concat(type.AsSpan(0, type.Length - 3), "y"),
        _ when type.EndsWith("sses", StringComparison.Ordinal) => type[..^2],
        _ when type.EndsWith('s') => type[..^1],
        _ => type,
    };
}
