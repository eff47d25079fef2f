namespace ZtStream.Ingest.Validation;

/// <summary>The body formats <c>POST /v1/events</c> takes.</summary>
internal enum EventsFormat
{
    /// <summary>A JSON array of events (or one event object); also NDJSON, since both read the same way.</summary>
    Json,

    /// <summary>A JSON array of CloudEvents whose <c>data</c> is an event.</summary>
    CloudEventsBatch,

    /// <summary>One structured CloudEvent.</summary>
    CloudEvent,
}

/// <summary>Reads the items of a <c>/v1/events</c> body into events and per-item errors.</summary>
internal sealed class EventBatchParser(EventValidator validator)
{
    /// <summary>
    /// The items of <paramref name="body"/>. An item accepted from its bytes keeps a slice of <paramref name="body"/> as
    /// its <see cref="MappedEvent.Json"/> rather than a copy, so the body must outlive the items.
    /// </summary>
    public MapResult Parse(ReadOnlyMemory<byte> body, EventsFormat format)
    {
        if (format == EventsFormat.Json)
        {
            // The common case, canonical events as the contract writes them, is validated from the bytes and forwarded.
            // The scanner's payload is body.Span itself, so its reader's offsets slice body.
            return JsonPayload.MapItems(
                body.Span,
                (ReadOnlySpan<byte> _, ref Utf8JsonReader reader, int index, List<MappedEvent> items) => ScanEvent(body, ref reader, index, items),
                (element, index, items, errors) =>
                {
                    if (ParseEvent(element, index, string.Empty, errors) is { } item)
                    {
                        items.Add(item);
                    }
                });
        }

        return JsonPayload.MapItems(body.Span, (element, index, items, errors) =>
        {
            var item = format == EventsFormat.Json ? ParseEvent(element, index, string.Empty, errors) : ParseCloudEvent(element, index, errors);
            if (item is not null)
            {
                items.Add(item);
            }
        });
    }

    /// <summary>The item the reader is on, accepted from its bytes in <paramref name="body"/> (the reader's input), which it keeps a slice of.</summary>
    private bool ScanEvent(ReadOnlyMemory<byte> body, ref Utf8JsonReader reader, int index, List<MappedEvent> items)
    {
        var start = (int)reader.TokenStartIndex;
        var ahead = reader;
        if (!validator.TryAcceptVerbatim(ref ahead, out var scanned))
        {
            return false;
        }

        reader = ahead;
        items.Add(new MappedEvent(index, scanned, body[start..(int)reader.BytesConsumed]));
        return true;
    }

    /// <summary>The event in <paramref name="element"/>, with its own bytes when they can be forwarded as they are.</summary>
    private MappedEvent? ParseEvent(JsonElement element, int index, string prefix, List<ItemError> errors)
    {
        var json = JsonMarshal.GetRawUtf8Value(element);
        if (validator.TryAcceptVerbatim(json, out var scanned))
        {
            return new MappedEvent(index, scanned, json.ToArray());
        }

        var e = validator.Parse(element, index, prefix, errors, out var verbatim);
        return e is null ? null : new MappedEvent(index, e, verbatim ? json.ToArray() : null);
    }

    private MappedEvent? ParseCloudEvent(JsonElement element, int index, List<ItemError> errors)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new ItemError(index, "$", "expected a CloudEvent object"));
            return null;
        }

        var before = errors.Count;
        if (element.String("specversion") != "1.0")
        {
            errors.Add(new ItemError(index, "specversion", "required: must be \"1.0\""));
        }

        if (element.String("type") is var type && type != CloudEventMapping.AccessEventType)
        {
            errors.Add(new ItemError(index, "type", $"must be \"{CloudEventMapping.AccessEventType}\", got {(type is null ? "nothing" : $"\"{(type.Length > 64 ? type[..64] : type)}\"")}"));
        }

        if (element.String("datacontenttype") is { } contentType && !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add(new ItemError(index, "datacontenttype", $"must be application/json, got \"{(contentType.Length > 64 ? contentType[..64] : contentType)}\""));
        }

        if (element.Child("data") is not { ValueKind: JsonValueKind.Object } data)
        {
            errors.Add(new ItemError(index, "data", "required: the event, as a JSON object (data_base64 is not accepted)"));
            return null;
        }

        return errors.Count > before ? null : ParseEvent(data, index, "data.", errors);
    }
}
