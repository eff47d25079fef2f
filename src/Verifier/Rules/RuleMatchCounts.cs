using System.Collections.Concurrent;

namespace ZtStream.Verifier.Rules;

/// <summary>
/// How often each loaded rule matched, live or staged (<see cref="Rule.Mode"/>), since start: what the SOC reads to
/// decide whether a staged rule may be promoted. One count per rule and mode, only for rules in force — a reload forgets
/// the rules it removed — so the series stay as many as the rules. Shared by every engine of the instance.
/// </summary>
internal sealed class RuleMatchCounts
{
    private readonly ConcurrentDictionary<(string Rule, string Mode), StrongBox<long>> counts = new();

    /// <summary>One match of <paramref name="rule"/> in its present mode.</summary>
    public void Add(Rule rule)
    {
        var box = counts.GetOrAdd((rule.Id, rule.Mode), static _ => new StrongBox<long>());
        Interlocked.Increment(ref box.Value);
    }

    /// <summary>The count of <paramref name="rule"/> in <paramref name="mode"/>; 0 when it has not matched.</summary>
    public long Of(string rule, string mode) => counts.TryGetValue((rule, mode), out var box) ? Interlocked.Read(ref box.Value) : 0;

    /// <summary>Forgets the rules <paramref name="set"/> no longer holds; a promoted rule keeps its staged count beside its live one.</summary>
    public void KeepOnly(RuleSet set)
    {
        var loaded = new HashSet<string>(set.Rules.Select(r => r.Id), StringComparer.Ordinal);
        foreach (var key in counts.Keys)
        {
            if (!loaded.Contains(key.Rule))
            {
                counts.TryRemove(key, out _);
            }
        }
    }

    /// <summary>The counts as measurements labelled <c>rule</c> and <c>mode</c>.</summary>
    public IEnumerable<Measurement<long>> Measure()
    {
        foreach (var ((rule, mode), box) in counts)
        {
            yield return new Measurement<long>(
                Interlocked.Read(ref box.Value), new KeyValuePair<string, object?>("rule", rule), new KeyValuePair<string, object?>("mode", mode));
        }
    }
}
