namespace ZtStream.Contracts.Tests.Identity;

/// <summary>
/// The one form of a case-insensitive login (RFC 8265 UsernameCaseMapped: width mapping, toLowerCase, NFC): every way a
/// provider's record may spell one user gives the same principal, and the form is stable when applied again.
/// </summary>
public sealed class LoginNamesTests
{
    [Theory]
    // Decomposed (NFD, as macOS writes typed text) and composed, in either case.
    [InlineData("Ze\u0301lie.Martin@example.com", "z\u00e9lie.martin@example.com")]
    [InlineData("ZE\u0301LIE.MARTIN@EXAMPLE.COM", "z\u00e9lie.martin@example.com")]
    // Fullwidth Latin letters and digits, as an East Asian input method writes them.
    [InlineData("\uff24\uff41\uff4e\uff41\uff12@example.com", "dana2@example.com")]
    // Halfwidth katakana with its voiced sound mark: mapped, then composed into one character.
    [InlineData("\uff76\uff9e\uff70\uff84\uff9e@example.jp", "\u30ac\u30fc\u30c9@example.jp")]
    // The Kelvin sign and the Angstrom sign, which look like K and Å.
    [InlineData("\u212Aatrin@example.com", "katrin@example.com")]
    [InlineData("\u212Bsa@example.com", "\u00e5sa@example.com")]
    // toLowerCase, not simple case mapping: İ is i and a combining dot; a final capital sigma is ς.
    [InlineData("\u0130lker@example.com", "i\u0307lker@example.com")]
    [InlineData("\u039F\u0394\u03A5\u03A3\u03A3\u0395\u03A5\u03A3@example.gr", "\u03BF\u03B4\u03C5\u03C3\u03C3\u03B5\u03C5\u03C2@example.gr")]
    public void Fold_EverySpellingOfALogin_IsItsOneForm(string written, string expected)
    {
        var folded = LoginNames.Fold(written);

        Assert.Equal(expected, folded);
        Assert.Equal(folded, LoginNames.Fold(folded));
    }

    [Fact]
    public void Fold_OneUserWrittenFiveWays_IsOnePrincipal()
    {
        string[] spellings =
        [
            "Zo\u00eb.M\u00fcller@Example.com",
            "zoe\u0308.mu\u0308ller@example.com",
            "ZO\u00cb.M\u00dcLLER@EXAMPLE.COM",
            "\uff3a\uff4f\u00eb.M\u00fcller@\uff25xample.com",
            "ZOE\u0308.MU\u0308LLER@EXAMPLE.COM",
        ];

        Assert.Single(spellings.Select(LoginNames.Fold).Distinct(StringComparer.Ordinal));
    }

    [Theory]
    // RFC 8265 §3.5's UsernameCaseMapped examples: toLowerCase, not case folding, so ß stays ß (fußball and fussball are two
    // users), a lone capital sigma is σ and a final sigma stays ς; the capital sharp s (U+1E9E) lowers to ß.
    [InlineData("juliet@example.com", "juliet@example.com")]
    [InlineData("Fußball", "fußball")]
    [InlineData("FUẞBALL", "fußball")]
    [InlineData("FUSSBALL", "fussball")]
    [InlineData("π", "π")]
    [InlineData("Σ", "σ")]
    [InlineData("σ", "σ")]
    [InlineData("ς", "ς")]
    // A Unicode 15.0 mark (U+1E08F, class 230) between a capital A and a grave accent: NFC moves the Hebrew accent zinor
    // (228) before it and composes the grave with the a (NormalizationTest-15.0.0.txt, with the letter in upper case).
    [InlineData("À֮𞂏̕b", "à֮𞂏̕b")]
    public void Fold_Rfc8265Examples_AreMappedAsTheProfileSays(string written, string expected)
    {
        Assert.Equal(expected, LoginNames.Fold(written));
    }
}
