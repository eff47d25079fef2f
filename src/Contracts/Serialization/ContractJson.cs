namespace ZtStream.Contracts.Serialization;

/// <summary>Byte-level (de)serialisation of the records that travel on the event log.</summary>
public static class ContractJson
{
    // Reads refuse JSON null where a contract has none (a record another producer wrote would otherwise reach code that
    // trusts the annotation); writes never produce one, as nulls are omitted.
    private static readonly ContractsJsonContext Reading = new(new JsonSerializerOptions(ContractsJsonContext.Default.Options)
    {
        RespectNullableAnnotations = true,
        Converters = { Rfc3339TimeConverter.Instance },
    });

    /// <summary>
    /// The contracts as read from outside ZtStream (a request's body, a recording, a feed): as
    /// <see cref="ContractsJsonContext.Default"/>, and times also with RFC 3339's lower-case <c>t</c> and <c>z</c>
    /// (<see cref="Rfc3339TimeConverter"/>). Writes stay with <see cref="ContractsJsonContext.Default"/>.
    /// </summary>
    public static ContractsJsonContext Input { get; } = new(new JsonSerializerOptions(ContractsJsonContext.Default.Options)
    {
        Converters = { Rfc3339TimeConverter.Instance },
    });

    /// <summary>UTF-8 JSON of an access event.</summary>
    public static byte[] Serialize(AccessEvent e) => JsonSerializer.SerializeToUtf8Bytes(e, ContractsJsonContext.Default.AccessEvent);

    /// <summary>UTF-8 JSON of an alert.</summary>
    public static byte[] Serialize(Alert a) => JsonSerializer.SerializeToUtf8Bytes(a, ContractsJsonContext.Default.Alert);

    /// <summary>UTF-8 JSON of feedback.</summary>
    public static byte[] Serialize(AlertFeedback f) => JsonSerializer.SerializeToUtf8Bytes(f, ContractsJsonContext.Default.AlertFeedback);

    /// <summary>Reads an access event, or throws <see cref="JsonException"/>.</summary>
    public static AccessEvent DeserializeEvent(ReadOnlySpan<byte> utf8) =>
        JsonSerializer.Deserialize(utf8, Reading.AccessEvent) ?? throw new JsonException("null event");

    /// <summary>Reads an alert, or throws <see cref="JsonException"/>.</summary>
    public static Alert DeserializeAlert(ReadOnlySpan<byte> utf8) =>
        JsonSerializer.Deserialize(utf8, Reading.Alert) ?? throw new JsonException("null alert");

    /// <summary>Reads feedback, or throws <see cref="JsonException"/>.</summary>
    public static AlertFeedback DeserializeFeedback(ReadOnlySpan<byte> utf8) =>
        JsonSerializer.Deserialize(utf8, Reading.AlertFeedback) ?? throw new JsonException("null feedback");
}
