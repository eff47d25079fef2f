namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>
/// Applies Sigma filters once every file of the set is read, before correlations are linked (so a correlation counts
/// only what its filtered rules still match): each rule a filter names (by <c>id</c> or <c>name</c>, or every Sigma
/// rule of its logsource for <c>rules: any</c>) gets the filter's condition ANDed as <c>not</c>, its selections read
/// through that rule's field mapping. A filter applies to Sigma rules of its logsource only: naming no loaded rule, a
/// correlation, a rule of another format or of another logsource, or fields that rule's logsource does not have is an
/// error naming the filter; the rules themselves still load.
/// </summary>
internal static class SigmaFilterLinker
{
    /// <param name="filters">The filters read, in load order.</param>
    /// <param name="rules">The rules loaded; those a filter applies to are replaced by their filtered copies.</param>
    /// <param name="correlations">The correlations read: a filter naming one is told so.</param>
    /// <param name="unloaded">Ids and names of rules that failed to load, with where.</param>
    /// <param name="lists">The value lists, for the filters' <c>expand</c> placeholders.</param>
    /// <param name="errors">Where errors go.</param>
    /// <param name="revisions">Each filter's revision by id (its document's): the lists its placeholders use are added here.</param>
    public static void Apply(IReadOnlyList<SigmaFilterDraft> filters, List<Rule> rules, IReadOnlyList<SigmaCorrelationDraft> correlations,
        IReadOnlyDictionary<string, string> unloaded, IReadOnlyDictionary<string, IReadOnlyList<string>> lists, List<RuleLoadError> errors,
        Dictionary<string, string> revisions)
    {
        if (filters.Count == 0)
        {
            return;
        }

        // Per rule index: the exclusions gathered, applied together at the end.
        var exclusions = new Dictionary<int, (List<Node> Nodes, List<string> Ids)>();
        foreach (var filter in filters)
        {
            try
            {
                var targets = filter.Any ? Every(filter, rules) : Named(filter, rules, correlations, unloaded);
                var used = new UsedLists(lists);
                var compiled = targets.Select(i => (Index: i, Node: Compile(filter, rules[i], used))).ToList();
                if (used.Used.Count > 0 && revisions.TryGetValue(filter.Id, out var document))
                {
                    // A list the filter expands decides what the filtered rules match, as a rule's own lists do: changing it
                    // is a new revision of each rule filtered. A filter without lists keeps its document's revision.
                    revisions[filter.Id] = RuleRevisions.Of([document, .. RuleRevisions.Lists(used.Used)]);
                }

                foreach (var (i, node) in compiled)
                {
                    if (!exclusions.TryGetValue(i, out var x))
                    {
                        exclusions[i] = x = ([], []);
                    }

                    x.Nodes.Add(node);
                    x.Ids.Add(filter.Id);
                }
            }
            catch (RuleFormatException ex)
            {
                errors.Add(new RuleLoadError(filter.Origin.File, ex.Line == 0 ? filter.Origin.Line : ex.Line, filter.Id, ex.Message));
            }
        }

        foreach (var (i, (nodes, ids)) in exclusions)
        {
            var rule = rules[i];
            var excluded = nodes.Count == 1 ? nodes[0] : new AnyOf([.. nodes]);
            rules[i] = rule with { Condition = new DetectionMatcher(rule.SigmaSource!.Detection, excluded), Filters = ids };
        }
    }

    private static List<int> Every(SigmaFilterDraft filter, List<Rule> rules)
    {
        var found = new List<int>();
        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i].SigmaSource is { } source && source.Within(filter.Logsource))
            {
                found.Add(i);
            }
        }

        return found.Count > 0
            ? found
            : throw new RuleFormatException($"applies to 'any' rule of its logsource ({filter.Logsource}), and no loaded Sigma rule is of it", filter.RulesLine);
    }

    private static List<int> Named(SigmaFilterDraft filter, List<Rule> rules, IReadOnlyList<SigmaCorrelationDraft> correlations, IReadOnlyDictionary<string, string> unloaded)
    {
        var found = new List<int>();
        foreach (var (reference, line) in filter.References)
        {
            var matches = new List<int>();
            for (var i = 0; i < rules.Count; i++)
            {
                if (rules[i].Id == reference || rules[i].Name == reference)
                {
                    matches.Add(i);
                }
            }

            if (matches.Count == 0)
            {
                throw new RuleFormatException(
                    correlations.Any(c => c.Header.Id == reference || c.Header.Name == reference)
                        ? $"references '{reference}', a correlation: a filter applies to Sigma rules of its logsource; filter the rules the correlation references"
                        : unloaded.TryGetValue(reference, out var where)
                            ? $"references '{reference}', a rule that did not load ({where}: its own error says why)"
                            : $"references '{reference}', but no loaded rule has that id or name", line);
            }

            if (matches.Count > 1)
            {
                throw new RuleFormatException($"references '{reference}', which names {matches.Count} rules ({string.Join(", ", matches.Select(i => rules[i].Origin))})", line);
            }

            var rule = rules[matches[0]];
            if (rule.SigmaSource is not { } source)
            {
                throw new RuleFormatException($"references '{reference}', a {rule.Format} rule: a filter applies to Sigma rules of its logsource", line);
            }

            if (!source.Within(filter.Logsource))
            {
                throw new RuleFormatException($"references '{reference}', whose logsource ({source}) is not the filter's ({filter.Logsource})", line);
            }

            if (!found.Contains(matches[0]))
            {
                found.Add(matches[0]);
            }
        }

        return found;
    }

    /// <summary>The filter's condition compiled with <paramref name="rule"/>'s field mapping.</summary>
    private static Node Compile(SigmaFilterDraft filter, Rule rule, IReadOnlyDictionary<string, IReadOnlyList<string>> lists)
    {
        try
        {
            return new DetectionCompiler(rule.Fields!, lists, rule.Id).CompileDetection(filter.Detection);
        }
        catch (RuleFormatException ex)
        {
            throw new RuleFormatException($"for rule '{rule.Id}' ({rule.SigmaSource}): {ex.Message}", ex.Line);
        }
    }
}
