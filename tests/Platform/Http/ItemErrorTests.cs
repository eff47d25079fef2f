namespace ZtStream.Platform.Tests.Http;

public sealed class ItemErrorTests
{
    /// <summary>
    /// Characters that draw nothing or turn the text after them around (Unicode's bidi controls of UAX #9, zero-width
    /// space, word joiner, byte order mark, a tag character) make one name read as another: refused in an id or a name,
    /// named by code point and the position it sits at.
    /// </summary>
    [Theory]
    [InlineData("alice\u202Etxt.exe", "U+202E at position 5")]
    [InlineData("\u202Aleft", "U+202A at position 0")]
    [InlineData("ad\u200Bmin", "U+200B at position 2")]
    [InlineData("user\u2066:admin\u2069", "U+2066 at position 4")]
    [InlineData("bob\u2067", "U+2067 at position 3")]
    [InlineData("x\u200Ey", "U+200E at position 1")]
    [InlineData("x\u200F", "U+200F at position 1")]
    [InlineData("\u061Cali", "U+061C at position 0")]
    [InlineData("ad\u2060min", "U+2060 at position 2")]
    [InlineData("\uFEFFbob", "U+FEFF at position 0")]
    [InlineData("bob\uDB40\uDC41", "U+E0041 at position 3")]
    public void HiddenCharacter_InvisibleOrBidiFormattingInAName_NamesTheCodePointAndWhere(string name, string where)
    {
        Assert.Equal($"must not hold an invisible or bidirectional formatting character: {where}", ItemError.HiddenCharacter(name));
    }

    [Theory]
    [InlineData("evil\u0000admin", "U+0000 at position 4")]
    [InlineData("tab\there", "U+0009 at position 3")]
    [InlineData("ceo\u0085", "U+0085 at position 3")]
    public void HiddenCharacter_ControlInAName_IsAControlCharacterStill(string name, string where)
    {
        Assert.Equal($"must not hold a control character: {where}", ItemError.HiddenCharacter(name));
    }

    /// <summary>
    /// The zero-width non-joiner and joiner spell Persian and Indic words correctly and join emoji: a name may hold them.
    /// Other scripts, accents and spaces that show are names like any other.
    /// </summary>
    [Theory]
    [InlineData("user:می\u200Cخواهم@example.ir")]
    [InlineData("\u0D28\u0D3F\u0D7D\u200D")]
    [InlineData("👩\u200D💻 dev")]
    [InlineData("José Ñúñez")]
    [InlineData("山田\u3000太郎")]
    [InlineData("CORP\\alice")]
    public void HiddenCharacter_JoinersAndVisibleText_AreKept(string name)
    {
        Assert.Null(ItemError.HiddenCharacter(name));
        Assert.Same(name, ItemError.Escaped(name));
    }

    [Fact]
    public void HiddenCharacter_FreeText_KeepsLineBreaksAndBidiMarks()
    {
        // A comment in Hebrew or Arabic is written with direction marks; only a control but a tab or line break is refused.
        Assert.Null(ItemError.HiddenCharacter("שלום\u200F\nשורה\t2 \u202Eok", lines: true));
        Assert.Equal("must not hold a control character other than a tab or a line break: U+001B at position 2",
            ItemError.HiddenCharacter("a\n\u001B[2K", lines: true));
    }

    /// <summary>Each hidden character is written as its escape: six characters within the BMP, ten beyond it.</summary>
    [Theory]
    [InlineData("evil\u0000admin", @"evil\u0000admin")]
    [InlineData("x\u0001y", @"x\u0001y")]
    [InlineData("ops\n", @"ops\u000A")]
    [InlineData("alice\u202Etxt.exe", @"alice\u202Etxt.exe")]
    [InlineData("\uFEFF\u200Bad\u2060min\u009B", @"\uFEFF\u200Bad\u2060min\u009B")]
    [InlineData("bob\uDB40\uDC41\uDB40\uDC7F", @"bob\U000E0041\U000E007F")]
    [InlineData("a\u200Db\u202Ec", @"a" + "\u200D" + @"b\u202Ec")]
    [InlineData("😀\u0000", @"😀\u0000")]
    public void Escaped_WritesEachHiddenCharacterAsAVisibleEscape(string name, string expected)
    {
        var escaped = ItemError.Escaped(name);

        Assert.Equal(expected, escaped);
        Assert.Null(ItemError.HiddenCharacter(escaped));
    }

    [Fact]
    public void Escaped_ALoneSurrogate_IsKeptAsItCame()
    {
        Assert.Equal("\uD800" + @"x\u0000", ItemError.Escaped("\uD800x\u0000"));
    }

    /// <summary>
    /// The byte fast path decides as the string does, for every Unicode scalar value alone and between ASCII, so a name
    /// is never taken from its bytes that the full path would refuse (nor the reverse).
    /// </summary>
    [Fact]
    public void HoldsHiddenInName_DecidesAsHiddenCharacterForEveryScalarValue()
    {
        for (var c = 0; c < 0x110000; c++)
        {
            if (c is >= 0xD800 and <= 0xDFFF)
            {
                continue;
            }

            var text = char.ConvertFromUtf32(c);
            foreach (var name in (string[])[text, "ab" + text + "cd"])
            {
                Assert.True(
                    (ItemError.HiddenCharacter(name) is not null) == ItemError.HoldsHiddenInName(Encoding.UTF8.GetBytes(name)),
                    $"U+{c:X4} in \"{name}\"");
            }
        }
    }
}
