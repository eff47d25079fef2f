namespace ZtStream.Verifier.Rules;

/// <summary>
/// The last step of loading a set: each rule's final <see cref="Rule.Revision"/> and <see cref="Rule.RelativeFile"/>.
/// A rule's own revision (its document and the lists it uses, or a Falco rule with its macros and lists) is made where
/// it is read; here a Sigma rule's takes in the filters applied to it, and a correlation's the final revisions of the
/// rules it correlates (correlations of correlations in turn), since those decide what a match of it is.
/// </summary>
internal static class RuleProvenance
{
    public static List<Rule> Apply(List<Rule> rules, IEnumerable<RuleSource> sources, IReadOnlyDictionary<string, string> filterRevisions)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            names.TryAdd(source.Path, source.RelativePath);
        }

        var final = new Dictionary<string, string>(StringComparer.Ordinal);
        var result = new List<Rule>(rules.Count);
        foreach (var rule in rules)
        {
            result.Add(rule with
            {
                Revision = Revision(rule),
                RelativeFile = names.GetValueOrDefault(rule.Origin.File, rule.Origin.File),
            });
        }

        return result;

        string Revision(Rule rule)
        {
            if (final.TryGetValue(rule.Id, out var known))
            {
                return known;
            }

            var parts = new List<string> { rule.Revision };
            foreach (var filter in rule.Filters)
            {
                parts.Add("filter");
                parts.Add(filterRevisions.GetValueOrDefault(filter, filter));
            }

            // The linker refuses cycles, so the inputs' recursion ends.
            foreach (var input in rule.Correlation?.Inputs ?? [])
            {
                parts.Add("input");
                parts.Add(input.Reference);
                parts.Add(Revision(input.Rule));
            }

            return final[rule.Id] = parts.Count == 1 ? rule.Revision : RuleRevisions.Of(parts);
        }
    }
}
