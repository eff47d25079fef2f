namespace ZtStream.Ingest.Serialization;

/// <summary>Source-generated JSON metadata for what Ingest writes itself (attribute values, problem documents).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(ZtStream.Ingest.Endpoints.AcceptedBatch))]
[JsonSerializable(typeof(ZtStream.Ingest.Endpoints.OktaVerification))]
[JsonSerializable(typeof(ZtStream.Ingest.SharedSignals.SetErrorResponse))]
[JsonSerializable(typeof(ZtStream.Ingest.SharedSignals.PollRequest))]
[JsonSerializable(typeof(ZtStream.Ingest.SharedSignals.PollResponse))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
internal sealed partial class IngestJsonContext : JsonSerializerContext;
