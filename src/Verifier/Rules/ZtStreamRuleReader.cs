namespace ZtStream.Verifier.Rules;

/// <summary>
/// The ZtStream rule format (docs/rules.md): one rule per YAML document — id, title, description, severity or score,
/// ATT&amp;CK techniques and tactics, tags, enabled, staged, a Sigma-grammar <c>detection</c> over ZtStream field names,
/// <c>exceptions</c>, an optional <c>aggregation</c>, and embedded <c>tests</c>. A document holding only <c>lists:</c>
/// (or <c>replace_lists:</c>) defines value lists for <c>|expand</c> placeholders; lists of the same name from several
/// files are concatenated, unless a later file replaces them.
/// </summary>
internal static partial class ZtStreamRuleReader
{
    private static readonly HashSet<string> RuleKeys = new(StringComparer.Ordinal)
    {
        "id", "title", "description", "severity", "score", "techniques", "tactics", "tags", "enabled", "staged", "detection",
        "exceptions", "aggregation", "tests", "author", "references", "status", "license",
    };

    private static readonly HashSet<string> AggregationKeys = new(StringComparer.Ordinal) { "function", "field", "group_by", "window", "threshold", "baseline" };
    private static readonly HashSet<string> BaselineKeys = new(StringComparer.Ordinal) { "days", "factor", "minimum", "maximum" };

    /// <summary>ATT&amp;CK Enterprise tactics (with ATT&amp;CK 18's stealth and defense-impairment).</summary>
    public static readonly IReadOnlySet<string> Tactics = new HashSet<string>(StringComparer.Ordinal)
    {
        "reconnaissance", "resource-development", "initial-access", "execution", "persistence", "privilege-escalation",
        "defense-evasion", "stealth", "defense-impairment", "credential-access", "discovery", "lateral-movement", "collection",
        "command-and-control", "exfiltration", "impact",
    };

    /// <summary>Key of a lists document whose lists are joined to earlier lists of the same name.</summary>
    public const string ListsKey = "lists";

    /// <summary>Key of a lists document whose lists replace earlier lists of the same name (site overrides of built-in lists).</summary>
    public const string ReplaceListsKey = "replace_lists";

    public static bool IsListDocument(YamlMappingNode doc) =>
        (RuleYaml.Get(doc, ListsKey) is not null || RuleYaml.Get(doc, ReplaceListsKey) is not null) && RuleYaml.Get(doc, "id") is null;

    /// <summary>
    /// Adds the lists a lists document defines: <c>lists:</c> joins values to a list of the same name loaded before,
    /// <c>replace_lists:</c> drops what was loaded before (files load in order: the built-in library first).
    /// </summary>
    public static void ReadLists(YamlMappingNode doc, Dictionary<string, List<string>> into)
    {
        foreach (var (k, v) in doc.Children)
        {
            var key = (k as YamlScalarNode)?.Value;
            if (key is not (ListsKey or ReplaceListsKey))
            {
                throw new RuleFormatException($"a lists document holds only '{ListsKey}' and '{ReplaceListsKey}' (found '{key}')", RuleYaml.Line(k));
            }

            if (v is not YamlMappingNode lists)
            {
                throw new RuleFormatException($"'{key}' must map list names to lists of values", RuleYaml.Line(v));
            }

            foreach (var (nameNode, _) in lists.Children)
            {
                var name = (nameNode as YamlScalarNode)?.Value ?? "";
                if (!ListName().IsMatch(name))
                {
                    throw new RuleFormatException($"list name '{name}' must be letters, digits, '_' or '-'", RuleYaml.Line(nameNode));
                }

                var values = RuleYaml.Strings(lists, name);
                if (key == ReplaceListsKey || !into.TryGetValue(name, out var list))
                {
                    into[name] = list = [];
                }

                list.AddRange(values);
            }
        }
    }

    public static Rule Read(YamlMappingNode doc, string file, IReadOnlyDictionary<string, IReadOnlyList<string>> lists)
    {
        foreach (var (k, _) in doc.Children)
        {
            RuleYaml.KnownKey(k, RuleKeys, "key", holder: "a rule");
        }

        var id = RuleYaml.Text(doc, "id") ?? throw new RuleFormatException("'id' is required", RuleYaml.Line(doc));
        if (!RuleId().IsMatch(id))
        {
            throw new RuleFormatException($"id '{id}' must be letters, digits, '.', '_' or '-'", RuleYaml.Line(RuleYaml.Get(doc, "id")!));
        }

        var title = RuleYaml.Text(doc, "title") ?? throw new RuleFormatException("'title' is required", RuleYaml.Line(doc));
        var severity = RuleYaml.Text(doc, "severity");
        int? score = null;
        if (RuleYaml.Text(doc, "score") is { } scoreText)
        {
            score = int.TryParse(scoreText, out var s) && s is >= 0 and <= 100
                ? s
                : throw new RuleFormatException($"'score' must be 0–100 (is '{scoreText}')", RuleYaml.Line(RuleYaml.Get(doc, "score")!));
        }

        if (severity is null && score is null)
        {
            throw new RuleFormatException($"'severity' ({string.Join(", ", RuleScores.Severities)}) or 'score' (0–100) is required", RuleYaml.Line(doc));
        }

        if (severity is not null && !RuleScores.Severities.Contains(severity))
        {
            throw new RuleFormatException($"'severity' must be one of {string.Join(", ", RuleScores.Severities)} (is '{severity}')", RuleYaml.Line(RuleYaml.Get(doc, "severity")!));
        }

        var techniques = RuleYaml.Strings(doc, "techniques");
        foreach (var t in techniques)
        {
            if (!Technique().IsMatch(t))
            {
                throw new RuleFormatException($"technique '{t}' is not an ATT&CK technique id (T1234 or T1234.001)", RuleYaml.Line(RuleYaml.Get(doc, "techniques")!));
            }
        }

        var tactics = RuleYaml.Strings(doc, "tactics");
        foreach (var t in tactics)
        {
            if (!Tactics.Contains(t))
            {
                throw new RuleFormatException($"tactic '{t}' is not an ATT&CK tactic ({string.Join(", ", Tactics)})", RuleYaml.Line(RuleYaml.Get(doc, "tactics")!));
            }
        }

        var compiler = new DetectionCompiler(FieldNames.Instance, lists, id);
        var detection = RuleYaml.Get(doc, "detection") as YamlMappingNode
            ?? throw new RuleFormatException("'detection' (selections and a condition) is required", RuleYaml.Line(doc));
        var exceptionsNode = RuleYaml.Get(doc, "exceptions");
        var matcher = new DetectionMatcher(
            compiler.CompileDetection(detection),
            RuleYaml.IsNull(exceptionsNode) ? null : compiler.CompileSelection(exceptionsNode!));

        return new Rule(id, title, RuleFormats.ZtStream, severity ?? RuleScores.SeverityOf(score!.Value), [.. techniques.Distinct(StringComparer.Ordinal)], [.. tactics.Distinct(StringComparer.Ordinal)],
            RuleYaml.Text(doc, "description"), new RuleOrigin(file, RuleYaml.Line(doc)), matcher)
        {
            Score = score,
            Tags = RuleYaml.Strings(doc, "tags"),
            Enabled = RuleYaml.Bool(doc, "enabled") ?? true,
            Staged = RuleYaml.Bool(doc, "staged") ?? false,
            Kinds = matcher.Kinds,
            Aggregation = RuleYaml.Get(doc, "aggregation") is { } agg && !RuleYaml.IsNull(agg) ? Aggregation(agg) : null,
            Tests = Tests(RuleYaml.Get(doc, "tests")),
            Author = RuleYaml.Text(doc, "author"),
            References = RuleYaml.Strings(doc, "references"),
            License = RuleYaml.Text(doc, "license"),
            Status = RuleYaml.Text(doc, "status"),
        };
    }

    private static RuleAggregation Aggregation(YamlNode node)
    {
        if (node is not YamlMappingNode map)
        {
            throw new RuleFormatException("'aggregation' must be a map (function, field, group_by, window, threshold)", RuleYaml.Line(node));
        }

        foreach (var (k, _) in map.Children)
        {
            RuleYaml.KnownKey(k, AggregationKeys, "aggregation key");
        }

        var function = RuleYaml.Text(map, "function") ?? RuleAggregation.Count;
        if (function is not (RuleAggregation.Count or RuleAggregation.DistinctCount))
        {
            throw new RuleFormatException($"aggregation function must be count or distinct_count (is '{function}')", RuleYaml.Line(map));
        }

        var fieldName = RuleYaml.Text(map, "field");
        if (function == RuleAggregation.DistinctCount && fieldName is null)
        {
            throw new RuleFormatException("distinct_count needs 'field' (the field whose distinct values are counted)", RuleYaml.Line(map));
        }

        if (function == RuleAggregation.Count && fieldName is not null)
        {
            throw new RuleFormatException("'field' belongs to distinct_count; count counts matching events", RuleYaml.Line(map));
        }

        var window = RuleYaml.Duration(map, "window") ?? throw new RuleFormatException("aggregation 'window' (e.g. 5m) is required", RuleYaml.Line(map));
        var thresholdText = RuleYaml.Text(map, "threshold") ?? throw new RuleFormatException("aggregation 'threshold' is required", RuleYaml.Line(map));
        if (!int.TryParse(thresholdText, out var threshold) || threshold < 1 || threshold > RuleLimits.MaxCount)
        {
            throw new RuleFormatException($"aggregation 'threshold' must be a whole number from 1 to {RuleLimits.MaxCount} (is '{thresholdText}')", RuleYaml.Line(map));
        }

        return new RuleAggregation(function, fieldName is null ? null : FieldNames.Instance.Resolve(fieldName),
            [.. RuleYaml.Strings(map, "group_by").Select(FieldNames.Instance.Resolve)], window, threshold)
        {
            Baseline = RuleYaml.Get(map, "baseline") is { } baseline && !RuleYaml.IsNull(baseline) ? Baseline(baseline, threshold) : null,
        };
    }

    /// <summary>An aggregation's <c>baseline</c>: days (7) and factor (3) optional, minimum and maximum required.</summary>
    private static RuleBaseline Baseline(YamlNode node, int threshold)
    {
        if (node is not YamlMappingNode map)
        {
            throw new RuleFormatException("aggregation 'baseline' must be a map (days, factor, minimum, maximum)", RuleYaml.Line(node));
        }

        foreach (var (k, _) in map.Children)
        {
            RuleYaml.KnownKey(k, BaselineKeys, "baseline key");
        }

        var days = Whole(map, "days", 1, RuleBaseline.MaxDays) ?? RuleBaseline.DefaultDays;
        var factorText = RuleYaml.Text(map, "factor");
        var factor = RuleBaseline.DefaultFactor;
        if (factorText is not null
            && (!double.TryParse(factorText, NumberStyles.Float, CultureInfo.InvariantCulture, out factor) || !(factor >= 1 && factor <= RuleBaseline.MaxFactor)))
        {
            throw new RuleFormatException($"baseline 'factor' must be a number from 1 to {RuleBaseline.MaxFactor} (is '{factorText}')", RuleYaml.Line(map));
        }

        var minimum = Whole(map, "minimum", 1, RuleLimits.MaxCount)
            ?? throw new RuleFormatException("baseline 'minimum' (the lowest threshold, however quiet a group) is required", RuleYaml.Line(map));
        var maximum = Whole(map, "maximum", 1, RuleLimits.MaxCount)
            ?? throw new RuleFormatException("baseline 'maximum' (the highest threshold, however busy a group) is required", RuleYaml.Line(map));
        if (minimum > threshold || maximum < threshold)
        {
            throw new RuleFormatException(
                $"baseline 'minimum' ({minimum}) and 'maximum' ({maximum}) must hold the aggregation's threshold ({threshold}), which a group without history is judged by",
                RuleYaml.Line(map));
        }

        return new RuleBaseline(days, factor, minimum, maximum);
    }

    private static int? Whole(YamlMappingNode map, string key, int min, int max)
    {
        var text = RuleYaml.Text(map, key);
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new RuleFormatException($"baseline '{key}' must be a whole number from {min} to {max} (is '{text}')", RuleYaml.Line(map));
    }

    internal static List<RuleTest> Tests(YamlNode? node)
    {
        if (RuleYaml.IsNull(node))
        {
            return [];
        }

        if (node is not YamlSequenceNode seq)
        {
            throw new RuleFormatException("'tests' must be a list", RuleYaml.Line(node!));
        }

        var tests = new List<RuleTest>();
        foreach (var item in seq.Children)
        {
            if (item is not YamlMappingNode t)
            {
                throw new RuleFormatException("a test must be a map (name, expect, and its input)", RuleYaml.Line(item));
            }

            var name = RuleYaml.Text(t, "name") ?? throw new RuleFormatException("a test needs a 'name'", RuleYaml.Line(t));
            var expect = RuleYaml.Text(t, "expect") switch
            {
                "match" => true,
                "no_match" => false,
                var other => throw new RuleFormatException($"test '{name}': 'expect' must be match or no_match (is '{other}')", RuleYaml.Line(t)),
            };
            var inputs = t.Children.Where(c => (c.Key as YamlScalarNode)?.Value is not ("name" or "expect")).ToList();
            if (inputs.Count != 1)
            {
                throw new RuleFormatException(
                    $"test '{name}' needs exactly one input: 'events' (canonical events) or a source's payload such as 'k8s_audit' or 'falco'", RuleYaml.Line(t));
            }

            var key = (inputs[0].Key as YamlScalarNode)?.Value
                ?? throw new RuleFormatException($"test '{name}': its input must be named by a value ('events' or a source such as 'k8s_audit')", RuleYaml.Line(inputs[0].Key));
            var format = key == RuleTestInput.Events ? RuleTestInput.Events : key.Replace('_', '-');
            var json = RuleYaml.ToJson(inputs[0].Value);
            tests.Add(new RuleTest(name, expect, new RuleTestInput(format, json), RuleYaml.Line(t)));
        }

        return tests;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex RuleId();

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex ListName();

    [GeneratedRegex("^T[0-9]{4}(\\.[0-9]{3})?$")]
    public static partial Regex Technique();
}
