namespace ZtStream.Verifier.Rules;

/// <summary>
/// <c>Verifier:Rules:Staged</c>: which loaded rules run staged, by id or <c>*</c> pattern. A pattern that matches no
/// loaded rule is a load error, not a no-op: the rule it was meant for would otherwise be live and able to act.
/// </summary>
internal static class RuleStaging
{
    /// <summary>The entries' own problems (empty, blank around, a control character), one line each naming <c>Section:Staged:N</c>.</summary>
    public static void Check(string key, IReadOnlyList<string> patterns, List<string> problems)
    {
        for (var i = 0; i < patterns.Count; i++)
        {
            var p = patterns[i];
            if (string.IsNullOrWhiteSpace(p))
            {
                problems.Add($"{key}:{i} is empty: give a rule id or a pattern such as 'sigma-*'");
            }
            else if (p.Trim().Length != p.Length)
            {
                problems.Add($"{key}:{i} '{p}' begins or ends with white space, which no rule id does");
            }
            else if (p.Any(char.IsControl))
            {
                problems.Add($"{key}:{i} holds a control character, which no rule id does");
            }
        }
    }

    /// <summary>
    /// The rules with <see cref="Rule.Staged"/> set where a pattern names them (a rule staged by its own file stays
    /// staged), and an error for each pattern that names no rule.
    /// </summary>
    public static IReadOnlyList<Rule> Apply(IReadOnlyList<Rule> rules, IReadOnlyList<string> patterns, List<RuleLoadError> errors)
    {
        if (patterns.Count == 0)
        {
            return rules;
        }

        var used = new bool[patterns.Count];
        var result = new List<Rule>(rules.Count);
        foreach (var rule in rules)
        {
            var staged = rule.Staged;
            for (var i = 0; i < patterns.Count; i++)
            {
                if (Glob.IsMatch(patterns[i], rule.Id))
                {
                    used[i] = true;
                    staged = true;
                }
            }

            result.Add(staged == rule.Staged ? rule : rule with { Staged = true });
        }

        for (var i = 0; i < patterns.Count; i++)
        {
            if (!used[i])
            {
                errors.Add(new RuleLoadError("Verifier:Rules:Staged", i, null, $"'{patterns[i]}' names no loaded rule (a rule it was meant to stage would run live)"));
            }
        }

        return result;
    }
}
