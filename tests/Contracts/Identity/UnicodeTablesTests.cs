namespace ZtStream.Contracts.Tests.Identity;

/// <summary>
/// NFC without the platform's ICU (the process runs with InvariantGlobalization, where string.Normalize changes nothing):
/// the cases UAX #15 is careful about, each checked against Python's unicodedata.normalize("NFC", …), and lines of the
/// Unicode 15.0 conformance file NormalizationTest.txt that name marks new in 15.0.
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

    [Theory]
    // NormalizationTest-15.0.0.txt, columns 1 and 2 (source, NFC). Each mark is new in 15.0 and is not a starter: ARABIC
    // SMALL LOW WORD SAKTA U+10EFD (class 220), KAWI SIGN KILLER U+11F41 (9), COMBINING CYRILLIC SMALL LETTER
    // BYELORUSSIAN-UKRAINIAN I U+1E08F (230), NAG MUNDARI SIGN MUHOR U+1E4EC (232). Tables that did not know them (14.0)
    // read each as a starter, so the marks around it are neither reordered nor composed across it.
    [InlineData("0061 059A 0316 1DFA 10EFD 0062", "0061 1DFA 0316 10EFD 059A 0062")]
    [InlineData("0061 05B0 094D 3099 11F41 0062", "0061 3099 094D 11F41 05B0 0062")]
    [InlineData("0061 0315 0300 05AE 1E08F 0062", "00E0 05AE 1E08F 0315 0062")]
    [InlineData("0061 1E08F 0315 0300 05AE 0062", "0061 05AE 1E08F 0300 0315 0062")]
    [InlineData("0061 035C 0315 0300 1E4EC 0062", "00E0 0315 1E4EC 035C 0062")]
    public void Nfc_MarksNewInUnicode15_AreOrderedByTheirClass(string source, string nfc)
    {
        var codePoints = source.Split(' ').Select(hex => Convert.ToInt32(hex, 16)).ToList();

        var composed = UnicodeTables.Nfc(codePoints);

        Assert.Equal(nfc, string.Join(' ', composed.Select(c => c.ToString("X4", CultureInfo.InvariantCulture))));
    }
}
