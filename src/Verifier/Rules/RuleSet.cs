namespace ZtStream.Verifier.Rules;

/// <summary>
/// An immutable loaded rule set, indexed by event kind: an event evaluates only the enabled rules that can match its
/// kind (plus the rules that can match any kind; not the rules only a Sigma correlation uses), so events no rule is about pay one dictionary lookup.
/// Within a kind, rules that cannot match without an attribute are asked only of events that have it (<see cref="RuleCandidates"/>).
/// </summary>
internal sealed class RuleSet
{
    private readonly Dictionary<string, RuleCandidates> byKind;
    private readonly RuleCandidates anyKind;

    public RuleSet(IReadOnlyList<Rule> rules, long version = 0)
    {
        Rules = rules;
        Version = version;
        // A rule only a correlation uses raises nothing of its own: the correlation evaluates it.
        var enabled = rules.Where(r => r.Enabled && r.Generates).ToList();
        anyKind = RuleCandidates.Of([.. enabled.Where(r => r.Kinds.Count == 0)]);
        byKind = new Dictionary<string, RuleCandidates>(StringComparer.OrdinalIgnoreCase);
        foreach (var kind in enabled.SelectMany(r => r.Kinds).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            // Keep file order: rules for the kind and rules for any kind, as loaded.
            byKind[kind] = RuleCandidates.Of([.. enabled.Where(r => r.Kinds.Count == 0 || r.Kinds.Contains(kind, StringComparer.OrdinalIgnoreCase))]);
        }
    }

    public static RuleSet Empty { get; } = new([]);

    /// <summary>Every loaded rule, disabled ones included.</summary>
    public IReadOnlyList<Rule> Rules { get; }

    /// <summary>Counts reloads: a new set gets a higher version.</summary>
    public long Version { get; }

    /// <summary>The enabled rules an event of <paramref name="kind"/> evaluates.</summary>
    public RuleCandidates For(string kind) => byKind.TryGetValue(kind, out var rules) ? rules : anyKind;
}
