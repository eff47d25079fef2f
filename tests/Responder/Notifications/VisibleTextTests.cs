using ZtStream.Responder.Notifications.Targets;

namespace ZtStream.Responder.Tests.Notifications;

/// <summary>
/// Text from events as people read it in chats, pages and mail: what shows nothing or turns the text around (Unicode's
/// bidi controls of UAX #9, the default-ignorable and format characters of UAX #44, C0 and C1 controls) is written out.
/// </summary>
public sealed class VisibleTextTests
{
    [Theory]
    [MemberData(nameof(HiddenCharacterCases.Formatting), MemberType = typeof(HiddenCharacterCases))]
    public void Of_FormattingCharacters_AreWrittenOut(string text, string _, string shown, string _1) => Assert.Equal(shown, VisibleText.Of(text));

    /// <summary>What a name may hold or is refused for otherwise, shown all the same: controls, joiners, a selector out of its context.</summary>
    [Theory]
    // Controls: NUL, ESC (terminal escape sequences), DEL, C1's CSI.
    [InlineData("a\0b\u001B[31mc\u007Fd\u009Be", "a⟨U+0000⟩b⟨U+001B⟩[31mc⟨U+007F⟩d⟨U+009B⟩e")]
    // The zero-width non-joiner and joiner, beside a word joiner and a byte order mark.
    [InlineData("a\u200Cb\u200Dc\u2060d\uFEFFe", "a⟨U+200C⟩b⟨U+200D⟩c⟨U+2060⟩d⟨U+FEFF⟩e")]
    [InlineData("v\U000E0100", "v⟨U+E0100⟩")]
    // A variation selector that varies nothing: after ASCII, at the start, doubled, after a compatibility ideograph (one
    // fixed glyph, not an IVS base: UTS #37), after a character of no standardized or emoji sequence, after a hidden one.
    [InlineData("admin\uFE0F", "admin⟨U+FE0F⟩")]
    [InlineData("\uFE0E\U000E01EFbob", "⟨U+FE0E⟩⟨U+E01EF⟩bob")]
    [InlineData("\u2764\uFE0F\uFE0F", "\u2764\uFE0F⟨U+FE0F⟩")]
    [InlineData("\u845B\U000E0100\U000E0101", "\u845B\U000E0100⟨U+E0101⟩")]
    [InlineData("\uF900\U000E0100", "\uF900⟨U+E0100⟩")]
    [InlineData("\u00E9\uFE0F", "\u00E9⟨U+FE0F⟩")]
    [InlineData("a\u200D\uFE0F", "a⟨U+200D⟩⟨U+FE0F⟩")]
    // A Mongolian free variation selector after a letter of another script; an ideographic one after a Mongolian letter.
    [InlineData("x\u180B", "x⟨U+180B⟩")]
    [InlineData("\u1820\U000E0100", "\u1820⟨U+E0100⟩")]
    public void Of_HiddenCharacters_AreWrittenOut(string text, string shown) => Assert.Equal(shown, VisibleText.Of(text));

    [Theory]
    [InlineData("alice@example.com")]
    [InlineData("z\u00e9lie.martin@example.com")]
    [InlineData("\u5c71\u7530\u592a\u90ce")]
    [InlineData("\u05d3\u05e0\u05d4 \u0645\u062d\u0645\u062f")]
    [InlineData("line one\nline two\r\n\tindented")]
    [InlineData("\u2764\uFE0F \U0001F600")]
    // Ideographic variation sequences (UTS #37, the IVD's Adobe-Japan1 and Hanyo-Denshi collections): 葛飾, 辻, 𠮟; in
    // Extension A, and after U+FA0E, a unified ideograph of the compatibility block.
    [InlineData("\u845B\U000E0100\u98FE")]
    [InlineData("\u8FBB\U000E0101")]
    [InlineData("\U00020B9F\U000E0100")]
    [InlineData("\u3400\U000E0100 \uFA0E\U000E0100")]
    // Standardized variation sequences and emoji ones (StandardizedVariants.txt, emoji-variation-sequences.txt): a text
    // and an emoji presentation, a keycap, a variant of a mathematical symbol, of CJK punctuation, of digit zero.
    [InlineData("\u263A\uFE0E \u263A\uFE0F")]
    [InlineData("#\uFE0F\u20E3 1\uFE0F\u20E3")]
    [InlineData("\u2205\uFE00 \u3001\uFE00 0\uFE00")]
    [InlineData("\U0001F441\uFE0F \U0001F6F3\uFE0F")]
    // A Mongolian letter with its free variation selectors (UTN #57).
    [InlineData("\u1820\u180B \u1828\u180C \u1822\u180F")]
    [InlineData("")]
    public void Of_VisibleText_IsTheSameString(string text) => Assert.Same(text, VisibleText.Of(text));

    [Fact]
    public void Within_ShowsEveryStringButTheVerbatimOnes()
    {
        var message = new JsonObject
        {
            ["text"] = "alice\u202Etxt.exe",
            ["url"] = "https://soc.example.test/console/#/alerts/a\u200Bb",
            ["list"] = new JsonArray("ad\u200Bmin", 5, null),
            ["nested"] = new JsonObject { ["value"] = "x\u2066y", ["count"] = 3 },
        };

        var shown = VisibleText.Within(message, "url");

        Assert.Equal("alice⟨U+202E⟩txt.exe", (string?)shown["text"]);
        Assert.Equal("https://soc.example.test/console/#/alerts/a\u200Bb", (string?)shown["url"]);
        Assert.Equal("ad⟨U+200B⟩min", (string?)shown["list"]![0]);
        Assert.Equal(5, (int?)shown["list"]![1]);
        Assert.Null(shown["list"]![2]);
        Assert.Equal("x⟨U+2066⟩y", (string?)shown["nested"]!["value"]);
        Assert.Equal(3, (int?)shown["nested"]!["count"]);
    }

    [Fact]
    public void EveryRendering_ShowsAPrincipalsOverride_AndKeepsTheLinksAndKeysAsStored()
    {
        const string Principal = "alice\u202Etxt.exe";
        var alert = TestAlerts.Critical("al-rlo", principal: Principal) with
        {
            Reasons = [new AlertReason(Detectors.Policy, "token_binding", 90, "used from ad\u200Bmin-7")],
        };
        var content = MessageRenderingsTests.Content(alert);
        var (subject, text) = MessageRenderings.Email(content);
        string[] people = [MessageRenderings.Slack(content), MessageRenderings.Teams(content), MessageRenderings.PagerDuty(content, "routing-\u200Bkey"), subject, text];

        foreach (var rendering in people)
        {
            var read = rendering.StartsWith('{') ? Strings(JsonDocument.Parse(rendering).RootElement) : rendering;
            Assert.Contains("alice⟨U+202E⟩txt.exe", read, StringComparison.Ordinal);
            Assert.DoesNotContain("\u202E", read, StringComparison.Ordinal);
        }

        Assert.Contains("ad⟨U+200B⟩min-7", text, StringComparison.Ordinal);
        using var page = JsonDocument.Parse(MessageRenderings.PagerDuty(content, "routing-\u200Bkey"));
        Assert.Equal("routing-\u200Bkey", page.RootElement.GetProperty("routing_key").GetString());
        Assert.Equal("al-rlo", page.RootElement.GetProperty("dedup_key").GetString());
        Assert.Equal("https://soc.example.test/console/#/alerts/al-rlo", page.RootElement.GetProperty("client_url").GetString());
    }

    /// <summary>Every string in a JSON message, decoded, one per line.</summary>
    private static string Strings(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => string.Join('\n', e.EnumerateObject().Select(p => Strings(p.Value))),
        JsonValueKind.Array => string.Join('\n', e.EnumerateArray().Select(Strings)),
        JsonValueKind.String => e.GetString()!,
        _ => string.Empty,
    };
}
