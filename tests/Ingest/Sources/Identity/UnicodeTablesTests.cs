namespace ZtStream.Ingest.Tests.Sources.Identity;

/// <summary>
/// NFC without the platform's ICU (the process runs with InvariantGlobalization, where string.Normalize changes nothing):
/// the cases UAX #15 is careful about, each checked against Python's unicodedata.normalize("NFC", …).
/// </summary>
public sealed class UnicodeTablesTests
{
    [Theory]
    // Canonical ordering before composition: the dot below (220) goes before the acute (230), then composes with e.
    [InlineData("e\u0301\u0323", "\u1EB9\u0301")]
    // Hangul jamo compose by arithmetic (L V T); an LV T syllable does not take another trailing consonant.
    [InlineData("\u1100\u1161\u11A8", "\uAC01")]
    [InlineData("\uD55C\u11A8", "\uD55C\u11A8")]
    // A composition exclusion stays decomposed; a singleton (the Angstrom sign) becomes its canonical equivalent.
    [InlineData("\u0958", "\u0915\u093C")]
    [InlineData("\u212B", "\u00C5")]
    // Two marks composing one after the other, and a mark that is blocked by another of its own class.
    [InlineData("A\u030A\u0301", "\u01FA")]
    [InlineData("o\u031B\u0323", "\u1EE3")]
    [InlineData("a\u0328\u0301", "\u0105\u0301")]
    // A non-starter decomposition is never recomposed.
    [InlineData("\u0344", "\u0308\u0301")]
    public void Nfc_ComposesAsUax15Says(string text, string expected)
    {
        var codePoints = new List<int>();
        foreach (var rune in text.EnumerateRunes())
        {
            codePoints.Add(rune.Value);
        }

        var composed = string.Concat(UnicodeTables.Nfc(codePoints).Select(c => new Rune(c).ToString()));

        Assert.Equal(expected, composed);
    }
}
