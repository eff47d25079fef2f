using System.Text.Unicode;

namespace ZtStream.Ingest.Sources;

/// <summary>Small readers over <see cref="JsonElement"/> used by the adapters: absent, null and wrong-typed all read as "not there".</summary>
internal static class JsonFields
{
    public static JsonElement? Child(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    public static string? String(this JsonElement element, string name) =>
        element.Child(name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    public static string? String(this JsonElement? element, string name) => element is { } e ? e.String(name) : null;

    public static int? Int(this JsonElement element, string name) =>
        element.Child(name) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt32(out var number) ? number : null;

    /// <summary>The first string of an array property.</summary>
    public static string? FirstString(this JsonElement element, string name) =>
        element.Child(name) is { ValueKind: JsonValueKind.Array } array && array.GetArrayLength() > 0 && array[0].ValueKind == JsonValueKind.String
            ? array[0].GetString()
            : null;

    /// <summary>The last string of an array property.</summary>
    public static string? LastString(this JsonElement element, string name) =>
        element.Child(name) is { ValueKind: JsonValueKind.Array } array && array.GetArrayLength() is > 0 and var n && array[n - 1].ValueKind == JsonValueKind.String
            ? array[n - 1].GetString()
            : null;

    /// <summary>
    /// RFC 3339 time, or the <c>YYYY-MM-DD hh:mm:ss.fffffffff</c> UTC form log pipelines normalise to (with or without a
    /// trailing <c>UTC</c>). Falco and pipelines write nanoseconds, which <see cref="DateTimeOffset"/> cannot hold, so the
    /// fraction is cut to 7 digits.
    /// </summary>
    public static bool TryParseTime(string? text, out DateTimeOffset time)
    {
        time = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 64)
        {
            return false;
        }

        if (text.EndsWith("UTC", StringComparison.Ordinal))
        {
            text = text[..^3].TrimEnd();
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            if (end - dot - 1 > 7)
            {
                text = string.Concat(text.AsSpan(0, dot + 8), text.AsSpan(end));
            }
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
    }

    /// <summary>A copy that outlives its document, or a summary when the value is larger than <paramref name="maxBytes"/>.</summary>
    public static JsonElement Bounded(JsonElement value, int maxBytes)
    {
        var size = JsonMarshal.GetRawUtf8Value(value).Length;
        if (size <= maxBytes)
        {
            return Writable(value).Clone();
        }

        var summary = new Dictionary<string, JsonElement>
        {
            ["truncated"] = Of(true),
            ["bytes"] = Of(size),
        };
        if (value.String("kind") is { } kind)
        {
            summary["kind"] = Of(kind);
        }

        return JsonSerializer.SerializeToElement(summary, IngestJsonContext.Default.DictionaryStringJsonElement);
    }

    /// <summary>
    /// <paramref name="value"/>, once it is known to be text: a value kept as it came (an adapter's <c>raw</c>, an embedded
    /// object) is written to the event log only after the item was accepted, and a string in it holding an escaped lone
    /// surrogate (<c>"\ud800"</c>) cannot be written, nor should bytes that are not UTF-8 be passed on to the log's readers.
    /// Such a value throws <see cref="InvalidOperationException"/> here, as <see cref="JsonElement.GetString"/> does on the
    /// fields an adapter reads, so its item is refused as text that is not valid UTF-8 (<see cref="JsonPayload.InvalidText"/>)
    /// instead of failing the whole request at the append.
    /// </summary>
    public static JsonElement Writable(JsonElement value)
    {
        var json = JsonMarshal.GetRawUtf8Value(value);
        if (!Utf8.IsValid(json))
        {
            throw new InvalidOperationException(JsonPayload.InvalidText);
        }

        if (MayEscapeASurrogate(json))
        {
            // Only an escape of a surrogate can be lone; the writer then decides, as it would at the append.
            using var writer = new Utf8JsonWriter(Stream.Null);
            value.WriteTo(writer);
        }

        return value;
    }

    /// <summary>
    /// Whether <paramref name="json"/> holds what reads as <c>\uD800</c>–<c>\uDFFF</c>: an escaped surrogate, which may be a
    /// lone one (an escaped backslash before <c>u</c> reads so too: the caller has the writer or the full path tell).
    /// </summary>
    public static bool MayEscapeASurrogate(ReadOnlySpan<byte> json)
    {
        for (var at = json.IndexOf("\\u"u8); at >= 0 && at + 3 < json.Length; at = json[(at + 2)..].IndexOf("\\u"u8) is var next and >= 0 ? at + 2 + next : -1)
        {
            if ((json[at + 2] | 0x20) == 'd' && (json[at + 3] is (byte)'8' or (byte)'9' || (json[at + 3] | 0x20) is >= (byte)'a' and <= (byte)'f'))
            {
                return true;
            }
        }

        return false;
    }

    public static JsonElement Of(string value) => JsonSerializer.SerializeToElement(value, IngestJsonContext.Default.String);

    /// <summary>Sets a text attribute when there is text (neither null nor empty): the cloud audit logs' adapters' one way.</summary>
    public static void AddText(Dictionary<string, JsonElement> attributes, string key, string? value)
    {
        if (value is { Length: > 0 })
        {
            attributes[key] = Of(value);
        }
    }

    public static JsonElement Of(bool value) => JsonSerializer.SerializeToElement(value, IngestJsonContext.Default.Boolean);

    public static JsonElement Of(long value) => JsonSerializer.SerializeToElement(value, IngestJsonContext.Default.Int64);

    public static JsonElement Of(IReadOnlyList<string> values) => JsonSerializer.SerializeToElement(values, IngestJsonContext.Default.IReadOnlyListString);

    /// <summary>A short description of a JSON value for error messages.</summary>
    public static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"string \"{ItemError.Clip(e.GetString() ?? string.Empty)}\"",
        JsonValueKind.Number => $"number {ItemError.Clip(e.GetRawText())}",
        JsonValueKind.True or JsonValueKind.False => $"boolean {e.GetRawText()}",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => e.ValueKind.ToString(),
    };
}
