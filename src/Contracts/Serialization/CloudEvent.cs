namespace ZtStream.Contracts.Serialization;

/// <summary>A CloudEvents 1.0 structured-mode JSON message.</summary>
public sealed record CloudEvent
{
    /// <summary>Always <c>1.0</c>.</summary>
    [JsonPropertyName("specversion")]
    public string SpecVersion { get; init; } = "1.0";

    /// <summary>Event id.</summary>
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary>URI-reference of the producer.</summary>
    [JsonPropertyName("source")]
    public required string Source { get; init; }

    /// <summary>Event type, e.g. <c>io.ztstream.access.v1</c>.</summary>
    [JsonPropertyName("type")]
    public required string Type { get; init; }

    /// <summary>Occurrence time.</summary>
    [JsonPropertyName("time")]
    public DateTimeOffset? Time { get; init; }

    /// <summary>Subject of the event within the source (the principal).</summary>
    [JsonPropertyName("subject")]
    public string? Subject { get; init; }

    /// <summary>Media type of <see cref="Data"/>.</summary>
    [JsonPropertyName("datacontenttype")]
    public string? DataContentType { get; init; }

    /// <summary>Schema URI of <see cref="Data"/>.</summary>
    [JsonPropertyName("dataschema")]
    public string? DataSchema { get; init; }

    /// <summary>The payload.</summary>
    [JsonPropertyName("data")]
    public JsonElement? Data { get; init; }
}

/// <summary>Maps contracts to and from CloudEvents 1.0 structured JSON.</summary>
public static class CloudEventMapping
{
    /// <summary>CloudEvents type of an access event.</summary>
    public const string AccessEventType = "io.ztstream.access.v1";
    /// <summary>CloudEvents type of an alert.</summary>
    public const string AlertType = "io.ztstream.alert.v1";
    /// <summary>Structured-mode media type.</summary>
    public const string StructuredMediaType = "application/cloudevents+json";
    /// <summary>Batch media type.</summary>
    public const string BatchMediaType = "application/cloudevents-batch+json";

    /// <summary>Wraps an access event; the event's source (or <c>ztstream</c>) becomes the CloudEvents source.</summary>
    public static CloudEvent ToCloudEvent(AccessEvent e) => new()
    {
        Id = e.Id,
        Source = string.IsNullOrEmpty(e.Source) ? "ztstream" : e.Source,
        Type = AccessEventType,
        Time = e.Time,
        Subject = e.PrincipalKey,
        DataContentType = "application/json",
        DataSchema = $"https://ztstream.io/schemas/access/v{e.Schema}",
        Data = JsonSerializer.SerializeToElement(e, ContractsJsonContext.Default.AccessEvent),
    };

    /// <summary>Wraps an alert.</summary>
    public static CloudEvent ToCloudEvent(Alert a) => new()
    {
        Id = a.Id,
        Source = "ztstream/verifier",
        Type = AlertType,
        Time = a.LastSeen,
        Subject = a.Principal,
        DataContentType = "application/json",
        Data = JsonSerializer.SerializeToElement(a, ContractsJsonContext.Default.Alert),
    };

    /// <summary>Serialises an access event as one structured CloudEvent, UTF-8.</summary>
    public static byte[] SerializeStructured(AccessEvent e) =>
        JsonSerializer.SerializeToUtf8Bytes(ToCloudEvent(e), ContractsJsonContext.Default.CloudEvent);
}
