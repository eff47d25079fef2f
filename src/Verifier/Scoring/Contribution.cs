namespace ZtStream.Verifier.Scoring;

/// <summary>
/// One detector's finding on one event: a score contribution 0–100, its explanation, and the ATT&amp;CK techniques (and
/// tactics) it is evidence of. Every detector — built-in or a loaded rule — reports its techniques here, and only here;
/// the alert's reasons and its technique union are made from them.
/// </summary>
/// <remarks>
/// It holds what <see cref="AlertReason"/> holds, but as a value: detectors add findings to one list the engine reuses
/// for every event, and <see cref="Of"/> is a copy on the stack, so a finding costs only its text. An
/// <see cref="AlertReason"/>, the public contract (a class, read back from stored alerts), is made from it only when an
/// alert keeps it (<c>AlertBook</c>).
/// </remarks>
internal readonly record struct Contribution(string Detector, string Rule, int Score, string Text)
{
    /// <summary>ATT&amp;CK technique ids such as <c>T1609</c> or <c>T1552.007</c>; empty by default.</summary>
    public IReadOnlyList<string> Techniques { get => field ?? []; init; }

    /// <summary>ATT&amp;CK tactic short names such as <c>execution</c>; empty by default.</summary>
    public IReadOnlyList<string> Tactics { get => field ?? []; init; }

    /// <summary>The rule files' credits of a rule's finding (<see cref="Rules.Rule.Credits"/>); empty for the built-in detectors.</summary>
    public IReadOnlyList<AlertRuleCredit> Credits { get => field ?? []; init; }

    /// <summary>A rule's finding: the rule's revision (<see cref="Rules.Rule.Revision"/>); null for the built-in detectors.</summary>
    public string? RuleRevision { get; init; }

    /// <summary>A rule's finding: the file it came from, relative to its configured path; null for the built-in detectors.</summary>
    public string? RuleFile { get; init; }

    /// <summary>This finding, evidence of <paramref name="attack"/>'s techniques and tactics.</summary>
    public Contribution Of(AttackMapping attack) => this with { Techniques = attack.Techniques, Tactics = attack.Tactics };
}
