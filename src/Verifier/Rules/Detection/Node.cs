namespace ZtStream.Verifier.Rules.Detection;

/// <summary>A compiled piece of a detection: a field item, a selection, or a condition operator.</summary>
internal abstract class Node
{
    /// <summary>Evaluates; when <paramref name="trace"/> is given, records the values that made it true.</summary>
    public abstract bool Eval(RuleEvent e, MatchTrace? trace);

    /// <summary>The event kinds this node can be true for; null when any.</summary>
    public virtual IReadOnlySet<string>? RequiredKinds() => null;
}
