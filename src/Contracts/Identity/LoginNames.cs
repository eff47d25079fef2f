using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace ZtStream.Contracts.Identity;

/// <summary>
/// A login name its provider compares without regard to case (an Okta login, an Entra ID user principal name, a Keycloak
/// username, an Auth0 user name or e-mail address, an e-mail address a Shared Signals transmitter names a user by) in the one
/// form ZtStream keys its principal by, so however a record writes it — as the user typed it, as the directory stored it,
/// composed or decomposed, in fullwidth forms — it is one principal. The form is RFC 8265's UsernameCaseMapped profile
/// (§3.3.3): fullwidth and halfwidth characters mapped to their decomposition, Unicode <c>toLowerCase</c> (the
/// unconditional full mapping of U+0130 and the final sigma included), then NFC, repeated until stable (RFC 8264 §7); the
/// width mapping and NFC come from <see cref="UnicodeTables"/>, since ZtStream runs with InvariantGlobalization (and an
/// application's process may too). Ingest keys principals by it and the SDK matches a whole-user revocation by it, so both
/// fold a login the same way.
/// The profile's refusals (spaces, symbols, unassigned code points) are not applied: a record is evidence of what was
/// tried, and a name the provider logged keys its principal whatever it holds.
/// Opaque ids (Okta's <c>00u…</c>, Auth0's <c>auth0|…</c>, Entra object ids) and Kubernetes user names, which the API
/// server compares case-sensitively, never come here.
/// </summary>
public static class LoginNames
{
    private const char CapitalDottedI = '\u0130';
    private const char CapitalSigma = '\u03A3';
    private const char SmallSigma = '\u03C3';
    private const char FinalSigma = '\u03C2';
    private const char CombiningDotAbove = '\u0307';

    /// <summary>The one form ZtStream keys a principal by for login <paramref name="name"/>; null for null.</summary>
    /// <param name="name">A login name as a record or a token's claim writes it.</param>
    /// <returns>The name width-mapped, lower-cased and in NFC.</returns>
    [return: NotNullIfNotNull(nameof(name))]
    public static string? Fold(string? name)
    {
        if (name is null)
        {
            return null;
        }

        // Nearly every login is ASCII: width mapping and NFC leave it as it is.
        if (Ascii.IsValid(name))
        {
            return name.ToLowerInvariant();
        }

        // The three mappings are not idempotent together for every string (a width mapping may yield a character whose
        // lower case NFC composes again); RFC 8264 §7 applies them until the result is stable.
        var folded = name;
        for (var round = 0; round < 4; round++)
        {
            var next = Map(folded);
            if (string.Equals(next, folded, StringComparison.Ordinal))
            {
                break;
            }

            folded = next;
        }

        return folded;
    }

    private static string Map(string name)
    {
        var codePoints = new List<int>(name.Length);
        for (var i = 0; i < name.Length; i++)
        {
            // A lone surrogate is kept as the code unit it is: the name is evidence, not text to repair.
            var codePoint = char.IsHighSurrogate(name[i]) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1])
                ? char.ConvertToUtf32(name[i], name[++i])
                : name[i];

            // Width Mapping Rule: a fullwidth or halfwidth character is its <wide> or <narrow> decomposition.
            codePoints.Add(UnicodeTables.Width(codePoint));
        }

        // Case Mapping Rule: Unicode toLowerCase.
        var lower = new List<int>(codePoints.Count + 2);
        for (var i = 0; i < codePoints.Count; i++)
        {
            var codePoint = codePoints[i];
            if (codePoint == CapitalDottedI)
            {
                // Its one unconditional full mapping (SpecialCasing.txt): i and a combining dot above.
                lower.Add('i');
                lower.Add(CombiningDotAbove);
            }
            else if (codePoint == CapitalSigma)
            {
                lower.Add(IsFinal(codePoints, i) ? FinalSigma : SmallSigma);
            }
            else
            {
                lower.Add(Rune.IsValid(codePoint) ? Rune.ToLowerInvariant(new Rune(codePoint)).Value : codePoint);
            }
        }

        // Normalization Rule: NFC.
        var text = new StringBuilder(name.Length + 4);
        foreach (var codePoint in UnicodeTables.Nfc(lower))
        {
            if (Rune.IsValid(codePoint))
            {
                text.Append(new Rune(codePoint));
            }
            else
            {
                text.Append((char)codePoint);
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// Unicode's Final_Sigma condition: a cased letter before the sigma and none after it, case-ignorable characters (a
    /// combining accent, an apostrophe) skipped either way.
    /// </summary>
    private static bool IsFinal(List<int> codePoints, int at)
    {
        var before = false;
        for (var i = at - 1; i >= 0; i--)
        {
            if (!IsCaseIgnorable(codePoints[i]))
            {
                before = IsCased(codePoints[i]);
                break;
            }
        }

        if (!before)
        {
            return false;
        }

        for (var i = at + 1; i < codePoints.Count; i++)
        {
            if (!IsCaseIgnorable(codePoints[i]))
            {
                return !IsCased(codePoints[i]);
            }
        }

        return true;
    }

    private static bool IsCased(int codePoint) => Category(codePoint)
        is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter;

    private static bool IsCaseIgnorable(int codePoint) => codePoint is '\'' or '.' or ':' or '\u00B7' or '\u2019'
        || Category(codePoint) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format
            or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol;

    private static UnicodeCategory Category(int codePoint) =>
        Rune.IsValid(codePoint) ? Rune.GetUnicodeCategory(new Rune(codePoint)) : UnicodeCategory.Surrogate;
}
