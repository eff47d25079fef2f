namespace ZtStream.Verifier.Rules;

/// <summary>The rule set in force; swapped whole on reload, read once per event, so an event never sees half a reload.</summary>
internal sealed class RuleSetHolder(RuleSet initial)
{
    private RuleSet current = initial;

    public RuleSet Current => Volatile.Read(ref current);

    /// <summary>Each rule's matches, live and staged, for every engine reading this holder.</summary>
    public RuleMatchCounts Matches { get; } = new();

    public void Swap(RuleSet next)
    {
        Volatile.Write(ref current, next);
        Matches.KeepOnly(next);
    }
}
