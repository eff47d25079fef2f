namespace ZtStream.Verifier.Attack;

/// <summary>
/// Reads ATT&amp;CK ids out of the tags rule authors attach: Falco's <c>T1059</c> / <c>mitre_execution</c>, also
/// <c>attack.t1059.004</c> / <c>attack.execution</c> as Sigma writes them.
/// </summary>
internal static class AttackTags
{
    /// <summary>
    /// <c>T1059</c>, <c>t1059.004</c>, <c>attack.t1059</c> → the canonical id (<c>T1059</c>, <c>T1059.004</c>); null for any
    /// other tag.
    /// </summary>
    public static string? Technique(string tag)
    {
        var s = tag.AsSpan().Trim();
        if (s.StartsWith("attack.", StringComparison.OrdinalIgnoreCase))
        {
            s = s[7..];
        }

        return IsTechnique(s) ? string.Concat("T", s[1..].ToString().ToUpperInvariant()) : null;
    }

    /// <summary><c>mitre_privilege_escalation</c>, <c>attack.privilege_escalation</c> → <c>privilege-escalation</c>; null otherwise.</summary>
    public static string? Tactic(string tag)
    {
        var s = tag.AsSpan().Trim();
        if (s.StartsWith("mitre_", StringComparison.OrdinalIgnoreCase))
        {
            s = s[6..];
        }
        else if (s.StartsWith("attack.", StringComparison.OrdinalIgnoreCase))
        {
            s = s[7..];
        }
        else
        {
            return null;
        }

        var name = s.ToString().ToLowerInvariant().Replace('_', '-');
        return TacticNames.Contains(name) ? name : null;
    }

    /// <summary>Whether <paramref name="id"/> has the shape of a technique id: T and four digits, optionally a dot and three.</summary>
    public static bool IsTechnique(ReadOnlySpan<char> id) =>
        id.Length is 5 or 9
        && (id[0] is 'T' or 't')
        && char.IsAsciiDigit(id[1]) && char.IsAsciiDigit(id[2]) && char.IsAsciiDigit(id[3]) && char.IsAsciiDigit(id[4])
        && (id.Length == 5 || (id[5] == '.' && char.IsAsciiDigit(id[6]) && char.IsAsciiDigit(id[7]) && char.IsAsciiDigit(id[8])));

    /// <summary>
    /// The Enterprise tactics' short names (TA0001 … TA0043), with <c>stealth</c> and <c>defense-impairment</c>, the two
    /// tactics ATT&amp;CK v18 split Defense Evasion into, since rule sets already use both generations.
    /// </summary>
    public static readonly IReadOnlySet<string> TacticNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "reconnaissance", "resource-development", "initial-access", "execution", "persistence", "privilege-escalation",
        "defense-evasion", "stealth", "defense-impairment", "credential-access", "discovery", "lateral-movement", "collection",
        "command-and-control", "exfiltration", "impact",
    };
}
