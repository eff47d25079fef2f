namespace ZtStream.Ingest.Sources.Identity;

/// <summary>
/// Readers the identity adapters share. Vendors spell the same field differently across their own exports (Entra's
/// diagnostic export writes <c>userPrincipalName</c>, Log Analytics <c>UserPrincipalName</c>), so lookups here fall back
/// to a case-insensitive match; absent, null, empty and the vendors' "unknown" placeholders all read as "not there".
/// </summary>
internal static class IdentityJson
{
    /// <summary>The property <paramref name="name"/>, exactly or ignoring case; null when absent or null.</summary>
    public static JsonElement? Find(this JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (element.TryGetProperty(name, out var exact))
        {
            return exact.ValueKind == JsonValueKind.Null ? null : exact;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value.ValueKind == JsonValueKind.Null ? null : property.Value;
            }
        }

        return null;
    }

    public static JsonElement? Find(this JsonElement? element, string name) => element is { } e ? e.Find(name) : null;

    /// <summary>The object at <paramref name="name"/>, or null.</summary>
    public static JsonElement? Object(this JsonElement? element, string name) =>
        element.Find(name) is { ValueKind: JsonValueKind.Object } value ? value : null;

    public static JsonElement? Object(this JsonElement element, string name) => ((JsonElement?)element).Object(name);

    /// <summary>A meaningful string: trimmed, not empty and not a vendor placeholder; numbers are read as their text.</summary>
    public static string? Text(this JsonElement? element, string name)
    {
        var value = element.Find(name);
        var text = value switch
        {
            { ValueKind: JsonValueKind.String } s => s.GetString(),
            { ValueKind: JsonValueKind.Number } n => n.GetRawText(),
            _ => null,
        };
        return Clean(text);
    }

    public static string? Text(this JsonElement element, string name) => ((JsonElement?)element).Text(name);

    /// <summary>The first of <paramref name="names"/> that holds a meaningful string.</summary>
    public static string? FirstText(this JsonElement? element, params string[] names)
    {
        foreach (var name in names)
        {
            if (element.Text(name) is { } text)
            {
                return text;
            }
        }

        return null;
    }

    public static string? FirstText(this JsonElement element, params string[] names) => ((JsonElement?)element).FirstText(names);

    /// <summary>A boolean, also when written as the string "true"/"false".</summary>
    public static bool? Flag(this JsonElement? element, string name) => element.Find(name) switch
    {
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        { ValueKind: JsonValueKind.String } s when bool.TryParse(s.GetString(), out var b) => b,
        _ => null,
    };

    public static bool? Flag(this JsonElement element, string name) => ((JsonElement?)element).Flag(name);

    /// <summary>An integer, also when written as a string.</summary>
    public static long? Number(this JsonElement? element, string name) => element.Find(name) switch
    {
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt64(out var l) => l,
        { ValueKind: JsonValueKind.Number } n when n.TryGetDouble(out var d) && d is >= long.MinValue and <= long.MaxValue => (long)d,
        { ValueKind: JsonValueKind.String } s when long.TryParse(s.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
        _ => null,
    };

    public static long? Number(this JsonElement element, string name) => ((JsonElement?)element).Number(name);

    /// <summary>The array at <paramref name="name"/>, or null.</summary>
    public static JsonElement? Array(this JsonElement? element, string name) =>
        element.Find(name) is { ValueKind: JsonValueKind.Array } value ? value : null;

    public static JsonElement? Array(this JsonElement element, string name) => ((JsonElement?)element).Array(name);

    /// <summary>
    /// The object at <paramref name="name"/>, also when it arrives as JSON text: Log Analytics writes its <c>dynamic</c>
    /// columns (<c>Status</c>, <c>LocationDetails</c>, <c>InitiatedBy</c> …) as text in query answers and most exports, and
    /// Okta writes <c>debugData.logOnlySecurityData</c> as text that log pipelines often parse on the way.
    /// </summary>
    public static JsonElement? ObjectOrText(this JsonElement? element, string name) =>
        Embedded(element.Find(name)) is { ValueKind: JsonValueKind.Object } value ? value : null;

    public static JsonElement? ObjectOrText(this JsonElement element, string name) => ((JsonElement?)element).ObjectOrText(name);

    /// <summary>The array at <paramref name="name"/>, also when it arrives as JSON text (see <see cref="ObjectOrText(JsonElement?, string)"/>).</summary>
    public static JsonElement? ArrayOrText(this JsonElement? element, string name) =>
        Embedded(element.Find(name)) is { ValueKind: JsonValueKind.Array } value ? value : null;

    public static JsonElement? ArrayOrText(this JsonElement element, string name) => ((JsonElement?)element).ArrayOrText(name);

    /// <summary>
    /// A list of objects at <paramref name="name"/> (Okta's <c>target</c>, Entra's <c>targetResources</c>): the array, or the
    /// one object a pipeline that flattens one-item arrays (or converts from XML) writes in its place; also as JSON text.
    /// </summary>
    public static JsonElement? ListOrOne(this JsonElement element, string name) =>
        Embedded(((JsonElement?)element).Find(name)) is { ValueKind: JsonValueKind.Array or JsonValueKind.Object } value ? value : null;

    /// <summary>The first object of a <see cref="ListOrOne(JsonElement, string)"/> list, else null.</summary>
    public static JsonElement? FirstObject(this JsonElement? list) => list switch
    {
        { ValueKind: JsonValueKind.Object } one => one,
        { ValueKind: JsonValueKind.Array } array when array.GetArrayLength() > 0 && array[0].ValueKind == JsonValueKind.Object => array[0],
        _ => null,
    };

    /// <summary>The first object of a <see cref="ListOrOne(JsonElement, string)"/> list whose <c>type</c> is <paramref name="type"/> (case-insensitive), else null.</summary>
    public static JsonElement? FirstOfType(this JsonElement? list, string type)
    {
        if (list is { ValueKind: JsonValueKind.Object } one)
        {
            return string.Equals(one.Text("type"), type, StringComparison.OrdinalIgnoreCase) ? one : null;
        }

        if (list is not { ValueKind: JsonValueKind.Array } array)
        {
            return null;
        }

        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Object && string.Equals(item.Text("type"), type, StringComparison.OrdinalIgnoreCase))
            {
                return item;
            }
        }

        return null;
    }

    /// <summary>
    /// Every object of a <see cref="ListOrOne(JsonElement, string)"/> list whose <c>type</c> is <paramref name="type"/>
    /// (case-insensitive), in order. <see cref="FirstOfType"/> stays a loop of its own: it runs on every record, this only
    /// where a record's kind needs all of them.
    /// </summary>
    public static IEnumerable<JsonElement> AllOfType(this JsonElement? list, string type)
    {
        IEnumerable<JsonElement> items = list switch
        {
            { ValueKind: JsonValueKind.Object } one => [one],
            { ValueKind: JsonValueKind.Array } array => array.EnumerateArray(),
            _ => [],
        };
        foreach (var item in items)
        {
            if (item.ValueKind == JsonValueKind.Object && string.Equals(item.Text("type"), type, StringComparison.OrdinalIgnoreCase))
            {
                yield return item;
            }
        }
    }

    /// <summary>
    /// A value as it is, or, when it is text holding a JSON object or array, that object or array. Text that only looks
    /// like JSON (Okta's <c>{reasons=…, level=HIGH}</c>) stays text, for the callers that read it as such.
    /// </summary>
    public static JsonElement? Embedded(JsonElement? value)
    {
        if (value is not { ValueKind: JsonValueKind.String } s || s.GetString() is not { } text)
        {
            return value;
        }

        if (!LooksLikeJson(text.AsSpan().Trim()))
        {
            return value;
        }

        if (!JsonPayload.TryParseText(text, out var document, out _))
        {
            return value;
        }

        using (document)
        {
            return document.RootElement.Clone();
        }
    }

    /// <summary>
    /// Whether text opens and closes as a JSON object or array, and its first member could start one: a quick test, so the
    /// vendors' <c>{key=value, …}</c> text is not thrown at the parser on every record.
    /// </summary>
    private static bool LooksLikeJson(ReadOnlySpan<char> text)
    {
        if (text.Length < 2 || !((text[0] == '{' && text[^1] == '}') || (text[0] == '[' && text[^1] == ']')))
        {
            return false;
        }

        var inside = text[1..^1].TrimStart();
        return inside.IsEmpty || (text[0] == '{' ? inside[0] == '"' : "\"{[-0123456789tfn".Contains(inside[0]));
    }

    /// <summary>The strings of an array (other items skipped); empty when there is no array.</summary>
    public static List<string> Strings(this JsonElement? array)
    {
        var list = new List<string>();
        if (array is { ValueKind: JsonValueKind.Array } a)
        {
            foreach (var item in a.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String && Clean(item.GetString()) is { } s)
                {
                    list.Add(s);
                }
            }
        }

        return list;
    }

    /// <summary>
    /// A list vendors write as words in one string (Entra's <c>scopes</c>, <c>roles</c>, <c>wids</c>, space-separated; Okta's
    /// <c>grantedScopes</c>, comma-separated), also as an array.
    /// </summary>
    public static List<string> Words(this JsonElement? element, string name) =>
        element.Find(name) switch
        {
            { ValueKind: JsonValueKind.String } s => [.. (s.GetString() ?? string.Empty).Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
            { ValueKind: JsonValueKind.Array } a => ((JsonElement?)a).Strings(),
            _ => [],
        };

    public static List<string> Words(this JsonElement element, string name) => ((JsonElement?)element).Words(name);

    /// <summary>
    /// A time given as text (ISO 8601 or the pipelines' <c>YYYY-MM-DD hh:mm:ss.fffffffff</c> UTC form) or as a number of
    /// Unix seconds (below 10^11) or milliseconds, also when a pipeline wrote that number as text (<c>"1764496800000"</c>),
    /// and any of those in MongoDB Extended JSON's date object, as Auth0's log exports and streams write <c>date</c>:
    /// <c>{"$date": "2026-11-30T10:00:00.000Z"}</c> (relaxed), <c>{"$date": {"$numberLong": "1764496800000"}}</c> (canonical).
    /// </summary>
    public static bool TryTime(JsonElement? value, out DateTimeOffset time)
    {
        time = default;
        return value switch
        {
            { ValueKind: JsonValueKind.String } s => JsonFields.TryParseTime(s.GetString(), out time) || TryOneDigitHour(s.GetString(), out time)
                || (long.TryParse(s.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var written) && TryUnix(written, out time)),
            { ValueKind: JsonValueKind.Number } n when n.TryGetInt64(out var number) => TryUnix(number, out time),
            { ValueKind: JsonValueKind.Object } o when o.TryGetProperty("$date", out var date) => TryTime(date, out time),
            { ValueKind: JsonValueKind.Object } o when o.TryGetProperty("$numberLong", out var longText) && longText.ValueKind == JsonValueKind.String
                => long.TryParse(longText.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var canonical) && TryUnix(canonical, out time),
            _ => false,
        };
    }

    private static bool TryUnix(long number, out DateTimeOffset time)
    {
        time = default;
        if (number <= 0)
        {
            return false;
        }

        try
        {
            time = number < 100_000_000_000 ? DateTimeOffset.FromUnixTimeSeconds(number) : DateTimeOffset.FromUnixTimeMilliseconds(number);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    /// <summary>
    /// Entra ID's Identity Protection writes some times with a one-digit hour (<c>2022-09-09T8:48:50.361Z</c>): read as
    /// the ISO 8601 time it means.
    /// </summary>
    private static bool TryOneDigitHour(string? text, out DateTimeOffset time)
    {
        time = default;
        return text is { Length: > 12 } && text[10] is 'T' or 't' && char.IsAsciiDigit(text[11]) && text[12] == ':'
            && JsonFields.TryParseTime(text.Insert(11, "0"), out time);
    }

    /// <summary>Null for empty text and the placeholders vendors write for "not known" (<c>unknown</c>, <c>null</c>, <c>&lt;null&gt;</c>, <c>N/A</c>).</summary>
    public static string? Clean(string? text)
    {
        if (text is null)
        {
            return null;
        }

        text = text.Trim();
        return text.Length == 0
            || text.Equals("unknown", StringComparison.OrdinalIgnoreCase)
            || text.Equals("null", StringComparison.OrdinalIgnoreCase)
            || text.Equals("<null>", StringComparison.OrdinalIgnoreCase)
            || text.Equals("n/a", StringComparison.OrdinalIgnoreCase)
            || text == "-"
                ? null
                : text;
    }
}
