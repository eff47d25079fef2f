namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>
/// A Sigma correlation document as read, before the rules it references are known (they may be in another document
/// or file of the set, in any order): <see cref="SigmaCorrelationLinker"/> links it.
/// </summary>
internal sealed record SigmaCorrelationDraft(
    Rule Header,
    string Type,
    IReadOnlyList<(string Reference, int Line)> References,
    IReadOnlyList<string> GroupBy,
    TimeSpan Timespan,
    int Minimum,
    int? Maximum,
    IReadOnlyList<int> Excluded,
    string? Field,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Aliases,
    int AliasesLine,
    bool Generate,
    int Line)
{
    /// <summary>A metric type's computation and condition (null for the counting and temporal types).</summary>
    public CorrelationMetric? Metric { get; init; }
}

/// <summary>
/// Reads a Sigma correlation document (Sigma correlation rules specification 2.0): the rule header a Sigma rule has,
/// and <c>correlation:</c> with <c>type</c>, <c>rules</c>, <c>group-by</c>, <c>timespan</c>, <c>condition</c>,
/// <c>aliases</c> and <c>generate</c> (also accepted at the top level, where the specification puts it), and embedded
/// <c>tests:</c> as a Sigma rule has them (a test passes <c>match</c> when one of its events completes the
/// correlation). Every missing, misspelt or out-of-range part is an error naming its line.
/// </summary>
internal static class SigmaCorrelationReader
{
    private static readonly string[] Keys = ["type", "rules", "group-by", "timespan", "condition", "aliases", "generate"];
    private static readonly string[] ConditionKeys = ["gt", "gte", "lt", "lte", "eq", "neq", "field", "percentile"];

    public static bool IsCorrelation(YamlMappingNode doc) => RuleYaml.Get(doc, "correlation") is not null;

    public static SigmaCorrelationDraft Read(YamlMappingNode doc, string file)
    {
        var node = RuleYaml.Get(doc, "correlation")!;
        if (node is not YamlMappingNode map)
        {
            throw new RuleFormatException("'correlation' must be a map (type, rules, group-by, timespan, condition)", RuleYaml.Line(node));
        }

        if ((RuleYaml.Get(doc, "detection") ?? RuleYaml.Get(doc, "logsource")) is { } detection)
        {
            throw new RuleFormatException("a document is a rule (logsource, detection) or a correlation, not both: put the correlation in a document of its own", RuleYaml.Line(detection));
        }

        foreach (var (k, _) in map.Children)
        {
            RuleYaml.KnownKey(k, Keys, "correlation key");
        }

        var header = SigmaRuleReader.Header(doc, file, new CorrelationMatcher([])) with { Tests = ZtStreamRuleReader.Tests(RuleYaml.Get(doc, "tests")) };
        var line = RuleYaml.Line(map);
        var type = RuleYaml.Text(map, "type") ?? throw new RuleFormatException($"a correlation needs 'type' ({string.Join(", ", CorrelationTypes.All)})", line);
        if (!CorrelationTypes.All.Contains(type, StringComparer.Ordinal))
        {
            throw new RuleFormatException($"correlation type '{type}' is not supported (supported: {string.Join(", ", CorrelationTypes.All)})", RuleYaml.Line(RuleYaml.Get(map, "type")!));
        }

        var rulesNode = RuleYaml.Get(map, "rules");
        if (RuleYaml.IsNull(rulesNode))
        {
            throw new RuleFormatException("a correlation needs 'rules': the ids or names of the rules it correlates", line);
        }

        var references = References(rulesNode!, "'rules' must be a list of rule ids or names");

        if (references.Count > RuleLimits.MaxCorrelationRules)
        {
            throw new RuleFormatException($"a correlation may reference at most {RuleLimits.MaxCorrelationRules} rules (this one {references.Count})", RuleYaml.Line(rulesNode!));
        }

        if (type is CorrelationTypes.Temporal or CorrelationTypes.TemporalOrdered && references.Count < 2)
        {
            throw new RuleFormatException($"a {type} correlation relates two or more rules (this one references {references.Count})", RuleYaml.Line(rulesNode!));
        }

        if (RuleYaml.Get(map, "group-by") is null)
        {
            throw new RuleFormatException("a correlation needs 'group-by': the fields whose values must be the same ([] for one group)", line);
        }

        var groupBy = RuleYaml.Strings(map, "group-by");
        if (groupBy.Distinct(StringComparer.Ordinal).Count() != groupBy.Count || groupBy.Exists(g => g.Length == 0))
        {
            throw new RuleFormatException("'group-by' must name each field once", RuleYaml.Line(RuleYaml.Get(map, "group-by")!));
        }

        if (groupBy.Count > RuleLimits.MaxCorrelationRules)
        {
            throw new RuleFormatException($"'group-by' may name at most {RuleLimits.MaxCorrelationRules} fields", RuleYaml.Line(RuleYaml.Get(map, "group-by")!));
        }

        var timespan = RuleYaml.Duration(map, "timespan") ?? throw new RuleFormatException("a correlation needs 'timespan' (e.g. 10m)", line);
        // A metric's bounds are its own: as a count, it matches from the first event with a value.
        CorrelationMetric? metric = null;
        var (minimum, maximum, excluded, field) = (1, (int?)null, (IReadOnlyList<int>)[], (string?)null);
        if (CorrelationTypes.IsMetric(type))
        {
            (metric, field) = Metric(map, type, line);
        }
        else
        {
            (minimum, maximum, excluded, field) = Condition(map, type, references.Count, line);
        }

        var (aliases, aliasesLine) = Aliases(map);
        foreach (var alias in aliases.Keys)
        {
            if (!groupBy.Contains(alias, StringComparer.Ordinal) && alias != field)
            {
                throw new RuleFormatException($"alias '{alias}' is used by neither 'group-by' nor the condition's 'field'", aliasesLine);
            }
        }

        var generate = (RuleYaml.Bool(map, "generate") ?? false) || (RuleYaml.Bool(doc, "generate") ?? false);
        return new SigmaCorrelationDraft(header, type, references, groupBy, timespan, minimum, maximum, excluded, field, aliases, aliasesLine, generate, RuleYaml.Line(doc))
        {
            Metric = metric,
        };
    }

    /// <summary>
    /// The rules a correlation or a filter names under <c>rules</c>: a list of ids or names (or one), each once, with
    /// its line; anything else is <paramref name="notAList"/>.
    /// </summary>
    public static List<(string Reference, int Line)> References(YamlNode node, string notAList)
    {
        var references = new List<(string, int)>();
        foreach (var item in node is YamlSequenceNode seq ? seq.Children : [node])
        {
            if (item is not YamlScalarNode { Value: { Length: > 0 } reference })
            {
                throw new RuleFormatException(notAList, RuleYaml.Line(item));
            }

            if (references.Exists(r => r.Item1 == reference))
            {
                throw new RuleFormatException($"'rules' names '{reference}' twice", RuleYaml.Line(item));
            }

            references.Add((reference, RuleYaml.Line(item)));
        }

        return references;
    }

    /// <summary>
    /// A metric type's condition: its <c>field</c> (required), for value_percentile the <c>percentile</c> (0–100), and at
    /// least one operator with a finite number (fractions allowed: an average is one).
    /// </summary>
    private static (CorrelationMetric Metric, string Field) Metric(YamlMappingNode map, string type, int line)
    {
        var node = RuleYaml.Get(map, "condition");
        if (RuleYaml.IsNull(node))
        {
            throw new RuleFormatException($"a {type} correlation needs 'condition' with 'field' and a bound (e.g. field: bytes, gt: 1000)", line);
        }

        if (node is not YamlMappingNode condition)
        {
            throw new RuleFormatException("'condition' must be a map such as {field: bytes, gt: 1000}", RuleYaml.Line(node!));
        }

        var checks = new List<(string, double)>();
        foreach (var (k, _) in condition.Children)
        {
            var key = RuleYaml.KnownKey(k, ConditionKeys, "condition");
            if (key is not ("field" or "percentile"))
            {
                checks.Add((key, Number(condition, key)));
            }
        }

        var field = RuleYaml.Get(condition, "field") switch
        {
            null => throw new RuleFormatException($"a {type} correlation needs the condition's 'field': the numeric field whose values it computes over", RuleYaml.Line(condition)),
            YamlScalarNode { Value: { Length: > 0 } f } => f,
            var other => throw new RuleFormatException("the condition's 'field' must name one field", RuleYaml.Line(other)),
        };

        if (checks.Count == 0)
        {
            throw new RuleFormatException($"the condition needs a bound on the {type} (gt, gte, lt, lte, eq or neq)", RuleYaml.Line(condition));
        }

        double? percentile = type == CorrelationTypes.ValueMedian ? 50 : null;
        if (RuleYaml.Get(condition, "percentile") is not null)
        {
            if (type != CorrelationTypes.ValuePercentile)
            {
                throw new RuleFormatException($"the condition's 'percentile' belongs to value_percentile; {type} has none", RuleYaml.Line(RuleYaml.Get(condition, "percentile")!));
            }

            percentile = Number(condition, "percentile");
            if (percentile is < 0 or > 100)
            {
                throw new RuleFormatException($"the condition's 'percentile' must be from 0 to 100 (is {CorrelationMetric.Format(percentile.Value)})", RuleYaml.Line(RuleYaml.Get(condition, "percentile")!));
            }
        }
        else if (type == CorrelationTypes.ValuePercentile)
        {
            throw new RuleFormatException("a value_percentile correlation needs the condition's 'percentile' (0–100): which percentile of the field's values the bounds apply to", RuleYaml.Line(condition));
        }

        return (new CorrelationMetric(type, checks, percentile), field);
    }

    private static double Number(YamlMappingNode condition, string key)
    {
        var text = RuleYaml.Text(condition, key);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n)
            ? n
            : throw new RuleFormatException($"condition '{key}' must be a number (is '{text}')", RuleYaml.Line(RuleYaml.Get(condition, key)!));
    }

    /// <summary>
    /// The condition as bounds on a group's count. Counting correlations need a lower bound (gt, gte or eq): an event
    /// matches when it brings its group's count into range, and nothing can match on the absence of events.
    /// </summary>
    private static (int Min, int? Max, IReadOnlyList<int> Excluded, string? Field) Condition(YamlMappingNode map, string type, int rules, int line)
    {
        var node = RuleYaml.Get(map, "condition");
        var counting = type is CorrelationTypes.EventCount or CorrelationTypes.ValueCount;
        if (RuleYaml.IsNull(node))
        {
            return counting
                ? throw new RuleFormatException($"a {type} correlation needs 'condition' (e.g. gte: 10)", line)
                : (rules, null, [], null);
        }

        if (node is not YamlMappingNode condition)
        {
            throw new RuleFormatException(counting || node is not YamlScalarNode
                ? "'condition' must be a map such as {gte: 10}"
                : $"a {type} condition is a count of the rules that matched ({{gte: {rules}}} for all of them): an expression of rule names is not supported; chain correlations for more", RuleYaml.Line(node!));
        }

        int? min = null, max = null;
        var excluded = new List<int>();
        foreach (var (k, _) in condition.Children)
        {
            var key = RuleYaml.KnownKey(k, ConditionKeys, "condition");
            if (key == "field")
            {
                continue;
            }

            if (key == "percentile")
            {
                throw new RuleFormatException($"the condition's 'percentile' belongs to value_percentile; {type} has none", RuleYaml.Line(k));
            }

            var text = RuleYaml.Text(condition, key);
            var at = RuleYaml.Line(RuleYaml.Get(condition, key)!);
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > RuleLimits.MaxCount)
            {
                throw new RuleFormatException($"condition '{key}' must be a whole number from 0 to {RuleLimits.MaxCount} (is '{text}')", at);
            }

            switch (key)
            {
                case "gt": min = Math.Max(min ?? 0, n + 1); break;
                case "gte": min = Math.Max(min ?? 0, n); break;
                case "eq": min = Math.Max(min ?? 0, n); max = Math.Min(max ?? int.MaxValue, n); break;
                case "lt": max = Math.Min(max ?? int.MaxValue, n - 1); break;
                case "lte": max = Math.Min(max ?? int.MaxValue, n); break;
                default: excluded.Add(n); break;
            }
        }

        string? field = null;
        if (RuleYaml.Get(condition, "field") is { } fieldNode)
        {
            field = fieldNode is YamlScalarNode { Value: { Length: > 0 } f }
                ? f
                : throw new RuleFormatException("the condition's 'field' must name one field", RuleYaml.Line(fieldNode));
        }

        if (type == CorrelationTypes.ValueCount && field is null)
        {
            throw new RuleFormatException("a value_count correlation needs the condition's 'field': the field whose distinct values are counted", RuleYaml.Line(condition));
        }

        if (type != CorrelationTypes.ValueCount && field is not null)
        {
            throw new RuleFormatException($"the condition's 'field' belongs to value_count; {type} counts {(counting ? "events" : "the rules that matched")}", RuleYaml.Line(condition));
        }

        if (min is null)
        {
            throw new RuleFormatException(
                "the condition needs a lower bound (gt, gte or eq): ZtStream matches the event that brings a group's count into range, "
                + "and cannot alert on events that did not happen (lt, lte or neq alone)", RuleYaml.Line(condition));
        }

        var least = Math.Max(min.Value, 1);
        if (max < least)
        {
            throw new RuleFormatException($"the condition can never hold (at least {least} and at most {max})", RuleYaml.Line(condition));
        }

        if (type == CorrelationTypes.Temporal && least > rules)
        {
            throw new RuleFormatException($"a temporal condition counts the referenced rules that matched: at most {rules}", RuleYaml.Line(condition));
        }

        if (type == CorrelationTypes.TemporalOrdered && (least != rules || max is not null || excluded.Count > 0))
        {
            throw new RuleFormatException($"a temporal_ordered correlation matches when all its {rules} rules matched in order; its condition can only say so (gte: {rules})", RuleYaml.Line(condition));
        }

        return (least, max, excluded, field);
    }

    private static (IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>, int) Aliases(YamlMappingNode map)
    {
        var node = RuleYaml.Get(map, "aliases");
        var result = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        if (RuleYaml.IsNull(node))
        {
            return (result, 0);
        }

        if (node is not YamlMappingNode aliases)
        {
            throw new RuleFormatException("'aliases' must be a map: alias → (rule name → field)", RuleYaml.Line(node!));
        }

        foreach (var (k, v) in aliases.Children)
        {
            var alias = (k as YamlScalarNode)?.Value ?? throw new RuleFormatException("an alias must be a name", RuleYaml.Line(k));
            if (v is not YamlMappingNode fields)
            {
                throw new RuleFormatException($"alias '{alias}' must map rule names to fields", RuleYaml.Line(v));
            }

            var byRule = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (r, f) in fields.Children)
            {
                if (r is not YamlScalarNode { Value: { Length: > 0 } rule } || f is not YamlScalarNode { Value: { Length: > 0 } field })
                {
                    throw new RuleFormatException($"alias '{alias}' must map rule names to fields", RuleYaml.Line(r));
                }

                byRule[rule] = field;
            }

            result[alias] = byRule;
        }

        return (result, RuleYaml.Line(aliases));
    }
}
