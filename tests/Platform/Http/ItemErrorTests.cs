namespace ZtStream.Platform.Tests.Http;

public sealed class ItemErrorTests
{
    /// <summary>
    /// Characters that draw nothing or turn the text after them around make one name read as another: refused in an id or
    /// a name, named by code point and the position it sits at, and each written as its escape where a name is shown.
    /// </summary>
    [Theory]
    [MemberData(nameof(HiddenCharacterCases.Formatting), MemberType = typeof(HiddenCharacterCases))]
    public void HiddenCharacter_InvisibleOrBidiFormattingInAName_NamesTheCodePointAndWhere(string name, string where, string _, string escaped)
    {
        Assert.Equal($"must not hold an invisible or bidirectional formatting character: {where}", ItemError.HiddenCharacter(name));
        Assert.True(ItemError.HoldsHiddenInName(Encoding.UTF8.GetBytes(name)));
        Assert.Equal(escaped, ItemError.Escaped(name));
        Assert.Null(ItemError.HiddenCharacter(escaped));
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

    /// <summary>
    /// Each hidden character is written as its escape: six characters within the BMP, ten beyond it. Of variation selectors,
    /// only one that varies nothing is; one right after a character it varies stays as it is.
    /// </summary>
    [Theory]
    [InlineData("evil\u0000admin", @"evil\u0000admin")]
    [InlineData("x\u0001y", @"x\u0001y")]
    [InlineData("ops\n", @"ops\u000A")]
    [InlineData("\uFEFF\u200Bad\u2060min\u009B", @"\uFEFF\u200Bad\u2060min\u009B")]
    [InlineData("bob\uDB40\uDC41\uDB40\uDC7F", @"bob\U000E0041\U000E007F")]
    [InlineData("a\u200Db\u202Ec", @"a" + "\u200D" + @"b\u202Ec")]
    [InlineData("😀\u0000", @"😀\u0000")]
    [InlineData("admin\uFE0F", @"admin\uFE0F")]
    [InlineData("葛\U000E0100\U000E0100", "葛\U000E0100" + @"\U000E0100")]
    [InlineData("\U000E0101x\u200B", @"\U000E0101x\u200B")]
    [InlineData("\u200B\uFE0F", @"\u200B\uFE0F")]
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
    /// A variation selector is visible text right after a character it varies (UTS #37: an Ideographic Variation Sequence
    /// is a Unified_Ideograph then VS17–VS256; StandardizedVariants.txt and emoji-variation-sequences.txt list the bases of
    /// VS1–VS16; the Mongolian free variation selectors follow a Mongolian letter): a Japanese name stored with its
    /// registered glyph, an emoji's presentation, a keycap are names like any other.
    /// </summary>
    [Theory]
    [InlineData("葛\U000E0100城")] // Adobe-Japan1 and Hanyo-Denshi register U+845B U+E0100
    [InlineData("辻\U000E0101 太郎")]
    [InlineData("user:\U00020B9F\U000E0100@example.jp")] // an Extension B ideograph, a UTF-16 pair before the selector's own
    [InlineData("\u3400\U000E0100\uFA0E\U000E0100")] // Extension A; FA0E is a Unified_Ideograph in the compatibility block
    [InlineData("\u537F\uFE00")] // the standardized variant standing for CJK COMPATIBILITY IDEOGRAPH-2F831
    [InlineData("❤\uFE0F ops")]
    [InlineData("👩\u200D❤\uFE0F\u200D👨")]
    [InlineData("room 1\uFE0F\u20E3")]
    [InlineData("♨\uFE0E onsen")]
    [InlineData("0\uFE0E7")]
    [InlineData("\u2229\uFE00")] // INTERSECTION with serifs
    [InlineData("\u1820\u180B\u1828\u180D\u1887\u180C")] // Mongolian letters, each with a free variation selector
    [InlineData("\u1873\u180D")]
    public void HiddenCharacter_VariationSelectorAfterABaseItVaries_IsKept(string name)
    {
        Assert.Null(ItemError.HiddenCharacter(name));
        Assert.Same(name, ItemError.Escaped(name));
        Assert.False(ItemError.HoldsHiddenInName(Encoding.UTF8.GetBytes(name)));
    }

    /// <summary>
    /// Anywhere else a variation selector varies nothing and draws nothing: <c>admin</c> with one reads <c>admin</c>.
    /// After ASCII letters, at the start, after another selector, after a combining mark, after a compatibility ideograph
    /// (not an IVS base, UTS #37) or after a letter of another script, it is refused by code point and position.
    /// </summary>
    [Theory]
    [InlineData("admin\U000E0100", "U+E0100 at position 5")]
    [InlineData("admin\uFE0F", "U+FE0F at position 5")]
    [InlineData("\uFE0Eroot", "U+FE0E at position 0")]
    [InlineData("\U000E0100葛", "U+E0100 at position 0")]
    [InlineData("葛\U000E0100\U000E0100", "U+E0100 at position 3")]
    [InlineData("❤\uFE0F\uFE0F", "U+FE0F at position 2")]
    [InlineData("e\u0301\uFE0F", "U+FE0F at position 2")]
    [InlineData("\uF900\U000E0100", "U+E0100 at position 1")]
    [InlineData("ops\u180F", "U+180F at position 3")]
    [InlineData("葛\u180B", "U+180B at position 1")]
    [InlineData("\u1820\U000E0100", "U+E0100 at position 1")]
    [InlineData("José\uFE00", "U+FE00 at position 4")]
    public void HiddenCharacter_VariationSelectorThatVariesNothing_IsRefusedWhereItIs(string name, string where)
    {
        Assert.Equal($"must not hold a variation selector except right after a character it varies: {where}", ItemError.HiddenCharacter(name));
        Assert.True(ItemError.HoldsHiddenInName(Encoding.UTF8.GetBytes(name)));
    }

    /// <summary>
    /// The byte path decides a variation selector as the string does, after each kind of base and after what varies
    /// nothing, so a cluster name read from its bytes is never kept where the full path refuses it.
    /// </summary>
    [Fact]
    public void HoldsHiddenInName_DecidesVariationSelectorsAsHiddenCharacter()
    {
        int[] bases = [-1, 'a', '#', '0', 0x301, 0x845B, 0x20B9F, 0xF900, 0x2764, 0x1F600, 0x1820, 0xFE0F, 0xE0100, 0x200D];
        int[] selectors = [0x180B, 0x180F, 0xFE00, 0xFE0E, 0xFE0F, 0xE0100, 0xE01EF];
        foreach (var b in bases)
        {
            foreach (var s in selectors)
            {
                var name = "x" + (b < 0 ? "" : char.ConvertFromUtf32(b)) + char.ConvertFromUtf32(s);
                Assert.True(
                    (ItemError.HiddenCharacter(name) is not null) == ItemError.HoldsHiddenInName(Encoding.UTF8.GetBytes(name)),
                    $"U+{s:X4} after U+{b:X4}");
            }
        }
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
