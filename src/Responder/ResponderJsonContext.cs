using System.Text.Json.Serialization;

namespace ZtStream.Responder;

/// <summary>
/// JSON of the REST API and of the before/after state in the audit trail (snake_case, like the contracts); times read also
/// with RFC 3339's lower-case <c>t</c> and <c>z</c>, and written upper case.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    Converters = [typeof(ZtStream.Contracts.Serialization.Rfc3339TimeConverter)])]
[JsonSerializable(typeof(ActionRecord))]
[JsonSerializable(typeof(List<ActionRecord>))]
[JsonSerializable(typeof(AlertView))]
[JsonSerializable(typeof(AlertPage))]
[JsonSerializable(typeof(AlertDetail))]
[JsonSerializable(typeof(AuditEntry))]
[JsonSerializable(typeof(List<AuditEntry>))]
[JsonSerializable(typeof(VerdictRequest))]
[JsonSerializable(typeof(ActionRequest))]
[JsonSerializable(typeof(ExtendRequest))]
[JsonSerializable(typeof(NoteRequest))]
[JsonSerializable(typeof(NoBodyRequest))]
[JsonSerializable(typeof(ActionLift))]
[JsonSerializable(typeof(CallerView))]
[JsonSerializable(typeof(AlertFeedback))]
[JsonSerializable(typeof(Alert))]
[JsonSerializable(typeof(AlertHistoryEntry))]
[JsonSerializable(typeof(StatusRequest))]
[JsonSerializable(typeof(AssignRequest))]
[JsonSerializable(typeof(CommentRequest))]
[JsonSerializable(typeof(BulkRequest))]
[JsonSerializable(typeof(BulkResult))]
[JsonSerializable(typeof(StatusResult))]
[JsonSerializable(typeof(SuppressionBody))]
[JsonSerializable(typeof(NarrowRequest))]
[JsonSerializable(typeof(LiftRequest))]
[JsonSerializable(typeof(SuppressionRecord))]
[JsonSerializable(typeof(List<SuppressionRecord>))]
[JsonSerializable(typeof(TriageState))]
[JsonSerializable(typeof(ConsoleAuthConfig))]
[JsonSerializable(typeof(List<ConsoleSessionView>))]
[JsonSerializable(typeof(ConsoleSessionsEnded))]
[JsonSerializable(typeof(AlertStats))]
[JsonSerializable(typeof(PrincipalActivity))]
[JsonSerializable(typeof(NotificationContent))]
internal sealed partial class ResponderJsonContext : JsonSerializerContext;
