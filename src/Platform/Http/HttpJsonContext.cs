using System.Text.Json.Serialization;

namespace ZtStream.Platform.Http;

/// <summary>Source-generated JSON metadata for the problem documents (snake_case, nulls left out).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Problem))]
internal sealed partial class HttpJsonContext : JsonSerializerContext;
