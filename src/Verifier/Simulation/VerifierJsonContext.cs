using System.Text.Json.Serialization;
using ZtStream.Verifier.Evaluation;

namespace ZtStream.Verifier.Simulation;

/// <summary>JSON of the Verifier's own files: scenario labels and evaluation reports (snake_case).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ScenarioLabel))]
[JsonSerializable(typeof(EvaluationReport))]
internal sealed partial class VerifierJsonContext : JsonSerializerContext;
