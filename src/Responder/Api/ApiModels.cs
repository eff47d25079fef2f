namespace ZtStream.Responder.Api;

internal sealed record AlertView(Alert Alert, string Status, string? VerdictBy, string? Assignee, long Version, DateTimeOffset UpdatedAt)
{
    public static AlertView From(StoredAlert s) => new(s.Alert, s.Status, s.VerdictBy, s.Assignee, s.Version, s.UpdatedAt);
}

/// <summary>
/// A page of the queue. <see cref="NextCursor"/> (null on the last page) fetches the next one; <see cref="Version"/> is
/// the change version the page was read at, from which <c>GET /v1/alerts/stream</c> continues without a gap.
/// </summary>
internal sealed record AlertPage(IReadOnlyList<AlertView> Items, int Limit, int Offset, string? NextCursor, long Version);

internal sealed record AlertDetail(
    AlertView Alert, IReadOnlyList<AlertHistoryEntry> History, IReadOnlyList<ActionRecord> Actions, IReadOnlyList<SuppressionRecord> Suppressions);

/// <summary><c>false_positive</c> or <c>true_positive</c>; <see cref="Rules"/>, <see cref="Scope"/>, <see cref="ExpiresAt"/> and <see cref="Cluster"/> shape the suppression a false positive makes.</summary>
internal sealed record VerdictRequest(string? Verdict, string? Note, List<string>? Rules, string? Scope = null, DateTimeOffset? ExpiresAt = null, string? Cluster = null);

/// <summary>
/// A status (open, acknowledged, in_progress, true_positive, false_positive, benign), a note (required to reopen), the
/// suppression of a false positive, and optionally the alert's <see cref="Version"/> the change was decided on (409 when
/// the alert has changed since).
/// </summary>
internal sealed record StatusRequest(string? Status, string? Note, List<string>? Rules, string? Scope, DateTimeOffset? ExpiresAt, long? Version = null, string? Cluster = null);

/// <summary>An assignee (null unassigns), and optionally the alert's <see cref="Version"/> it was decided on, as for a status.</summary>
internal sealed record AssignRequest(string? Assignee, long? Version = null);

internal sealed record CommentRequest(string? Text);

/// <summary>
/// Up to <see cref="MaxIds"/> alerts — <see cref="Items"/>, each with the version it was decided on (refused when the
/// alert has changed since), or <see cref="Ids"/> alone (changed as they are now) — and a status (with note), an
/// assignee, or <see cref="Unassign"/>.
/// </summary>
internal sealed record BulkRequest(List<string>? Ids, List<BulkItem>? Items, string? Status, string? Note, string? Assignee, bool Unassign)
{
    public const int MaxIds = 500;
}

/// <summary>One alert of a bulk change and its <c>version</c> the change was decided on (the page's).</summary>
internal sealed record BulkItem(string? Id, long? Version);

/// <summary>
/// Per alert of a bulk request: its state after, or why it was not changed (index, field, reason; <c>version</c> for an
/// alert changed since the version sent).
/// </summary>
internal sealed record BulkResult(IReadOnlyList<AlertView> Changed, IReadOnlyList<ItemError> Errors);

internal sealed record StatusResult(AlertView Alert, IReadOnlyList<SuppressionRecord> Suppressions);

/// <summary>A suppression from alert <see cref="AlertId"/> (<c>POST /v1/suppressions</c>).</summary>
internal sealed record SuppressionBody(string? AlertId, List<string>? Rules, string? Scope, DateTimeOffset? ExpiresAt, string? Note, string? Cluster = null);

/// <summary>The narrowing of a suppression (<c>PATCH</c>), with the suppression's version it was decided on, if any.</summary>
internal sealed record NarrowRequest(List<string>? Rules, string? Scope, DateTimeOffset? ExpiresAt, string? Note, long? Version, string? Cluster = null);

/// <summary>The lift of a suppression (<c>DELETE</c>, body form), with the suppression's version it was decided on, if any.</summary>
internal sealed record LiftRequest(string? Reason, long? Version);

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
    string? Reason,
    DateTimeOffset? TokenExpiresAt = null,
    string? Cluster = null);

internal sealed record ExtendRequest(long? TtlSeconds);

internal sealed record NoteRequest(string? Reason);

/// <summary>
/// The body of a change that takes none (approving an action): empty or <c>{}</c>. Read all the same, so a body meant
/// for another change, or one past the limit, is refused before the change is made rather than ignored.
/// </summary>
internal sealed record NoBodyRequest;

/// <summary>What <c>POST /v1/actions/{id}/lift</c> lifted: one lift per entry of the action, each with its feed version.</summary>
internal sealed record ActionLift(Guid ActionId, IReadOnlyList<ZtStream.Contracts.Revocations.RevocationLift> Lifts);

/// <summary>
/// Who is calling; <see cref="CsrfToken"/> is set for a console session, whose writes must send it.
/// <see cref="SuppressionDays"/> is how long a suppression lasts when no expiry is given (<c>Responder:VerdictSuppression</c>),
/// which the console's suppression form names as its default.
/// </summary>
internal sealed record CallerView(string Name, string Role, string? CsrfToken, double SuppressionDays);
