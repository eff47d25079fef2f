namespace ZtStream.Sdk.Client;

/// <summary>Reads which items of a batch Ingest refused, from its 207/400 problem document.</summary>
internal static class IngestResponse
{
    // Ingest lists bad items as objects carrying the item's "index" (with field and reason) under one of these names.
    private static readonly string[] ItemListNames = ["errors", "invalid", "rejected", "invalid_items"];

    /// <summary>The indices (0 ≤ i &lt; <paramref name="count"/>) named as invalid, and a short detail for the log.</summary>
    public static (HashSet<int> Invalid, string Detail) ReadInvalidItems(ReadOnlySpan<byte> body, int count)
    {
        var invalid = new HashSet<int>();
        var detail = string.Empty;
        if (body.IsEmpty)
        {
            return (invalid, detail);
        }

        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (invalid, detail);
            }

            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.NameEquals("detail") && property.Value.ValueKind == JsonValueKind.String)
                {
                    detail = property.Value.GetString() ?? string.Empty;
                }

                if (property.Value.ValueKind != JsonValueKind.Array || !IsItemList(property.Name))
                {
                    continue;
                }

                foreach (var item in property.Value.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object
                        && TryIndex(item, out var index)
                        && index >= 0 && index < count)
                    {
                        invalid.Add(index);
                        if (detail.Length == 0)
                        {
                            detail = item.ToString();
                        }
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not a problem document: the caller treats the whole batch by status code alone.
        }

        return (invalid, detail);
    }

    private static bool IsItemList(string name)
    {
        foreach (var candidate in ItemListNames)
        {
            if (string.Equals(candidate, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryIndex(JsonElement item, out int index)
    {
        foreach (var p in item.EnumerateObject())
        {
            if (string.Equals(p.Name, "index", StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind == JsonValueKind.Number)
            {
                return p.Value.TryGetInt32(out index);
            }
        }

        index = -1;
        return false;
    }
}
