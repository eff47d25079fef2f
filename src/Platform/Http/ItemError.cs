namespace ZtStream.Platform.Http;

/// <summary>
/// Why one input item was not accepted. <paramref name="Index"/> is the item's position in the request (0 for a
/// request of one item); <paramref name="Field"/> is a dotted path in that item ("$" for the item itself).
/// Problem documents list these under <c>errors</c>, and the SDK reads them to drop exactly the refused items.
/// </summary>
internal sealed record ItemError(int Index, string Field, string Reason)
{
    /// <summary><c>current_version</c> of an item refused as stale, as <see cref="Problem.CurrentVersion"/> is for a request of one.</summary>
    public long? CurrentVersion { get; init; }

    /// <summary>
    /// At most <paramref name="max"/> characters of a value the sender gave, to quote in a reason: enough to recognise
    /// it, without echoing a whole oversized field back.
    /// </summary>
    public static string Clip(string s, int max = 64)
    {
        ArgumentNullException.ThrowIfNull(s);
        return s.Length <= max ? s : string.Concat(s.AsSpan(0, max), "…");
    }

    /// <summary>
    /// Why <paramref name="value"/> may not be kept as it is: its first control character (U+0000–U+001F, U+007F–U+009F;
    /// with <paramref name="lines"/>, free text's, a tab or a line break is allowed) or, in an id or a name (without
    /// <paramref name="lines"/>), its first other character that shows nothing or turns the text after it around
    /// (<see cref="IsHiddenInName"/>) or variation selector that varies nothing (<see cref="HiddenCharacters.Varies"/>), as a
    /// reason naming it and where it is; null when it holds none. What is kept is shown
    /// again in the console, notifications, logs and terminals (an escape sequence redraws a terminal, a line break forges a
    /// log line, a right-to-left override makes one principal read as another), and PostgreSQL refuses a NUL in text, so an
    /// id or a name with one is refused alike on every store and at every way in that takes the sender's own shape.
    /// </summary>
    public static string? HiddenCharacter(string value, bool lines = false)
    {
        ArgumentNullException.ThrowIfNull(value);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsControl(c))
            {
                if (!(lines && c is '\t' or '\n' or '\r'))
                {
                    return $"must not hold a control character{(lines ? " other than a tab or a line break" : "")}: U+{(int)c:X4} at position {i}";
                }
            }
            else if (!lines && c > 0x7E && CodePoint(value, i) is var point)
            {
                if (IsHiddenInName(point))
                {
                    return $"must not hold an invisible or bidirectional formatting character: U+{point:X4} at position {i}";
                }

                if (VariesNothing(point, value, i))
                {
                    return $"must not hold a variation selector except right after a character it varies: U+{point:X4} at position {i}";
                }
            }
        }

        return null;
    }

    /// <summary>
    /// A character an id or a name may not hold wherever it is: every control (a tab and a line break too) and every other
    /// character <see cref="HiddenCharacters"/> shows as hidden, but the zero-width non-joiner and joiner (U+200C, U+200D)
    /// and the variation selectors, which the character before them decides (<see cref="HiddenCharacters.Varies"/>).
    /// Those two are how Persian, Urdu and the Indic scripts spell words correctly and how emoji sequences are built, so a
    /// name may need them; one shows as <c>⟨U+200D⟩</c> wherever a name is shown, so it cannot pass for another there.
    /// </summary>
    public static bool IsHiddenInName(int c) =>
        c < 0x20 || (c is not (0x200C or 0x200D) && HiddenCharacters.IsHidden(c) && !HiddenCharacters.IsVariationSelector(c));

    /// <summary>
    /// True when <paramref name="utf8"/> (valid UTF-8, unescaped JSON string bytes) holds a character
    /// <see cref="IsHiddenInName"/> or a variation selector that varies nothing, so a reader of bytes decides as
    /// <see cref="HiddenCharacter"/> does on the string.
    /// </summary>
    public static bool HoldsHiddenInName(ReadOnlySpan<byte> utf8)
    {
        // Printable ASCII, almost every id and name, is skipped in one vectorised pass; only the rest is decoded.
        for (var i = utf8.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E); i >= 0 && i < utf8.Length;)
        {
            if (Rune.DecodeFromUtf8(utf8[i..], out var rune, out var length) != OperationStatus.Done || IsHiddenInName(rune.Value)
                || (HiddenCharacters.IsVariationSelector(rune.Value)
                    && !HiddenCharacters.Varies(i > 0 && Rune.DecodeLastFromUtf8(utf8[..i], out var previous, out _) == OperationStatus.Done ? previous.Value : -1, rune.Value)))
            {
                return true;
            }

            i += length;
        }

        return false;
    }

    /// <summary>
    /// <paramref name="value"/> with each character <see cref="HiddenCharacter"/> refuses written as a visible escape: <c>\uXXXX</c>
    /// (four upper-case hex digits: NUL is the six characters <c>\u0000</c>), or <c>\UXXXXXXXX</c> for one beyond the
    /// Basic Multilingual Plane (a tag character, a selector of VS17–VS256); the same string when it has none. A variation
    /// selector right after a character it varies stays as it is. For a name a third party reports
    /// (a source adapter's event), which is kept visible rather than refused: whoever controls the name must not control
    /// whether the event is seen.
    /// </summary>
    public static string Escaped(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (HiddenCharacter(value) is null)
        {
            return value;
        }

        var escaped = new StringBuilder(value.Length + 16);
        for (var i = 0; i < value.Length; i++)
        {
            var point = CodePoint(value, i);
            if (!IsHiddenInName(point) && !VariesNothing(point, value, i))
            {
                // A pair's low half, when the pair is kept, is appended by the next pass.
                escaped.Append(value[i]);
            }
            else if (point > 0xFFFF)
            {
                escaped.Append(CultureInfo.InvariantCulture, $"\\U{point:X8}");
                i++;
            }
            else
            {
                escaped.Append(CultureInfo.InvariantCulture, $"\\u{point:X4}");
            }
        }

        return escaped.ToString();
    }

    /// <summary>
    /// True when <paramref name="point"/>, at <paramref name="i"/> of <paramref name="value"/>, is a variation selector that
    /// does not follow a character it varies. What it follows is read only for a selector, so other text costs nothing more.
    /// </summary>
    private static bool VariesNothing(int point, string value, int i) =>
        HiddenCharacters.IsVariationSelector(point) && !HiddenCharacters.Varies(
            i == 0 ? -1 : char.IsLowSurrogate(value[i - 1]) && i > 1 && char.IsHighSurrogate(value[i - 2]) ? char.ConvertToUtf32(value[i - 2], value[i - 1]) : value[i - 1],
            point);

    /// <summary>The code point at <paramref name="i"/>: a surrogate pair's, from its high half; a lone surrogate's own value.</summary>
    private static int CodePoint(string value, int i) =>
        char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]) ? char.ConvertToUtf32(value[i], value[i + 1]) : value[i];
}
