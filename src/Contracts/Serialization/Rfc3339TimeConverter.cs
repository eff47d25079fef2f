namespace ZtStream.Contracts.Serialization;

/// <summary>
/// Reads a time as System.Text.Json does, and also with the lower-case <c>t</c> and <c>z</c> that RFC 3339 §5.6 allows
/// ("NOTE: Per [ABNF] and ISO8601, the "T" and "Z" characters in this syntax may alternatively be lower case"), which
/// System.Text.Json refuses. Every other form keeps System.Text.Json's answer, errors included; writes are
/// System.Text.Json's, so a time read in lower case is written back in upper case.
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
        if (reader.TokenType != JsonTokenType.String || !(reader.TryGetDateTimeOffset(out time) || TryLowerCase(ref reader, out time)))
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
    /// The time of an RFC 3339 text whose <c>T</c> (after the 10 characters of the full date) or trailing <c>Z</c> is in
    /// lower case, read as System.Text.Json reads it once they are upper case; false for any other text.
    /// </summary>
    public static bool TryParseLowerCase(ReadOnlySpan<byte> utf8, out DateTimeOffset time)
    {
        time = default;
        if (utf8.Length is < 20 or > MaxLength || (utf8[10] != 't' && utf8[^1] != 'z'))
        {
            return false;
        }

        // Quoted, so a reader over it reads the one string System.Text.Json's own parsing then judges.
        Span<byte> quoted = stackalloc byte[MaxLength + 2];
        quoted[0] = (byte)'"';
        utf8.CopyTo(quoted[1..]);
        quoted[utf8.Length + 1] = (byte)'"';
        quoted = quoted[..(utf8.Length + 2)];
        quoted[11] = quoted[11] == 't' ? (byte)'T' : quoted[11];
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

    private static bool TryLowerCase(ref Utf8JsonReader reader, out DateTimeOffset time)
    {
        time = default;
        // Escaped text is never shorter than the text it stands for, so a value within the bound fits once unescaped.
        if ((reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length) > MaxLength)
        {
            return false;
        }

        Span<byte> text = stackalloc byte[MaxLength];
        return TryParseLowerCase(text[..reader.CopyString(text)], out time);
    }
}
