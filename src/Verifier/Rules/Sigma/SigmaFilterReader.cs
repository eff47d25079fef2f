namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>
/// A Sigma filter document as read, before the rules it names are known (they may be in any file of the set):
/// <see cref="SigmaFilterLinker"/> applies it.
/// </summary>
/// <param name="Id">The filter's <c>id</c>, else its <c>name</c>, else its file's name.</param>
/// <param name="Title">Its title.</param>
/// <param name="Origin">Where it was defined.</param>
/// <param name="Logsource">Its logsource (the detection part unused).</param>
/// <param name="References">The ids or names of the rules it applies to, with their lines; empty with <paramref name="Any"/>.</param>
/// <param name="Any"><c>rules: any</c>: every Sigma rule of its logsource.</param>
/// <param name="Detection">Its selections and <c>condition</c> (without <c>rules</c>), compiled per rule with that rule's fields.</param>
/// <param name="RulesLine">The line of <c>rules</c>.</param>
internal sealed record SigmaFilterDraft(
    string Id,
    string Title,
    RuleOrigin Origin,
    SigmaSource Logsource,
    IReadOnlyList<(string Reference, int Line)> References,
    bool Any,
    YamlMappingNode Detection,
    int RulesLine);

/// <summary>
/// Reads a Sigma filter (Sigma filters specification 2.0, and 2.2's <c>rules: any</c>): <c>title</c>, <c>id</c>,
/// <c>logsource</c>, <c>filter: {rules, selection…, condition}</c>, and the descriptive keys (description, author, date,
/// modified, references, name). A filter tunes rules without editing them, so it has no level or status; those and
/// any other key are errors, as are a missing or empty <c>rules</c>, a missing condition or selection.
/// </summary>
internal static class SigmaFilterReader
{
    private static readonly string[] Keys = ["title", "id", "name", "description", "author", "date", "modified", "references", "logsource", "filter"];

    public static bool IsFilter(YamlMappingNode doc) => RuleYaml.Get(doc, "filter") is not null;

    public static SigmaFilterDraft Read(YamlMappingNode doc, string file)
    {
        foreach (var (k, _) in doc.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? "";
            if (key is "detection" or "correlation")
            {
                throw new RuleFormatException($"a document is a rule ({key}) or a filter, not both: put the filter in a document of its own", RuleYaml.Line(k));
            }

            if (key is "level" or "status")
            {
                throw new RuleFormatException($"a filter has no '{key}': it excludes events from the rules it names, which keep their own", RuleYaml.Line(k));
            }

            RuleYaml.KnownKey(k, Keys, "filter key");
        }

        var title = RuleYaml.Text(doc, "title") ?? throw new RuleFormatException("a Sigma filter needs a 'title'", RuleYaml.Line(doc));
        var id = RuleYaml.Text(doc, "id") ?? RuleYaml.Text(doc, "name") ?? Path.GetFileNameWithoutExtension(file);
        var logsourceNode = RuleYaml.Get(doc, "logsource") switch
        {
            YamlMappingNode m => m,
            null => throw new RuleFormatException("a Sigma filter needs a 'logsource': the rules it applies to must be of it", RuleYaml.Line(doc)),
            var other => throw new RuleFormatException("'logsource' must be a map", RuleYaml.Line(other)),
        };
        var logsource = new SigmaSource(RuleYaml.Text(logsourceNode, "category"), RuleYaml.Text(logsourceNode, "product"), RuleYaml.Text(logsourceNode, "service"), new AllOf([]));
        if (logsource is { Category: null, Product: null, Service: null })
        {
            throw new RuleFormatException("the filter's 'logsource' must name its product, service or category", RuleYaml.Line(logsourceNode));
        }

        if (RuleYaml.Get(doc, "filter") is not YamlMappingNode filter)
        {
            throw new RuleFormatException("'filter' must be a map: rules, the selections and condition", RuleYaml.Line(RuleYaml.Get(doc, "filter")!));
        }

        var rulesNode = RuleYaml.Get(filter, "rules");
        var (references, any) = References(rulesNode, RuleYaml.Line(filter));
        var detection = new YamlMappingNode();
        foreach (var (k, v) in filter.Children)
        {
            if ((k as YamlScalarNode)?.Value != "rules")
            {
                detection.Add(k, v);
            }
        }

        if (RuleYaml.Get(detection, "condition") is null)
        {
            throw new RuleFormatException("the filter needs a 'condition' (e.g. selection): the events it excludes", RuleYaml.Line(filter));
        }

        if (detection.Children.Count < 2)
        {
            throw new RuleFormatException("the filter needs a selection beside its condition", RuleYaml.Line(filter));
        }

        return new SigmaFilterDraft(id, title, new RuleOrigin(file, RuleYaml.Line(doc)), logsource, references, any, detection, RuleYaml.Line(rulesNode!));
    }

    /// <summary>The rules named: a list of ids or names, one id or name, or <c>any</c>. None is an error (the schema's minItems 1).</summary>
    private static (List<(string Reference, int Line)>, bool Any) References(YamlNode? node, int line)
    {
        if (RuleYaml.IsNull(node))
        {
            throw new RuleFormatException("the filter needs 'rules': the ids or names of the rules it applies to, or 'any' for every rule of its logsource", line);
        }

        if (node is YamlScalarNode { Value: "any" })
        {
            return ([], true);
        }

        var references = SigmaCorrelationReader.References(node!, "'rules' must be a list of rule ids or names, or 'any'");
        return references.Count == 0
            ? throw new RuleFormatException("'rules' is empty: name the rules the filter applies to, or write 'any' for every rule of its logsource", RuleYaml.Line(node!))
            : (references, false);
    }
}
