namespace ZtStream.Verifier.Scoring;

/// <summary>Typed reads of an event's attributes (the keys the identity adapters write, docs/events.md).</summary>
internal static class EventAttributes
{
    public static string? Text(Dictionary<string, JsonElement>? a, string key) =>
        a is not null && a.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static bool? Flag(Dictionary<string, JsonElement>? a, string key) =>
        a is not null && a.TryGetValue(key, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    /// <summary>A number, also when the vendor wrote it as text.</summary>
    public static long? Number(Dictionary<string, JsonElement>? a, string key)
    {
        if (a is null || !a.TryGetValue(key, out var v))
        {
            return null;
        }

        return v.ValueKind switch
        {
            JsonValueKind.Number when v.TryGetInt64(out var n) => n,
            JsonValueKind.String when long.TryParse(v.GetString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) => n,
            _ => null,
        };
    }

    public static List<string> List(Dictionary<string, JsonElement>? a, string key) =>
        a is not null && a.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.Array
            ? [.. v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!)]
            : [];
}
