using ZtStream.Contracts.Commands;
using ZtStream.Contracts.Revocations;

namespace ZtStream.Contracts.Serialization;

/// <summary>Source-generated System.Text.Json metadata for every contract (snake_case, nulls omitted).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(AccessEvent))]
[JsonSerializable(typeof(List<AccessEvent>))]
[JsonSerializable(typeof(Alert))]
[JsonSerializable(typeof(AlertFeedback))]
[JsonSerializable(typeof(RevokeToken))]
[JsonSerializable(typeof(RevokeSubjectSessions))]
[JsonSerializable(typeof(IsolateWorkload))]
[JsonSerializable(typeof(ReleaseWorkload))]
[JsonSerializable(typeof(ActionCompleted))]
[JsonSerializable(typeof(ActionFailed))]
[JsonSerializable(typeof(Revocation))]
[JsonSerializable(typeof(RevocationSnapshot))]
[JsonSerializable(typeof(RevocationLift))]
[JsonSerializable(typeof(CloudEvent))]
[JsonSerializable(typeof(List<CloudEvent>))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
public sealed partial class ContractsJsonContext : JsonSerializerContext;
