namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>
/// An Identity Protection record whose risk Entra still holds. A detection is exported again each time its state
/// changes: once dismissed, remediated or confirmed safe it is the close of a detection already read, not a new one, so
/// a <c>riskdetection</c> rule does not match it again.
/// </summary>
internal sealed class HeldRisk : Node
{
    private const string RiskState = "idp.risk_state";

    public static HeldRisk Instance { get; } = new();

    public override bool Eval(RuleEvent e, MatchTrace? trace) =>
        EventAttributes.Text(e.Event.Attributes, RiskState) is not { } state
        || !(state.Equals("dismissed", StringComparison.OrdinalIgnoreCase)
            || state.Equals("remediated", StringComparison.OrdinalIgnoreCase)
            || state.Equals("confirmedSafe", StringComparison.OrdinalIgnoreCase));
}
