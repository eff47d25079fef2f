using System.Text;
using Dapper;
using ZtStream.Platform.Store;

namespace ZtStream.Responder.Audit;

/// <summary>Audit entry kinds.</summary>
internal static class AuditKinds
{
    public const string AlertReceived = "alert.received";
    public const string AlertUpdated = "alert.updated";
    public const string Verdict = "alert.verdict";
    public const string AlertStatus = "alert.status";
    public const string AlertAssigned = "alert.assigned";
    public const string AlertComment = "alert.comment";
    public const string SuppressionCreated = "suppression.created";
    public const string SuppressionNarrowed = "suppression.narrowed";
    public const string SuppressionLifted = "suppression.lifted";
    public const string Forbidden = "api.forbidden";
    public const string SignedIn = "console.signed_in";
    public const string StormRaised = "alert.storm";
    public const string Decision = "action.decided";
    public const string Approved = "action.approved";
    public const string Rejected = "action.rejected";
    public const string ApprovalExpired = "action.approval_expired";
    public const string Extended = "action.extended";
    public const string ReleaseRequested = "action.release_requested";
    public const string CommandSent = "command.sent";
    public const string AttemptFailed = "action.attempt_failed";
    public const string Completed = "action.completed";
    public const string Failed = "action.failed";
    public const string NotificationQueued = "notification.queued";
    public const string NotificationThrottled = "notification.throttled";
    public const string NotificationSent = "notification.sent";
    public const string NotificationAttemptFailed = "notification.attempt_failed";
    public const string NotificationFailed = "notification.failed";
}

/// <summary>One audit entry. <see cref="Actor"/> is who decided: <c>policy:NAME</c>, <c>system</c>, <c>ttl</c> or an API user.</summary>
internal sealed record AuditEntry(
    long Id,
    DateTimeOffset At,
    string Kind,
    string Actor,
    string? ActionId,
    string? AlertId,
    string? Principal,
    string Summary,
    string? BeforeJson,
    string? AfterJson);

internal sealed record AuditQuery(
    string? ActionId = null,
    string? AlertId = null,
    string? Principal = null,
    string? Actor = null,
    string? Kind = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    int Limit = 100);

/// <summary>The append-only audit trail (the tables refuse UPDATE and DELETE).</summary>
internal sealed class AuditLog(IStore store, TimeProvider time)
{
    private const string Insert = """
        INSERT INTO responder_audit (at, kind, actor, action_id, alert_id, principal, summary, before_json, after_json)
        VALUES (@At, @Kind, @Actor, @ActionId, @AlertId, @Principal, @Summary, @BeforeJson, @AfterJson)
        """;

    private const string Select = """
        SELECT id AS Id, at AS At, kind AS Kind, actor AS Actor, action_id AS ActionId, alert_id AS AlertId,
               principal AS Principal, summary AS Summary, before_json AS BeforeJson, after_json AS AfterJson
        FROM responder_audit
        """;

    public async Task AppendAsync(
        string kind,
        string actor,
        string summary,
        CancellationToken cancellationToken,
        string? actionId = null,
        string? alertId = null,
        string? principal = null,
        string? beforeJson = null,
        string? afterJson = null)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            Insert,
            new
            {
                At = time.GetUtcNow().ToUnixTimeMilliseconds(),
                Kind = kind,
                Actor = actor,
                ActionId = actionId,
                AlertId = alertId,
                Principal = principal,
                Summary = summary,
                BeforeJson = beforeJson,
                AfterJson = afterJson,
            },
            cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder(Select);
        var where = new SqlWhere(sql);
        var p = new DynamicParameters();
        where.AddIf(query.ActionId, "action_id = @ActionId", p, "ActionId");
        where.AddIf(query.AlertId, "alert_id = @AlertId", p, "AlertId");
        where.AddIf(query.Principal, "principal = @Principal", p, "Principal");
        where.AddIf(query.Actor, "actor = @Actor", p, "Actor");
        where.AddIf(query.Kind, "kind = @Kind", p, "Kind");
        where.AddIf(query.Since?.ToUnixTimeMilliseconds(), "at >= @Since", p, "Since");
        where.AddIf(query.Until?.ToUnixTimeMilliseconds(), "at < @Until", p, "Until");
        sql.Append(" ORDER BY id LIMIT @Limit");
        p.Add("Limit", Math.Clamp(query.Limit, 1, 1000));
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(sql.ToString(), p, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new AuditEntry(
            r.Id, DateTimeOffset.FromUnixTimeMilliseconds(r.At), r.Kind, r.Actor, r.ActionId, r.AlertId, r.Principal, r.Summary, r.BeforeJson, r.AfterJson))];
    }

    private sealed class Row
    {
        public long Id { get; set; }
        public long At { get; set; }
        public string Kind { get; set; } = "";
        public string Actor { get; set; } = "";
        public string? ActionId { get; set; }
        public string? AlertId { get; set; }
        public string? Principal { get; set; }
        public string Summary { get; set; } = "";
        public string? BeforeJson { get; set; }
        public string? AfterJson { get; set; }
    }
}
