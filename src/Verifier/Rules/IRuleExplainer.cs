namespace ZtStream.Verifier.Rules;

/// <summary>
/// A condition that can say what it matched, in words, for the alert's reason (Falco rules render their
/// <c>output</c>). Conditions without it are explained by the rule's title and the event's resource.
/// </summary>
internal interface IRuleExplainer
{
    string Explain(RuleEvent e);
}
