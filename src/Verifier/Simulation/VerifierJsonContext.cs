namespace ZtStream.Verifier.Simulation;

/// <summary>
/// JSON of the Verifier's own files (scenario labels, evaluation reports) and of the attribute values of the records it
/// derives (snake_case); times read also with RFC 3339's lower-case <c>t</c> and <c>z</c>, and written upper case.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    Converters = [typeof(ZtStream.Contracts.Serialization.Rfc3339TimeConverter)])]
[JsonSerializable(typeof(ScenarioLabel))]
[JsonSerializable(typeof(EvaluationReport))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class VerifierJsonContext : JsonSerializerContext;
