namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>
/// Loads a Sigma rule unchanged (SigmaHQ rules specification 2.0): title, id, status, description, author, references,
/// level → severity (informational scores 10), tags <c>attack.tNNNN[.NNN]</c> → techniques and <c>attack.&lt;tactic&gt;</c>
/// → tactics (other tags kept), the detection through the shared grammar, fields through the logsource's mapping,
/// embedded <c>tests:</c> as in a ZtStream rule (a key Sigma leaves to its users).
/// Correlation documents are read by <see cref="SigmaCorrelationReader"/>, filters by <see cref="SigmaFilterReader"/>; rule collections (<c>action:</c>) and
/// logsources without a mapping are errors naming them.
/// </summary>
internal static class SigmaRuleReader
{
    /// <summary>A Sigma rule is recognised by its shape: a logsource and a detection (or a correlation, or a filter).</summary>
    public static bool LooksLikeSigma(YamlMappingNode doc) =>
        (RuleYaml.Get(doc, "logsource") is not null && (RuleYaml.Get(doc, "detection") ?? RuleYaml.Get(doc, "filter")) is not null)
        || RuleYaml.Get(doc, "correlation") is not null
        || (RuleYaml.Get(doc, "action") is YamlScalarNode { Value: "global" or "reset" or "repeat" });

    public static Rule Read(YamlMappingNode doc, string file, IReadOnlyDictionary<string, IReadOnlyList<string>> lists)
    {
        if (RuleYaml.Get(doc, "action") is { } action)
        {
            throw new RuleFormatException($"Sigma rule collections ('action: {(action as YamlScalarNode)?.Value}') are not supported: write one rule per document", RuleYaml.Line(action));
        }

        Title(doc);
        var logsourceNode = RuleYaml.Get(doc, "logsource") as YamlMappingNode ?? throw new RuleFormatException("'logsource' must be a map", RuleYaml.Line(doc));
        var product = RuleYaml.Text(logsourceNode, "product");
        var service = RuleYaml.Text(logsourceNode, "service");
        var category = RuleYaml.Text(logsourceNode, "category");
        var logsource = SigmaLogsources.Find(category, product, service) ?? throw new RuleFormatException(
            $"logsource (category: {category ?? "-"}, product: {product ?? "-"}, service: {service ?? "-"}) has no field mapping; supported: "
            + string.Join("; ", SigmaLogsources.All.Select(l => l.ToString()).Distinct(StringComparer.Ordinal)),
            RuleYaml.Line(logsourceNode));

        var detection = RuleYaml.Get(doc, "detection") as YamlMappingNode ?? throw new RuleFormatException("'detection' must be a map", RuleYaml.Line(doc));
        var scoped = logsource.Scope(new DetectionCompiler(logsource.Fields, lists, RuleId(doc, file)).CompileDetection(detection));
        return Header(doc, file, new DetectionMatcher(scoped, null)) with
        {
            Kinds = logsource.Kinds,
            Fields = logsource.Fields,
            Tests = ZtStreamRuleReader.Tests(RuleYaml.Get(doc, "tests")),
            SigmaSource = new SigmaSource(category, logsource.Product, service, scoped),
        };
    }

    /// <summary>The rule's id: its <c>id</c>, else its <c>name</c>, else the file's name.</summary>
    public static string RuleId(YamlMappingNode doc, string file) =>
        RuleYaml.Text(doc, "id") ?? RuleYaml.Text(doc, "name") ?? Path.GetFileNameWithoutExtension(file);

    /// <summary>
    /// What a Sigma rule and a Sigma correlation share: title, id (else name, else the file's name), level, tags,
    /// status, author, references, name.
    /// </summary>
    public static Rule Header(YamlMappingNode doc, string file, IRuleMatcher condition)
    {
        var title = Title(doc);
        var id = RuleId(doc, file);
        var (severity, score) = RuleYaml.Text(doc, "level") switch
        {
            null => (Severities.Medium, (int?)null),
            "informational" => (Severities.Low, 10),
            var l when RuleScores.Severities.Contains(l) => (l, null),
            var l => throw new RuleFormatException($"level '{l}' is not a Sigma level (informational, low, medium, high, critical)", RuleYaml.Line(RuleYaml.Get(doc, "level")!)),
        };

        var techniques = new List<string>();
        var tactics = new List<string>();
        var tags = new List<string>();
        foreach (var tag in RuleYaml.Strings(doc, "tags"))
        {
            if (tag.StartsWith("attack.", StringComparison.OrdinalIgnoreCase))
            {
                var rest = tag["attack.".Length..];
                var upper = rest.ToUpperInvariant();
                if (ZtStreamRuleReader.Technique().IsMatch(upper))
                {
                    techniques.Add(upper);
                    continue;
                }

                if (ZtStreamRuleReader.Tactics.Contains(rest.Replace('_', '-').ToLowerInvariant()))
                {
                    tactics.Add(rest.Replace('_', '-').ToLowerInvariant());
                    continue;
                }
            }

            tags.Add(tag);
        }

        return new Rule(id, title, RuleFormats.Sigma, severity, [.. techniques.Distinct(StringComparer.Ordinal)], [.. tactics.Distinct(StringComparer.Ordinal)],
            RuleYaml.Text(doc, "description"), new RuleOrigin(file, RuleYaml.Line(doc)), condition)
        {
            Score = score,
            Tags = tags,
            Status = RuleYaml.Text(doc, "status"),
            Author = RuleYaml.Text(doc, "author"),
            References = RuleYaml.Strings(doc, "references"),
            License = RuleYaml.Text(doc, "license"),
            Enabled = RuleYaml.Text(doc, "status") is not ("deprecated" or "unsupported"),
            Name = RuleYaml.Text(doc, "name"),
        };
    }

    private static string Title(YamlMappingNode doc) =>
        RuleYaml.Text(doc, "title") ?? throw new RuleFormatException("a Sigma rule needs a 'title'", RuleYaml.Line(doc));
}
