namespace ZtStream.Verifier.Tests.Rules.Metamorphic;

/// <summary>
/// What a rule set decides on audit payloads as Ingest and the Verifier take them: each request body through the
/// k8s-audit adapter (dated as replay dates it), each event through a scoring engine of the rule set's own (the
/// Verifier's gates: a repeated id, a request's later stage), every match written down as rule, event, principal and
/// workload; every refused item as request, index, field and reason.
/// </summary>
internal sealed class AuditVerdicts
{
    private static readonly DateTimeOffset ReadAt = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private AuditVerdicts(List<string> firings, List<string> refused, int events)
    {
        Firings = firings;
        Refused = refused;
        Events = events;
    }

    /// <summary>Per request id (<see cref="RequestId"/>; its first copy): whom and what the adapter says it is about, and how the request ended.</summary>
    public Dictionary<string, (string Principal, string? Workload, string? Outcome, int? Status)> Identities { get; } = new(StringComparer.Ordinal);

    /// <summary>Per request id (<see cref="RequestId"/>; its first copy): the rules whose condition matches it, fired or not (an aggregation's count).</summary>
    public Dictionary<string, HashSet<string>> Matching { get; } = new(StringComparer.Ordinal);

    /// <summary>One line per match: <c>rule | request id | principal | workload</c>, sorted, repeats kept.</summary>
    public List<string> Firings { get; }

    /// <summary>One line per refused item: <c>request #N item I FIELD: REASON</c>.</summary>
    public List<string> Refused { get; }

    /// <summary>Events the adapter accepted.</summary>
    public int Events { get; }

    public static AuditVerdicts Of(IReadOnlyList<Rule> rules, IEnumerable<byte[]> bodies)
    {
        var engine = new ScoringEngine(new VerifierOptions(), rules: new RuleSetHolder(new RuleSet(rules)));
        var firings = new List<string>();
        var requestsOf = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        string GivenId(AccessEvent e) => RequestId(e, requestsOf);
        engine.Rules.Matched = (rule, e, _) => firings.Add(Firing(rule.Id, GivenId(e.Event), engine.KeyOf(e.Event), e.Event.Workload?.Id));
        var options = SourceMapOptions.Default with { Clock = new SourceClock(ReadAt) };
        var refused = new List<string>();
        var (request, events) = (0, 0);
        var identities = new Dictionary<string, (string, string?, string?, int?)>(StringComparer.Ordinal);
        var matching = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var body in bodies)
        {
            var result = K8sAuditMapper.Map(body, options);
            refused.AddRange(result.Errors.Select(x => $"request #{request} item {x.Index} {x.Field}: {x.Reason}"));
            foreach (var e in result.Events)
            {
                events++;
                if (identities.TryAdd(GivenId(e), (engine.KeyOf(e), e.Workload?.Id, e.Outcome, e.Status)))
                {
                    var re = new RuleEvent(e);
                    matching[GivenId(e)] = [.. rules.Where(r => r.Correlation is null && r.Condition.Matches(re)).Select(r => r.Id)];
                }

                engine.Score(e);
                engine.DeliverLinksLocally();
            }

            request++;
        }

        firings.Sort(StringComparer.Ordinal);
        var verdicts = new AuditVerdicts(firings, refused, events);
        foreach (var (id, identity) in identities)
        {
            verdicts.Identities[id] = identity;
            verdicts.Matching[id] = matching[id];
        }

        return verdicts;
    }

    /// <summary>
    /// The id the request was given (<c>auditID</c>; the second request under one id with <c>#2</c> …), else the event id:
    /// the event id digests the request's arrival time and names, which the shapes and renamings vary.
    /// </summary>
    private static string RequestId(AccessEvent e, Dictionary<string, List<string>> requestsOf)
    {
        if (e.Attributes is not { } a || !a.TryGetValue("k8s.audit_id", out var id) || id.GetString() is not { } given)
        {
            return e.Id;
        }

        // Another request under an id already given (a caller may choose it) is told by its order under that id.
        var requests = requestsOf.TryGetValue(given, out var seen) ? seen : requestsOf[given] = [];
        var n = requests.IndexOf(e.Id);
        if (n < 0)
        {
            requests.Add(e.Id);
            n = requests.Count - 1;
        }

        return n == 0 ? given : $"{given}#{n + 1}";
    }

    public static string Firing(string rule, string id, string principal, string? workload) => $"{rule} | {id} | {principal} | {workload}";

    /// <summary>What differs between two lists of firings, both ways, for a failure message.</summary>
    public static string Difference(IReadOnlyList<string> expected, IReadOnlyList<string> actual)
    {
        var missing = Minus(expected, actual);
        var extra = Minus(actual, expected);
        return $"missing {missing.Count}:\n  {string.Join("\n  ", missing.Take(15))}\nextra {extra.Count}:\n  {string.Join("\n  ", extra.Take(15))}";
    }

    private static List<string> Minus(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var left = b.GroupBy(x => x, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var x in a)
        {
            if (left.TryGetValue(x, out var n) && n > 0)
            {
                left[x] = n - 1;
            }
            else
            {
                result.Add(x);
            }
        }

        return result;
    }
}
