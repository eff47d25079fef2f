namespace ZtStream.Verifier.Rules.Detection;

/// <summary>
/// Compiles Sigma's detection grammar — the one grammar of both Sigma files and ZtStream rule files: named selections
/// (a map is AND of its fields, a list of maps is OR, a list of values is OR unless <c>|all</c>, plain values are
/// keywords), field modifiers, and the <c>condition</c>. Field names go through the format's
/// <see cref="IFieldResolver"/>. Every construct it cannot honour is an error naming it, never ignored.
/// </summary>
internal sealed partial class DetectionCompiler(IFieldResolver fields, IReadOnlyDictionary<string, IReadOnlyList<string>>? lists = null, string? rule = null)
{
    private static readonly string[] TimeParts = ["minute", "hour", "day", "week", "month", "year"];
    private static readonly string[] Comparisons = ["gt", "gte", "lt", "lte"];

    // List items of every selection this compiler has compiled (one rule's detection and exceptions).
    private int selectionItems;

    /// <summary>Compiles a <c>detection:</c> map (selections plus <c>condition</c>).</summary>
    public Node CompileDetection(YamlMappingNode detection)
    {
        var selections = new Dictionary<string, Node>(StringComparer.Ordinal);
        YamlNode? condition = null;
        foreach (var (k, v) in detection.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? throw new RuleFormatException("a selection name must be a value", RuleYaml.Line(k));
            if (name == "condition")
            {
                condition = v;
                continue;
            }

            if (name == "timeframe")
            {
                throw new RuleFormatException("'timeframe' belongs to Sigma's deprecated aggregations and is not supported", RuleYaml.Line(k));
            }

            selections[name] = WithLine(() => CompileSelection(v), v);
        }

        if (selections.Count == 0)
        {
            throw new RuleFormatException("the detection has no selection", RuleYaml.Line(detection));
        }

        if (RuleYaml.IsNull(condition))
        {
            throw new RuleFormatException("the detection has no 'condition'", RuleYaml.Line(detection));
        }

        return WithLine(() => condition switch
        {
            YamlScalarNode s => Condition.Parse(s.Value ?? "", selections),
            // A list of conditions: any of them (Sigma 1).
            YamlSequenceNode seq => new AnyOf([.. seq.Children.Select(c => c is YamlScalarNode cs ? Condition.Parse(cs.Value ?? "", selections) : throw new RuleFormatException("a condition must be text", RuleYaml.Line(c)))]),
            _ => throw new RuleFormatException("'condition' must be text"),
        }, condition!);
    }

    /// <summary>Compiles one selection: a map, a list of maps, or keywords.</summary>
    public Node CompileSelection(YamlNode node) => CompileSelection(node, 0);

    private Node CompileSelection(YamlNode node, int depth)
    {
        if (depth > RuleLimits.MaxConditionDepth)
        {
            // Lists of lists: each level is a recursion here and when the event is matched.
            throw new RuleFormatException($"the selection nests lists deeper than {RuleLimits.MaxConditionDepth} levels", RuleYaml.Line(node));
        }

        switch (node)
        {
            case YamlMappingNode map:
                var items = new List<Node>();
                foreach (var (k, v) in map.Children)
                {
                    var key = (k as YamlScalarNode)?.Value ?? throw new RuleFormatException("a field name must be a value", RuleYaml.Line(k));
                    items.Add(WithLine(() => CompileItem(key, v), k));
                }

                return items.Count switch
                {
                    0 => throw new RuleFormatException("empty selection", RuleYaml.Line(map)),
                    1 => items[0],
                    _ => new AllOf([.. items]),
                };
            case YamlSequenceNode seq:
                if (seq.Children.Count == 0)
                {
                    throw new RuleFormatException("empty selection", RuleYaml.Line(seq));
                }

                // YAML aliases of lists of aliases multiply: ten lines can name a billion items, each compiled here.
                selectionItems += seq.Children.Count;
                if (selectionItems > RuleLimits.MaxExpandedValues)
                {
                    throw new RuleFormatException(
                        $"the selections hold more than {RuleLimits.MaxExpandedValues} list items (a YAML alias counts each time it is used)", RuleYaml.Line(seq));
                }

                if (seq.Children.All(c => c is YamlScalarNode))
                {
                    return Keywords([], seq);
                }

                return new AnyOf([.. seq.Children.Select(c => WithLine(() => CompileSelection(c, depth + 1), c))]);
            case YamlScalarNode when !RuleYaml.IsNull(node):
                return Keywords([], node);
            default:
                throw new RuleFormatException("a selection must be a map of fields, a list of maps, or keywords", RuleYaml.Line(node));
        }
    }

    private Node CompileItem(string key, YamlNode value)
    {
        var parts = key.Split('|');
        var field = parts[0];
        var modifiers = parts.Skip(1).ToList();
        if (field.Length == 0)
        {
            return Keywords(modifiers, value);
        }

        var path = fields.Resolve(field);
        var values = Values(value);
        var m = Modifiers.Parse(modifiers, key);
        RefuseYaml11Readings(value, key, m);
        if (TypeProblem(path, m) is { } problem)
        {
            throw new RuleFormatException($"'{key}': {problem}");
        }
        if (m.Exists)
        {
            if (values is not [{ } flag] || !bool.TryParse(flag, out var want))
            {
                throw new RuleFormatException($"'{key}': exists takes true or false");
            }

            return new FieldItem(path, [], all: false, matchMissing: false, exists: want, negate: false);
        }

        var matchMissing = values.Contains(null) && !m.Negate;
        var tests = Transform(values.Where(v => v is not null).Select(v => v!).ToList(), m, key)
            .Select(v => Test(v, m, key)).ToList();
        if (values.Contains(null))
        {
            tests.Add(NullTest.Instance);
        }

        if (m.All && tests.Count < 2)
        {
            // One value: 'all' changes nothing (Sigma discourages it; it is harmless here).
            m = m with { All = false };
        }

        return new FieldItem(path, [.. tests], m.All, matchMissing, exists: null, negate: m.Negate);
    }

    private Node Keywords(List<string> modifiers, YamlNode value)
    {
        var values = Values(value);
        if (values.Contains(null))
        {
            throw new RuleFormatException("a keyword cannot be null");
        }

        var m = Modifiers.Parse(modifiers, "|" + string.Join('|', modifiers));
        if (m.Exists || m.Negate || m.FieldRef || m.Comparison is not null || m.TimePart is not null || m.Cidr || m.Covers)
        {
            throw new RuleFormatException("keywords take only string modifiers (all, contains, startswith, endswith, cased, re, windash, base64, base64offset, utf16*, expand)");
        }

        RefuseYaml11Readings(value, "keywords", m);

        // A keyword is found anywhere inside a value unless anchored otherwise.
        if (!m.StartsWith && !m.EndsWith && !m.Regex)
        {
            m = m with { Contains = true };
        }

        var tests = Transform([.. values.Select(v => v!)], m, "keywords").Select(v => Test(v, m, "keywords")).ToArray();
        return new KeywordItem(tests, m.All);
    }

    private static List<string?> Values(YamlNode value)
    {
        switch (value)
        {
            case YamlSequenceNode seq:
                if (seq.Children.Count == 0)
                {
                    throw new RuleFormatException("an empty list of values matches nothing", RuleYaml.Line(seq));
                }

                return [.. seq.Children.Select(c => c is YamlScalarNode s
                    ? RuleYaml.IsNull(s) ? null : s.Value
                    : throw new RuleFormatException("a value must be a single value, not a map or list", RuleYaml.Line(c)))];
            case YamlScalarNode s:
                return [RuleYaml.IsNull(s) ? null : s.Value];
            default:
                throw new RuleFormatException("a field's value must be a value or a list of values, not a map", RuleYaml.Line(value));
        }
    }

    /// <summary>
    /// Refuses a plain value that YAML 1.1 reads otherwise than as the text it is here (<see cref="RuleYaml.Yaml11Reading"/>):
    /// pySigma would match <c>Enabled: yes</c> as the boolean true and <c>Flags: 017</c> as the number 15, ZtStream the
    /// texts <c>yes</c> and <c>017</c>. Either guess would give a rule written for the other a different verdict without a
    /// word, so the author says which is meant: quoted for the text, or the value as JSON writes it. A comparison
    /// (<c>gt</c> …) reads its value as a number already; only a different number, or none, is refused there.
    /// </summary>
    private static void RefuseYaml11Readings(YamlNode value, string key, Modifiers m)
    {
        if (m.Exists)
        {
            return;
        }

        IEnumerable<YamlNode> items = value is YamlSequenceNode seq ? seq.Children : [value];
        foreach (var item in items)
        {
            if (item is not YamlScalarNode s || RuleYaml.Yaml11Reading(s) is not { } other)
            {
                continue;
            }

            if ((m.Comparison is not null || m.TimePart is not null)
                && double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n.Equals(other.Number))
            {
                continue;
            }

            var write = other.Spelling is { } spelling ? $", or write {spelling} for {other.Description}" : "";
            throw new RuleFormatException(
                $"'{key}': the unquoted value {s.Value} is {other.Description} in YAML 1.1 (PyYAML, with which pySigma loads rules) but the text '{s.Value}' here: quote it ('{s.Value}') for the text{write}",
                RuleYaml.Line(s));
        }
    }

    private List<string> Transform(List<string> values, Modifiers m, string key)
    {
        if (m.Expand)
        {
            var expanded = new List<string>();
            foreach (var v in values)
            {
                expanded.AddRange(Expand(v, key));
                if (expanded.Count > RuleLimits.MaxExpandedValues)
                {
                    throw new RuleFormatException($"'{key}': expanding the placeholders gives more than {RuleLimits.MaxExpandedValues} values");
                }
            }

            values = expanded;
        }

        if (m.WinDash)
        {
            values = [.. values.SelectMany(WinDash)];
        }

        if (m.Encoding is not null && m.Base64 is null)
        {
            throw new RuleFormatException($"'{key}': {m.Encoding} without base64 or base64offset yields bytes a JSON field cannot hold");
        }

        if (m.Base64 is { } b64)
        {
            var encoding = m.Encoding switch
            {
                "utf16le" or "wide" => (Encoding)new UnicodeEncoding(bigEndian: false, byteOrderMark: false),
                "utf16be" => new UnicodeEncoding(bigEndian: true, byteOrderMark: false),
                "utf16" => new UnicodeEncoding(bigEndian: false, byteOrderMark: true),
                _ => new UTF8Encoding(false),
            };
            values = [.. values.SelectMany(v => b64 == "base64" ? [Base64(encoding, v)] : Base64Offsets(encoding, v))];
        }

        return values;
    }

    /// <summary>
    /// Why <paramref name="m"/> can never match <paramref name="path"/>'s values, when it is a canonical field whose type
    /// ZtStream knows; null otherwise. Sigma's numeric modifiers (gt, gte, lt, lte) "can only be applied to numeric values"
    /// and its time modifiers (minute … year) "only to date values" (Sigma modifiers appendix 2.1): on text a comparison
    /// never holds (or holds for text that happens to read as a number), and a time part of a number or of text that is no
    /// date is never taken. A path into JSON holds what each event brings, so it is not judged here.
    /// </summary>
    private static string? TypeProblem(FieldPath path, Modifiers m) => path.CanonicalType switch
    {
        CanonicalValue.Text when m.TimePart is not null =>
            $"{m.TimePart} takes a part of a date and '{path.Text}' is text, never a date: the rule could never match",
        CanonicalValue.Number when m.TimePart is not null =>
            $"{m.TimePart} takes a part of a date and '{path.Text}' is a number, never a date: the rule could never match",
        CanonicalValue.Text when m.Comparison is not null =>
            $"{m.Comparison} compares numbers and '{path.Text}' is text: compare a numeric field (status, bytes, network.dst_port, schema), or match the text",
        CanonicalValue.Time when m.Comparison is not null && m.TimePart is null =>
            $"{m.Comparison} compares numbers and '{path.Text}' is a date: compare a part of it ('{path.Text}|hour|{m.Comparison}: 22')",
        _ => null,
    };

    private ILeafTest Test(string value, Modifiers m, string key)
    {
        if (m.Regex)
        {
            return RegexTest.Compile(value, m.RegexIgnoreCase, m.RegexMultiline, m.RegexSingleline, rule);
        }

        if (m.Cidr)
        {
            return CidrTest.Compile(value);
        }

        if (m.Covers)
        {
            return CoversTest.Compile(value, m.Cased, key);
        }

        if (m.FieldRef)
        {
            return new FieldRefTest(fields.Resolve(value), m.Cased);
        }

        if (m.Comparison is not null || m.TimePart is not null)
        {
            return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
                ? new NumberTest(m.Comparison ?? "eq", n, m.TimePart)
                : throw new RuleFormatException($"'{key}': '{value}' is not a number");
        }

        // base64offset variants are fragments: they are found inside the value.
        var inside = m.Contains || m.Base64 == "base64offset";
        return TextPattern.Compile(value, m.Cased, wildStart: inside || m.EndsWith, wildEnd: inside || m.StartsWith);
    }

    /// <summary>
    /// Every value with each <c>%name%</c> placeholder replaced by each item of its list. <c>\%</c> is a plain percent
    /// sign (Sigma: <c>\%plain%name%</c> is <c>%plain</c> then a placeholder); <c>\\</c> stays an escaped backslash for
    /// the wildcard rules. An item is inserted as it is, never searched for placeholders again: a list whose item names
    /// the list itself would otherwise never end.
    /// </summary>
    private List<string> Expand(string value, string key)
    {
        var results = new List<string> { "" };
        var plain = new StringBuilder();
        var i = 0;
        while (i < value.Length)
        {
            var c = value[i];
            if (c == '\\' && i + 1 < value.Length && value[i + 1] is '%' or '\\')
            {
                // The backslash goes when it escapes a percent sign; one escaping a backslash is the pattern's.
                plain.Append(value[i + 1] == '%' ? "%" : "\\\\");
                i += 2;
                continue;
            }

            var end = c == '%' ? value.IndexOf('%', i + 1) : -1;
            if (end < 0)
            {
                plain.Append(c);
                i++;
                continue;
            }

            var name = value[(i + 1)..end];
            if (lists is null || !lists.TryGetValue(name, out var items))
            {
                throw new RuleFormatException($"'{key}': placeholder %{name}% names no list (define it under 'lists:' in a ZtStream rule file; write a plain percent sign as \\%)");
            }

            if ((long)results.Count * items.Count > RuleLimits.MaxExpandedValues)
            {
                throw new RuleFormatException($"'{key}': expanding the placeholders gives more than {RuleLimits.MaxExpandedValues} values");
            }

            var prefix = plain.ToString();
            plain.Clear();
            results = [.. results.SelectMany(r => items.Select(item => string.Concat(r, prefix, item)))];
            i = end + 1;
        }

        return [.. results.Select(r => string.Concat(r, plain.ToString()))];
    }

    /// <summary>
    /// Every variant of a command line with each flag dash written as any of the Windows dashes (<c>-</c>, <c>/</c>, en
    /// dash, em dash, horizontal bar). A flag dash is where pySigma's <c>SigmaWindowsDashModifier</c> finds one,
    /// <c>\B[-/]\b</c>: not after a word character and before one — so <c>"-enc</c> and <c>(-w</c> vary, the hyphen of
    /// <c>a-b</c> and a dash before a space do not. A rule written for a pySigma backend thus matches the same command
    /// lines here. The three other dashes count as flag dashes too, as the modifiers appendix (2.1.0) has all five
    /// "converted interchangeably".
    /// </summary>
    private static IEnumerable<string> WinDash(string value)
    {
        const string dashes = "-/\u2013\u2014\u2015";
        var positions = FlagDash().Matches(value).Select(m => m.Index).ToList();
        if (positions.Count > 5)
        {
            throw new RuleFormatException($"windash: '{value}' has more than 5 flags ({Math.Pow(5, positions.Count)} variants)");
        }

        IEnumerable<string> result = [value];
        foreach (var p in positions)
        {
            result = result.SelectMany(v => dashes.Select(d => string.Concat(v.AsSpan(0, p), d.ToString(), v.AsSpan(p + 1))));
        }

        return result.Distinct(StringComparer.Ordinal);
    }

    [GeneratedRegex(@"\B[-/\u2013\u2014\u2015]\b", RegexOptions.CultureInvariant)]
    private static partial Regex FlagDash();

    private static string Base64(Encoding encoding, string value) =>
        Convert.ToBase64String([.. encoding.GetPreamble(), .. encoding.GetBytes(value)]);

    /// <summary>The three shifted encodings of a value found inside a longer base64 text (pySigma's base64offset).</summary>
    private static IEnumerable<string> Base64Offsets(Encoding encoding, string value)
    {
        byte[] bytes = [.. encoding.GetPreamble(), .. encoding.GetBytes(value)];
        int[] starts = [0, 2, 3];
        int[] ends = [0, -3, -2];
        for (var i = 0; i < 3; i++)
        {
            var shifted = new byte[i + bytes.Length];
            Array.Fill(shifted, (byte)' ', 0, i);
            bytes.CopyTo(shifted, i);
            var encoded = Convert.ToBase64String(shifted);
            var end = ends[(bytes.Length + i) % 3];
            var stop = end == 0 ? encoded.Length : encoded.Length + end;
            if (stop > starts[i])
            {
                yield return encoded[starts[i]..stop];
            }
        }
    }

    private static T WithLine<T>(Func<T> compile, YamlNode node)
    {
        try
        {
            return compile();
        }
        catch (RuleFormatException ex) when (ex.Line == 0)
        {
            throw new RuleFormatException(ex.Message, RuleYaml.Line(node));
        }
    }

    /// <summary>The modifiers of one field, checked for combinations that make no sense.</summary>
    private sealed record Modifiers
    {
        public bool All { get; init; }

        public bool Contains { get; init; }

        public bool StartsWith { get; init; }

        public bool EndsWith { get; init; }

        public bool Exists { get; init; }

        public bool Cased { get; init; }

        public bool Negate { get; init; }

        public bool Regex { get; init; }

        public bool RegexIgnoreCase { get; init; }

        public bool RegexMultiline { get; init; }

        public bool RegexSingleline { get; init; }

        public bool Cidr { get; init; }

        public bool Covers { get; init; }

        public bool WinDash { get; init; }

        public bool Expand { get; init; }

        public bool FieldRef { get; init; }

        public string? Encoding { get; init; }

        public string? Base64 { get; init; }

        public string? Comparison { get; init; }

        public string? TimePart { get; init; }

        public static Modifiers Parse(List<string> names, string key)
        {
            var m = new Modifiers();
            foreach (var raw in names)
            {
                var name = raw.ToLowerInvariant();
                m = name switch
                {
                    "all" => m with { All = true },
                    "contains" => m with { Contains = true },
                    "startswith" => m with { StartsWith = true },
                    "endswith" => m with { EndsWith = true },
                    "exists" => m with { Exists = true },
                    "cased" => m with { Cased = true },
                    "neq" => m with { Negate = true },
                    "re" => m with { Regex = true },
                    "i" when m.Regex => m with { RegexIgnoreCase = true },
                    "m" when m.Regex => m with { RegexMultiline = true },
                    "s" when m.Regex => m with { RegexSingleline = true },
                    "cidr" => m with { Cidr = true },
                    "covers" => m with { Covers = true },
                    "windash" => m with { WinDash = true },
                    "expand" => m with { Expand = true },
                    "fieldref" => m with { FieldRef = true },
                    "base64" or "base64offset" => m with { Base64 = name },
                    "utf16le" or "utf16be" or "utf16" or "wide" => m with { Encoding = name },
                    _ when Comparisons.Contains(name) => m with { Comparison = name },
                    _ when TimeParts.Contains(name) => m with { TimePart = name },
                    _ => throw new RuleFormatException($"'{key}': unknown modifier '{raw}'"),
                };
            }

            var anchored = m.Contains || m.StartsWith || m.EndsWith;
            if ((m.Regex || m.Cidr || m.Comparison is not null || m.TimePart is not null || m.Exists) && anchored)
            {
                throw new RuleFormatException($"'{key}': contains, startswith and endswith do not combine with re, cidr, exists or numeric modifiers");
            }

            // The appendix lets fieldref combine with neq alone (cased is ours); any other modifier would be dropped when
            // the referenced field's value is compared, so 'fieldref|contains' would silently mean equality.
            if (m.FieldRef && (anchored || m.Regex || m.Cidr || m.Comparison is not null || m.TimePart is not null || m.Base64 is not null
                || m.Encoding is not null || m.WinDash || m.Expand || m.Exists))
            {
                throw new RuleFormatException($"'{key}': fieldref combines only with neq, cased and all");
            }

            if (m.Exists && names.Count > 1)
            {
                throw new RuleFormatException($"'{key}': exists takes no other modifier");
            }

            if (m.Regex && (m.Base64 is not null || m.WinDash || m.Cidr))
            {
                throw new RuleFormatException($"'{key}': re does not combine with base64, windash or cidr");
            }

            // covers reads a range in the field's value: any other test of the value would be dropped, not combined.
            if (m.Covers && (anchored || m.Regex || m.Cidr || m.Comparison is not null || m.TimePart is not null || m.Base64 is not null
                || m.Encoding is not null || m.WinDash || m.FieldRef || m.Exists))
            {
                throw new RuleFormatException($"'{key}': covers combines only with all, neq, cased and expand");
            }

            return m;
        }
    }
}
