namespace ZtStream.Verifier.Rules;

/// <summary>
/// One rule a reload changed, by id: <c>added</c>, <c>changed</c> (another revision), <c>removed</c>, <c>disabled</c> or
/// <c>enabled</c>, <c>correlated_only</c> (it now only feeds a Sigma correlation: <c>generate: false</c> or a new
/// correlation referencing it, so it raises nothing of its own), <c>staged</c> (its matches stop acting) or <c>promoted</c>
/// (from staged to live: what a SOC does once the rule proved itself). A rule whose revision changed as it was turned off
/// or on, or staged or promoted, is two changes. Removed, disabled and correlated-only are what shrink detection: the
/// reloader warns about each and counts them.
/// </summary>
internal sealed record RuleChange(string Kind, Rule? Before, Rule? After)
{
    public const string Added = "added";
    public const string Changed = "changed";
    public const string Removed = "removed";
    public const string Disabled = "disabled";
    public const string Enabled = "enabled";
    public const string CorrelatedOnly = "correlated_only";
    public const string Staged = "staged";
    public const string Promoted = "promoted";

    /// <summary>The rule the change is about: as it is now, or as it was when it is gone.</summary>
    public Rule Rule => After ?? Before!;

    /// <summary>Every change from <paramref name="before"/> to <paramref name="after"/>: removed rules in their old order, then the rest in the new.</summary>
    public static List<RuleChange> Between(IReadOnlyList<Rule> before, IReadOnlyList<Rule> after)
    {
        var old = new Dictionary<string, Rule>(StringComparer.Ordinal);
        foreach (var rule in before)
        {
            old.TryAdd(rule.Id, rule);
        }

        var now = new HashSet<string>(after.Select(r => r.Id), StringComparer.Ordinal);
        var changes = before.Where(r => !now.Contains(r.Id)).Select(r => new RuleChange(Removed, r, null)).ToList();
        foreach (var rule in after)
        {
            if (!old.TryGetValue(rule.Id, out var was))
            {
                changes.Add(new RuleChange(Added, null, rule));
                continue;
            }

            if (!string.Equals(was.Revision, rule.Revision, StringComparison.Ordinal))
            {
                changes.Add(new RuleChange(Changed, was, rule));
            }

            if (was.Enabled != rule.Enabled)
            {
                changes.Add(new RuleChange(rule.Enabled ? Enabled : Disabled, was, rule));
            }
            else if (rule.Enabled && was.Generates && !rule.Generates)
            {
                // Still loaded and enabled, but it raises nothing of its own any more: detection shrank as if it were disabled.
                changes.Add(new RuleChange(CorrelatedOnly, was, rule));
            }

            if (was.Staged != rule.Staged)
            {
                changes.Add(new RuleChange(rule.Staged ? Staged : Promoted, was, rule));
            }
        }

        return changes;
    }
}
