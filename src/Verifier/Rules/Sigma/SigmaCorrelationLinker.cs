namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>
/// Links Sigma correlations to the rules they reference, once every file of the set is read: a reference is a rule's
/// <c>id</c> or its <c>name</c> (a Sigma rule's or a correlation's), in any document or file. Group-by names (through
/// the correlation's aliases) and value_count's field resolve through each referenced rule's own field mapping.
/// Rules a correlation references raise nothing of their own unless it says <c>generate: true</c>. An unknown or
/// ambiguous reference, a cycle, a chain deeper than <see cref="RuleLimits.MaxCorrelationChain"/>, an alias with no
/// field for a rule, or a reference to a rule that cannot be correlated is an error naming the correlation.
/// </summary>
internal static class SigmaCorrelationLinker
{
    /// <param name="drafts">The correlations read.</param>
    /// <param name="rules">The rules loaded; those only correlations use are replaced by copies that raise nothing.</param>
    /// <param name="unloaded">Ids and names of rules that failed to load, with where: a reference to one says so.</param>
    /// <param name="errors">Where errors go.</param>
    /// <param name="add">Adds a linked correlation to the set.</param>
    public static void Link(IReadOnlyList<SigmaCorrelationDraft> drafts, List<Rule> rules, IReadOnlyDictionary<string, string> unloaded, List<RuleLoadError> errors, Action<Rule> add)
    {
        if (drafts.Count == 0)
        {
            return;
        }

        var linker = new Linking(drafts, rules, unloaded, errors);
        foreach (var draft in drafts)
        {
            linker.Resolve(draft, []);
        }

        // Referenced without generate: evaluated for the correlation only (the specification's default).
        var quiet = new HashSet<string>(StringComparer.Ordinal);
        var loud = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (draft, rule) in linker.Linked)
        {
            if (rule is null)
            {
                continue;
            }

            foreach (var input in rule.Correlation!.Inputs)
            {
                (draft.Generate ? loud : quiet).Add(input.Rule.Id);
            }
        }

        for (var i = 0; i < rules.Count; i++)
        {
            if (quiet.Contains(rules[i].Id) && !loud.Contains(rules[i].Id))
            {
                rules[i] = rules[i] with { Generates = false };
            }
        }

        foreach (var draft in drafts)
        {
            if (linker.Linked[draft] is { } rule)
            {
                add(quiet.Contains(rule.Id) && !loud.Contains(rule.Id) ? rule with { Generates = false } : rule);
            }
        }
    }

    private sealed class Linking(IReadOnlyList<SigmaCorrelationDraft> drafts, List<Rule> rules, IReadOnlyDictionary<string, string> unloaded, List<RuleLoadError> errors)
    {
        private readonly Dictionary<string, List<object>> byId = Index(rules, drafts, r => r.Id, d => d.Header.Id);
        private readonly Dictionary<string, List<object>> byName = Index(rules, drafts, r => r.Name, d => d.Header.Name);

        private readonly Dictionary<string, int> depths = new(StringComparer.Ordinal);

        public Dictionary<SigmaCorrelationDraft, Rule?> Linked { get; } = new(ReferenceEqualityComparer.Instance);

        public Rule? Resolve(SigmaCorrelationDraft draft, List<SigmaCorrelationDraft> chain)
        {
            if (Linked.TryGetValue(draft, out var done))
            {
                return done;
            }

            if (chain.Exists(d => ReferenceEquals(d, draft)))
            {
                return Fail(draft, draft.Line, $"correlations reference each other in a cycle: {string.Join(" → ", chain.SkipWhile(d => !ReferenceEquals(d, draft)).Append(draft).Select(d => d.Header.Id))}");
            }

            if (chain.Count >= RuleLimits.MaxCorrelationChain)
            {
                return Fail(draft, draft.Line, $"correlations referencing correlations nest deeper than {RuleLimits.MaxCorrelationChain} levels");
            }

            chain.Add(draft);
            try
            {
                var rule = Link(draft, chain);
                Linked[draft] = rule;
                return rule;
            }
            catch (RuleFormatException ex)
            {
                return Fail(draft, ex.Line == 0 ? draft.Line : ex.Line, ex.Message);
            }
            finally
            {
                chain.RemoveAt(chain.Count - 1);
            }
        }

        private Rule? Link(SigmaCorrelationDraft draft, List<SigmaCorrelationDraft> chain)
        {
            var inputs = new List<CorrelationInput>();
            foreach (var (reference, line) in draft.References)
            {
                var target = Find(reference, line);
                var rule = target switch
                {
                    SigmaCorrelationDraft inner => Resolve(inner, chain)
                        ?? throw new RuleFormatException($"references correlation '{reference}', which did not load", line),
                    Rule r => r,
                    _ => throw new System.Diagnostics.UnreachableException(),
                };

                var fields = rule.Fields ?? (rule.Format == RuleFormats.ZtStream ? FieldNames.Instance : null)
                    ?? throw new RuleFormatException($"references '{reference}', a {rule.Format} rule: a correlation references Sigma and ZtStream rules", line);
                if (rule.Aggregation is not null)
                {
                    throw new RuleFormatException($"references '{reference}', a rule with its own aggregation: correlate its single events with a rule without one", line);
                }

                var groupBy = draft.GroupBy.Select(g => ResolveField(fields, FieldOf(draft, g, reference, rule), line)).ToList();
                var field = draft.Field is null ? null : ResolveField(fields, FieldOf(draft, draft.Field, reference, rule), line);
                inputs.Add(new CorrelationInput(reference, rule, groupBy, field));
            }

            // Evaluated recursively for every event: however the files order the chain, its depth is bounded.
            var depth = 1 + inputs.Max(i => i.Rule.Correlation is null ? 0 : depths.GetValueOrDefault(i.Rule.Id));
            if (depth > RuleLimits.MaxCorrelationChain)
            {
                throw new RuleFormatException($"correlations referencing correlations nest deeper than {RuleLimits.MaxCorrelationChain} levels", draft.Line);
            }

            depths[draft.Header.Id] = depth;
            var counting = new RuleAggregation(
                draft.Type is CorrelationTypes.ValueCount or CorrelationTypes.Temporal ? RuleAggregation.DistinctCount : RuleAggregation.Count,
                null, [], draft.Timespan, draft.Minimum)
            {
                Maximum = draft.Maximum,
                Excluded = draft.Excluded,
                Definition = string.Join(';', draft.Type, string.Join(',', draft.References.Select(r => r.Reference)),
                    string.Join(',', inputs.SelectMany(i => i.GroupBy.Select(g => g.Text))), string.Join(',', inputs.Select(i => i.Field?.Text))),
            };

            // Indexed by the kinds of the rules it correlates; a rule of any kind makes it one of any kind.
            IReadOnlyList<string> kinds = inputs.Exists(i => i.Rule.Kinds.Count == 0)
                ? []
                : [.. inputs.SelectMany(i => i.Rule.Kinds).Distinct(StringComparer.OrdinalIgnoreCase)];
            return draft.Header with
            {
                Condition = new CorrelationMatcher(inputs),
                Correlation = new RuleCorrelation(draft.Type, inputs, draft.GroupBy, draft.Field, counting, draft.Metric),
                Kinds = kinds,
                Fields = inputs[0].Rule.Fields ?? FieldNames.Instance,
            };
        }

        /// <summary>A group-by or field name for one referenced rule: the alias's field for it, else the name itself.</summary>
        private static string FieldOf(SigmaCorrelationDraft draft, string name, string reference, Rule rule)
        {
            if (!draft.Aliases.TryGetValue(name, out var byRule))
            {
                return name;
            }

            foreach (var key in (string?[])[reference, rule.Name, rule.Id])
            {
                if (key is not null && byRule.TryGetValue(key, out var field))
                {
                    return field;
                }
            }

            throw new RuleFormatException($"alias '{name}' gives no field for rule '{reference}'", draft.AliasesLine);
        }

        private static FieldPath ResolveField(IFieldResolver fields, string name, int line)
        {
            try
            {
                return fields.Resolve(name);
            }
            catch (RuleFormatException ex)
            {
                throw new RuleFormatException(ex.Message, ex.Line == 0 ? line : ex.Line);
            }
        }

        private object Find(string reference, int line)
        {
            var found = byId.GetValueOrDefault(reference) ?? byName.GetValueOrDefault(reference)
                ?? throw new RuleFormatException(unloaded.TryGetValue(reference, out var where)
                    ? $"references '{reference}', a rule that did not load ({where}: its own error says why)"
                    : $"references '{reference}', but no loaded rule has that id or name", line);
            return found.Count == 1
                ? found[0]
                : throw new RuleFormatException($"references '{reference}', which names {found.Count} rules ({string.Join(", ", found.Select(Where))})", line);
        }

        private static string Where(object o) => o switch
        {
            Rule r => r.Origin.ToString(),
            SigmaCorrelationDraft d => d.Header.Origin.ToString(),
            _ => "",
        };

        private Rule? Fail(SigmaCorrelationDraft draft, int line, string reason)
        {
            if (Linked.ContainsKey(draft))
            {
                // Already failed deeper in its own cycle: one error says why.
                return null;
            }

            errors.Add(new RuleLoadError(draft.Header.Origin.File, line, draft.Header.Id, reason));
            Linked[draft] = null;
            return null;
        }

        private static Dictionary<string, List<object>> Index(List<Rule> rules, IReadOnlyList<SigmaCorrelationDraft> drafts, Func<Rule, string?> ruleKey, Func<SigmaCorrelationDraft, string?> draftKey)
        {
            var index = new Dictionary<string, List<object>>(StringComparer.Ordinal);
            foreach (var (key, item) in rules.Select(r => (ruleKey(r), (object)r)).Concat(drafts.Select(d => (draftKey(d), (object)d))))
            {
                if (key is null)
                {
                    continue;
                }

                if (!index.TryGetValue(key, out var list))
                {
                    index[key] = list = [];
                }

                list.Add(item);
            }

            return index;
        }
    }
}
