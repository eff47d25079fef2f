namespace ZtStream.Ingest.Sources;

/// <summary>One top-level value of a payload, or why it could not be read.</summary>
internal readonly record struct PayloadValue(int Index, JsonDocument? Document, string? Error);

/// <summary>Maps one input item at <paramref name="index"/>, adding the event it yields or the errors it holds.</summary>
internal delegate void ItemMapper(JsonElement item, int index, List<MappedEvent> items, List<ItemError> errors);

/// <summary>As <see cref="ItemMapper"/> for a JSON object item, mapped with the bounds and naming of <paramref name="options"/>.</summary>
internal delegate void ObjectMapper(JsonElement item, int index, SourceMapOptions options, List<MappedEvent> items, List<ItemError> errors);

/// <summary>
/// Tries to map the item <paramref name="reader"/> is on (its first token) from its bytes in <paramref name="payload"/>
/// alone: true when it added the item, with the reader left on the item's last token; false (the reader untouched) to
/// leave it to the <see cref="ItemMapper"/>.
/// </summary>
internal delegate bool ItemScanner(ReadOnlySpan<byte> payload, ref Utf8JsonReader reader, int index, List<MappedEvent> items);

/// <summary>The items a top-level wrapper object holds (such as an <c>EventList</c>), or why they cannot be read.</summary>
internal readonly record struct WrappedItems(JsonElement Items, string? ErrorField = null, string? Error = null);

/// <summary>Reading the top-level values of a source payload: one JSON value, several concatenated, or one per line.</summary>
internal static class JsonPayload
{
    public const string InvalidText = "the item holds text that is not valid UTF-8";

    /// <summary>How every reason for unparsable input starts.</summary>
    public const string MalformedJson = "malformed JSON";

    private const int MaxDepth = 64;
    private static readonly JsonReaderOptions MultipleValues = new() { AllowMultipleValues = true, MaxDepth = MaxDepth };
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };

    /// <summary>
    /// Maps every item of a payload: each top-level value is an item, or a list of them when it is an array (or a wrapper
    /// <paramref name="unwrap"/> recognizes, returning null for any other value, at the top or as a value of a top-level
    /// array). Items are numbered in order across the whole payload, so an unreadable value or a bad item costs one index and
    /// one error, never the batch.
    /// </summary>
    public static MapResult MapItems(ReadOnlySpan<byte> json, ItemMapper mapOne, Func<JsonElement, WrappedItems?>? unwrap = null)
    {
        var items = new List<MappedEvent>();
        var errors = new List<ItemError>();
        var index = 0;
        foreach (var value in ReadValues(json))
        {
            using var document = value.Document;
            if (document is null)
            {
                errors.Add(new ItemError(index++, "$", value.Error ?? "malformed JSON"));
                continue;
            }

            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                MapValue(root);
                continue;
            }

            // An array may hold wrappers too: a reader of an Event Hub posting the bodies of several messages as one
            // array ([{"records":[…]}, …]), a relay batching Okta's hook deliveries. Each is read as if posted alone.
            foreach (var element in root.EnumerateArray())
            {
                MapValue(element);
            }
        }

        return new MapResult(items, errors);

        void MapValue(JsonElement given)
        {
            if (unwrap?.Invoke(given) is not { } wrapped)
            {
                MapOne(given, index++);
            }
            else if (wrapped.Error is { } error)
            {
                errors.Add(new ItemError(index++, wrapped.ErrorField ?? "$", error));
            }
            else
            {
                foreach (var element in wrapped.Items.EnumerateArray())
                {
                    MapOne(element, index++);
                }
            }
        }

        void MapOne(JsonElement element, int at)
        {
            try
            {
                mapOne(element, at, items, errors);
            }
            catch (InvalidOperationException)
            {
                // JsonElement.GetString throws on strings that are not valid UTF-8; the reader does not check them.
                errors.Add(new ItemError(at, "$", InvalidText));
            }
        }
    }

    /// <summary>
    /// As <see cref="MapItems(ReadOnlySpan{byte}, ItemMapper, Func{JsonElement, WrappedItems?}?)"/> for a source whose
    /// items are JSON objects: any other value is that item's error (<c>not {what}: expected a JSON object, got …</c>),
    /// and <paramref name="mapObject"/> sees objects only, with <paramref name="options"/> or, without them, the defaults.
    /// </summary>
    public static MapResult MapObjects(ReadOnlySpan<byte> json, string what, SourceMapOptions? options, ObjectMapper mapObject, Func<JsonElement, WrappedItems?>? unwrap = null)
    {
        var bounds = options ?? SourceMapOptions.Default;
        return MapItems(json, (item, index, items, errors) =>
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new ItemError(index, "$", $"not {what}: expected a JSON object, got {JsonFields.Describe(item)}"));
                return;
            }

            mapObject(item, index, bounds, items, errors);
        }, unwrap);
    }

    /// <summary>
    /// As <see cref="MapItems(ReadOnlySpan{byte}, ItemMapper, Func{JsonElement, WrappedItems?}?)"/> without a wrapper,
    /// reading the payload in one forward pass: each item is offered to <paramref name="scan"/> first, and only the items it
    /// leaves are parsed into a document for <paramref name="mapOne"/>. A payload that is not well-formed JSON throughout
    /// (or is empty) is mapped by the document path from the start, so what it reports is the same either way.
    /// </summary>
    public static MapResult MapItems(ReadOnlySpan<byte> json, ItemScanner scan, ItemMapper mapOne)
    {
        var items = new List<MappedEvent>();
        var errors = new List<ItemError>();
        var index = 0;
        var reader = new Utf8JsonReader(json, MultipleValues);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    MapOne(json, ref reader, index++);
                    continue;
                }

                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    MapOne(json, ref reader, index++);
                }
            }
        }
        catch (JsonException)
        {
            return MapItems(json, mapOne);
        }

        return index == 0 ? MapItems(json, mapOne) : new MapResult(items, errors);

        void MapOne(ReadOnlySpan<byte> payload, ref Utf8JsonReader reader, int at)
        {
            if (scan(payload, ref reader, at, items))
            {
                return;
            }

            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            var item = new Utf8JsonReader(payload[start..(int)reader.BytesConsumed], MultipleValues);
            using var document = JsonDocument.ParseValue(ref item);
            try
            {
                mapOne(document.RootElement, at, items, errors);
            }
            catch (InvalidOperationException)
            {
                errors.Add(new ItemError(at, "$", InvalidText));
            }
        }
    }

    /// <summary>
    /// The top-level values of <paramref name="json"/>. When the payload does not parse as a whole but its first line is a
    /// complete value, it is read line by line (NDJSON), so one bad line costs one item rather than the batch.
    /// The caller disposes the documents.
    /// </summary>
    public static List<PayloadValue> ReadValues(ReadOnlySpan<byte> json)
    {
        var values = new List<PayloadValue>();
        var reader = new Utf8JsonReader(json, MultipleValues);
        try
        {
            while (reader.Read())
            {
                values.Add(new PayloadValue(values.Count, JsonDocument.ParseValue(ref reader), null));
            }

            if (values.Count == 0)
            {
                values.Add(new PayloadValue(0, null, "the body is empty: expected JSON"));
            }

            return values;
        }
        catch (JsonException ex)
        {
            foreach (var value in values)
            {
                value.Document?.Dispose();
            }

            values.Clear();
            if (!FirstLineIsComplete(json))
            {
                values.Add(new PayloadValue(0, null, Describe(ex)));
                return values;
            }
        }

        var rest = json;
        var lineNumber = 0;
        while (!rest.IsEmpty)
        {
            var newline = rest.IndexOf((byte)'\n');
            var line = (newline < 0 ? rest : rest[..newline]).Trim(" \t\r"u8);
            rest = newline < 0 ? [] : rest[(newline + 1)..];
            lineNumber++;
            if (line.IsEmpty)
            {
                continue;
            }

            try
            {
                values.Add(new PayloadValue(values.Count, JsonDocument.Parse(line.ToArray(), DocumentOptions), null));
            }
            catch (JsonException ex)
            {
                values.Add(new PayloadValue(values.Count, null, $"line {lineNumber}: {Describe(ex)}"));
            }
        }

        return values;
    }

    /// <summary>
    /// One JSON value held in a string (a log line a cloud's envelope carries), with the payload's depth limit; false, with
    /// why (<see cref="Describe"/>) in <paramref name="problem"/>, when the text is not one JSON value.
    /// </summary>
    public static bool TryParseText(string text, [NotNullWhen(true)] out JsonDocument? document, [NotNullWhen(false)] out string? problem)
    {
        try
        {
            (document, problem) = (JsonDocument.Parse(text, DocumentOptions), null);
            return true;
        }
        catch (JsonException ex)
        {
            (document, problem) = (null, Describe(ex));
            return false;
        }
    }

    private static bool FirstLineIsComplete(ReadOnlySpan<byte> json)
    {
        var newline = json.IndexOf((byte)'\n');
        if (newline < 0)
        {
            return false;
        }

        try
        {
            using var _ = JsonDocument.Parse(json[..newline].ToArray(), DocumentOptions);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>A reader error in words, with position, without the exception's internal path noise.</summary>
    public static string Describe(JsonException ex)
    {
        var message = JsonMembers.ReaderWords(ex);
        return ex.LineNumber is { } line
            ? $"{MalformedJson} at line {line + 1}, byte {ex.BytePositionInLine + 1}: {message}"
            : $"{MalformedJson}: {message}";
    }
}
