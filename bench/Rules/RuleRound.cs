using ZtStream.Contracts.Events;
using ZtStream.Verifier.Rules;

namespace ZtStream.Benchmarks.Rules;

/// <summary>
/// One event through every rule of a set, taking turns over 16 instances of the event so that nothing cached for one
/// operation's event serves the next. One operation = one event through all the rules.
/// </summary>
internal sealed class RuleRound(IReadOnlyList<Rule> rules, AccessEvent e)
{
    private readonly Rule[] rules = [.. rules];
    private readonly RuleEvent[] events = [.. Enumerable.Range(0, 16).Select(_ => new RuleEvent(e))];
    private int next;

    /// <summary>How many rules match the next instance.</summary>
    public int MatchNext()
    {
        var e = events[next++ & 15];
        var matched = 0;
        foreach (var rule in rules)
        {
            if (rule.Condition.Matches(e))
            {
                matched++;
            }
        }

        return matched;
    }
}
