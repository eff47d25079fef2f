namespace ZtStream.Verifier.Rules.Detection;

/// <summary>A compiled piece of a detection: a field item, a selection, or a condition operator.</summary>
internal abstract class Node
{
    /// <summary>Evaluates; when <paramref name="trace"/> is given, records the values that made it true.</summary>
    public abstract bool Eval(RuleEvent e, MatchTrace? trace);

    /// <summary>The event kinds this node can be true for; null when any.</summary>
    public virtual IReadOnlySet<string>? RequiredKinds() => null;

    /// <summary>
    /// An attribute path this node cannot be true without (it must exist on the event); null when none is known. Only
    /// ever a path whose absence makes the node false, so a rule set may skip the node's rule for an event without it.
    /// </summary>
    public virtual FieldPath? RequiredAttribute() => null;
}
