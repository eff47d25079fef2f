namespace ZtStream.Contracts.Alerts;

/// <summary>
/// Who a detection rule behind a reason is owed to, as its rule file gave it: the rule's id and title, its author(s),
/// its licence and its references. Rule sets shared under the Detection Rule License (SigmaHQ's) ask that messages
/// based on their matches keep the rule's author; every alert made from a rule therefore carries this, for each rule
/// that contributed (a correlation's own, then the rules it correlates).
/// </summary>
/// <param name="Id">The rule's id (a Sigma rule's <c>id</c>, a Falco rule's name, a ZtStream rule's <c>id</c>).</param>
/// <param name="Title">The rule's title.</param>
public sealed record AlertRuleCredit(string Id, string Title)
{
    /// <summary>The rule's <c>author</c> as written (a Falco file's copyright holder); null when the rule names none.</summary>
    public string? Author { get; init; }

    /// <summary>
    /// The licence the rule is shared under: the rule's own <c>license</c>, else its file's header, else the licence file
    /// of its set (an SPDX id such as <c>DRL-1.1</c> or <c>Apache-2.0</c> when recognised); null when none is declared.
    /// </summary>
    public string? License { get; init; }

    /// <summary>Where the licence's text is, when it is a licence ZtStream recognises.</summary>
    public string? LicenseUrl { get; init; }

    /// <summary>The rule's <c>references</c> (URLs), as written; empty when it gives none.</summary>
    public IReadOnlyList<string> References { get => field ?? []; init; }
}
