using ZtStream.Contracts.Alerts;
using ZtStream.Responder.Actions;
using ZtStream.Responder.Alerts;

namespace ZtStream.Responder.Api;

internal sealed record AlertView(Alert Alert, string Status, string? VerdictBy, DateTimeOffset UpdatedAt)
{
    public static AlertView From(StoredAlert s) => new(s.Alert, s.Status, s.VerdictBy, s.UpdatedAt);
}

internal sealed record AlertPage(IReadOnlyList<AlertView> Items, int Limit, int Offset);

internal sealed record AlertDetail(AlertView Alert, IReadOnlyList<AlertHistoryEntry> History, IReadOnlyList<ActionRecord> Actions);

/// <summary><c>false_positive</c> or <c>true_positive</c>; <see cref="Rules"/> narrows the suppression (default: the alert's reasons).</summary>
internal sealed record VerdictRequest(string? Verdict, string? Note, List<string>? Rules);

/// <summary>A manual action: kind revoke_token (jti or session_id), revoke_subject_sessions (subject_id) or isolate_workload (workload_id).</summary>
internal sealed record ActionRequest(
    string? Kind,
    string? Jti,
    string? SessionId,
    string? SubjectId,
    string? ClientId,
    string? WorkloadId,
    string? Namespace,
    string? Name,
    long? TtlSeconds,
    string? AlertId,
    string? Reason);

internal sealed record ExtendRequest(long? TtlSeconds);

internal sealed record NoteRequest(string? Reason);

internal sealed record CallerView(string Name, string Role);
