namespace ZtStream.TestSupport;

/// <summary>
/// Text holding characters that draw nothing or turn the text after them around — Unicode's bidi controls (UAX #9),
/// zero-width space, word joiner, byte order mark, soft hyphen, grapheme joiner, Hangul fillers, the Mongolian vowel
/// separator, tag characters — that every place decides alike, since they share one set (<c>HiddenCharacters</c>): a name
/// holding one is refused naming the first and where it is, and it is written as an escape (<c>ItemError</c>); a message
/// shows each as <c>⟨U+XXXX⟩</c> (<c>VisibleText</c>). Controls, the joiners a name may hold and variation selectors,
/// which the places decide differently, are each place's own cases.
/// </summary>
public static class HiddenCharacterCases
{
    /// <summary>The text; what a name's refusal names (the first such character and its UTF-16 position); the text shown; the text escaped.</summary>
    public static TheoryData<string, string, string, string> Formatting => new()
    {
        // Right-to-left override: "alice‮txt.exe" reads "aliceexe.txt" (CVE-2021-42574's kind of spoofing).
        { "alice\u202Etxt.exe", "U+202E at position 5", "alice⟨U+202E⟩txt.exe", @"alice\u202Etxt.exe" },
        // Embeddings, isolates and marks.
        { "\u202Aleft", "U+202A at position 0", "⟨U+202A⟩left", @"\u202Aleft" },
        { "\u202Aa\u202Bb\u202Cc\u202D", "U+202A at position 0", "⟨U+202A⟩a⟨U+202B⟩b⟨U+202C⟩c⟨U+202D⟩", @"\u202Aa\u202Bb\u202Cc\u202D" },
        { "user\u2066:admin\u2069", "U+2066 at position 4", "user⟨U+2066⟩:admin⟨U+2069⟩", @"user\u2066:admin\u2069" },
        { "bob\u2067", "U+2067 at position 3", "bob⟨U+2067⟩", @"bob\u2067" },
        { "\u2066x\u2067y\u2068z\u2069", "U+2066 at position 0", "⟨U+2066⟩x⟨U+2067⟩y⟨U+2068⟩z⟨U+2069⟩", @"\u2066x\u2067y\u2068z\u2069" },
        { "x\u200Ey", "U+200E at position 1", "x⟨U+200E⟩y", @"x\u200Ey" },
        { "x\u200F", "U+200F at position 1", "x⟨U+200F⟩", @"x\u200F" },
        { "\u061Cali", "U+061C at position 0", "⟨U+061C⟩ali", @"\u061Cali" },
        { "a\u200Eb\u200Fc\u061Cd", "U+200E at position 1", "a⟨U+200E⟩b⟨U+200F⟩c⟨U+061C⟩d", @"a\u200Eb\u200Fc\u061Cd" },
        // Zero-width characters: "ad​min" is not "admin".
        { "ad\u200Bmin", "U+200B at position 2", "ad⟨U+200B⟩min", @"ad\u200Bmin" },
        { "ad\u2060min", "U+2060 at position 2", "ad⟨U+2060⟩min", @"ad\u2060min" },
        { "\uFEFFbob", "U+FEFF at position 0", "⟨U+FEFF⟩bob", @"\uFEFFbob" },
        // Soft hyphen, grapheme joiner, Hangul fillers (names that look empty), Mongolian vowel separator.
        { "ro\u00ADot\u034F", "U+00AD at position 2", "ro⟨U+00AD⟩ot⟨U+034F⟩", @"ro\u00ADot\u034F" },
        { "\u3164\u115F\u1160\uFFA0", "U+3164 at position 0", "⟨U+3164⟩⟨U+115F⟩⟨U+1160⟩⟨U+FFA0⟩", @"\u3164\u115F\u1160\uFFA0" },
        { "x\u180Ey", "U+180E at position 1", "x⟨U+180E⟩y", @"x\u180Ey" },
        // Tag characters, outside the BMP: text a reader cannot see ("ASCII smuggling").
        { "bob\uDB40\uDC41", "U+E0041 at position 3", "bob⟨U+E0041⟩", @"bob\U000E0041" },
        { "ok\U000E0049\U000E0047\U000E004E", "U+E0049 at position 2", "ok⟨U+E0049⟩⟨U+E0047⟩⟨U+E004E⟩", @"ok\U000E0049\U000E0047\U000E004E" },
    };
}
