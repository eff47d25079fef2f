namespace ZtStream.Verifier.Rules.Detection;

/// <summary><c>not</c>: the values under a negation explain nothing, so none are recorded.</summary>
internal sealed class NotNode(Node child) : Node
{
    public override bool Eval(RuleEvent e, MatchTrace? trace) => !child.Eval(e, null);
}
