namespace ZtStream.Contracts.Serialization;

/// <summary>
/// The one reader of a time string from outside (a JSON body, an event, a query string): as System.Text.Json reads it,
/// and also with what RFC 3339 §5.6's notes allow that System.Text.Json refuses — the <c>T</c> and <c>Z</c> in lower case
/// ("NOTE: Per [ABNF] and ISO8601, the "T" and "Z" characters in this syntax may alternatively be lower case") and a space
/// between date and time ("Applications using this syntax may choose, for the sake of readability, to specify a
/// full-date and full-time separated by (say) a space character": ZtStream's documentation is that agreement). Every
/// other form keeps System.Text.Json's answer, errors included; writes are System.Text.Json's, so a time so read is
/// written back with an upper-case <c>T</c> and <c>Z</c>.
/// </summary>
public sealed class Rfc3339TimeConverter : JsonConverter<DateTimeOffset>
{
    // The longest form System.Text.Json reads: a date, a time with 7+ fraction digits and an offset, with room to spare.
    private const int MaxLength = 64;

    /// <summary>The one instance options need.</summary>
    public static Rfc3339TimeConverter Instance { get; } = new();

    /// <inheritdoc/>
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        TryRead(ref reader, out var time) ? time : reader.GetDateTimeOffset();

    /// <summary>
    /// The time of the string the reader is on, read as <see cref="Read"/> reads it; false for any other token or text.
    /// A time without an offset (<c>2026-12-20T10:00:00</c>, <c>2026-12-20</c>), which RFC 3339 does not write but
    /// System.Text.Json takes, is UTC — as Ingest reads an event's <c>time</c> — never the server's local time, which
    /// System.Text.Json would give it: one text must be one instant on every machine.
    /// </summary>
    public static bool TryRead(ref Utf8JsonReader reader, out DateTimeOffset time)
    {
        if (reader.TokenType != JsonTokenType.String || !(reader.TryGetDateTimeOffset(out time) || TryRelaxed(ref reader, out time)))
        {
            time = default;
            return false;
        }

        if (time.Offset != TimeSpan.Zero && !HasOffset(ref reader))
        {
            time = new DateTimeOffset(time.DateTime, TimeSpan.Zero);
        }

        return true;
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    /// <summary>
    /// The time of <paramref name="text"/> outside JSON (a query string's value), read as <see cref="TryRead"/> reads the
    /// same text in a JSON string; false for any other text.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset time)
    {
        time = default;
        // A time is printable ASCII; a quote or backslash would be JSON's syntax, not the text's.
        if (text.Length > MaxLength || text.ContainsAnyExceptInRange(' ', '~') || text.ContainsAny('"', '\\'))
        {
            return false;
        }

        Span<byte> quoted = stackalloc byte[MaxLength + 2];
        quoted[0] = (byte)'"';
        for (var i = 0; i < text.Length; i++)
        {
            quoted[i + 1] = (byte)text[i];
        }

        quoted[text.Length + 1] = (byte)'"';
        var reader = new Utf8JsonReader(quoted[..(text.Length + 2)]);
        return reader.Read() && TryRead(ref reader, out time);
    }

    /// <summary>
    /// The time of a text whose separator (the character after the full date's 10) is a lower-case <c>t</c> or a space, or
    /// whose trailing <c>Z</c> is lower case, read as System.Text.Json reads it once they are <c>T</c> and <c>Z</c>; false
    /// for any other text.
    /// </summary>
    private static bool TryParseRelaxed(ReadOnlySpan<byte> utf8, out DateTimeOffset time)
    {
        time = default;
        if (utf8.Length is <= 10 or > MaxLength || (utf8[10] is not ((byte)'t' or (byte)' ') && utf8[^1] != 'z'))
        {
            return false;
        }

        // Quoted, so a reader over it reads the one string System.Text.Json's own parsing then judges.
        Span<byte> quoted = stackalloc byte[MaxLength + 2];
        quoted[0] = (byte)'"';
        utf8.CopyTo(quoted[1..]);
        quoted[utf8.Length + 1] = (byte)'"';
        quoted = quoted[..(utf8.Length + 2)];
        quoted[11] = quoted[11] is (byte)'t' or (byte)' ' ? (byte)'T' : quoted[11];
        quoted[^2] = quoted[^2] == 'z' ? (byte)'Z' : quoted[^2];
        var reader = new Utf8JsonReader(quoted);
        return reader.Read() && reader.TryGetDateTimeOffset(out time);
    }

    /// <summary>Whether the time text names its offset: a <c>Z</c>, <c>+</c> or <c>-</c> after the date's 10 characters.</summary>
    private static bool HasOffset(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return reader.ValueSpan.Length > 10 && reader.ValueSpan[10..].IndexOfAny("Zz+-"u8) >= 0;
        }

        // Read at all, so within the length System.Text.Json takes once unescaped.
        Span<byte> text = stackalloc byte[MaxLength];
        var length = reader.CopyString(text);
        return length > 10 && text[10..length].IndexOfAny("Zz+-"u8) >= 0;
    }

    private static bool TryRelaxed(ref Utf8JsonReader reader, out DateTimeOffset time)
    {
        time = default;
        // Escaped text is never shorter than the text it stands for, so a value within the bound fits once unescaped.
        if ((reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length) > MaxLength)
        {
            return false;
        }

        Span<byte> text = stackalloc byte[MaxLength];
        return TryParseRelaxed(text[..reader.CopyString(text)], out time);
    }
}
