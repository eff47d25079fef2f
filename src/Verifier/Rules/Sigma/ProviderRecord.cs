namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>
/// True for an event of one of <paramref name="kinds"/> mapped from <paramref name="idp"/>'s own record (its
/// <c>idp.name</c>) that still carries that record. The kinds are checked here too, not only by the rule set's index,
/// so every path that evaluates a rule (embedded tests, explanations) confines it alike.
/// </summary>
internal sealed class ProviderRecord(string idp, IReadOnlyList<string> kinds) : Node
{
    // An array: searching the list through its interface would allocate an enumerator per event and rule.
    private readonly string[] kindsArray = [.. kinds];

    public override bool Eval(RuleEvent e, MatchTrace? trace) =>
        Array.IndexOf(kindsArray, e.Event.Kind) >= 0 && IdentityProviderEvents.IsFrom(e, idp);

    public override IReadOnlySet<string>? RequiredKinds() => new HashSet<string>(kindsArray, StringComparer.Ordinal);
}
