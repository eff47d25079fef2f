using System.Data.Common;

namespace ZtStream.Responder.Notifications;

/// <summary>One notification for one target, as the outbox holds it.</summary>
internal sealed record NotificationItem
{
    public required long Id { get; init; }

    /// <summary>alert | count (or status) | event | target: the same notification is never queued twice.</summary>
    public required string DedupKey { get; init; }

    public required string AlertId { get; init; }

    public string? ActionId { get; init; }

    public required string Route { get; init; }

    public required string Target { get; init; }

    /// <summary><c>trigger</c>, <c>acknowledge</c> or <c>resolve</c>.</summary>
    public required string Event { get; init; }

    /// <summary>The <see cref="NotificationContent"/> as JSON, fixed when queued so every attempt sends the same.</summary>
    public required string Content { get; init; }

    public required string State { get; init; }

    public required long Attempts { get; init; }

    public required DateTimeOffset NextAttemptAt { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public string? LastError { get; init; }
}

/// <summary>
/// The durable outbox of notifications: written when the <c>notify</c> action is decided, drained by
/// <see cref="NotificationDeliveryService"/> until each target takes its message or the attempts run out. The same SQL
/// serves SQLite and PostgreSQL.
/// </summary>
internal sealed class NotificationOutbox(IStore store)
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
    public const string Throttled = "throttled";

    private const string Columns = """
        id AS Id, dedup_key AS DedupKey, alert_id AS AlertId, action_id AS ActionId, route AS Route, target AS Target,
        event AS Event, content AS Content, state AS State, attempts AS Attempts, next_attempt_at AS NextAttemptAt,
        created_at AS CreatedAt, finished_at AS FinishedAt, last_error AS LastError
        """;

    private const string InsertSql = """
        INSERT INTO responder_notifications
            (dedup_key, alert_id, action_id, route, target, event, content, state, attempts, next_attempt_at, created_at, finished_at)
        VALUES (@DedupKey, @AlertId, @ActionId, @Route, @Target, @Event, @Content, @State, 0, @Now, @Now, @FinishedAt)
        ON CONFLICT (dedup_key) DO NOTHING
        """;

    private const string SentInWindowSql = """
        SELECT COUNT(DISTINCT alert_id) FROM responder_notifications
        WHERE route = @Route AND event = 'trigger' AND state <> 'throttled' AND created_at >= @Since
        """;

    private const string DueSql = $"""
        SELECT {Columns}
        FROM responder_notifications
        WHERE state = 'pending' AND next_attempt_at <= @Now
        ORDER BY next_attempt_at, id
        LIMIT @Limit
        """;

    private const string ClaimSql = """
        UPDATE responder_notifications SET next_attempt_at = @LeaseUntil
        WHERE id = @Id AND state = 'pending' AND next_attempt_at = @Seen
        """;

    private const string FinishSql = """
        UPDATE responder_notifications
        SET state = @State, attempts = attempts + 1, finished_at = @Now, last_error = @Error
        WHERE id = @Id AND state = 'pending'
        """;

    private const string RetrySql = """
        UPDATE responder_notifications SET attempts = attempts + 1, next_attempt_at = @Next, last_error = @Error
        WHERE id = @Id AND state = 'pending'
        """;

    private const string ByAlertSql = $"""
        SELECT {Columns} FROM responder_notifications WHERE alert_id = @AlertId ORDER BY id
        """;

    private const string PendingCountSql = "SELECT COUNT(*) FROM responder_notifications WHERE state = 'pending'";

    /// <summary>
    /// Queues one notification inside <paramref name="transaction"/>, the one that writes its "queued" or "throttled"
    /// audit entry (<see cref="Audit.AuditLog.AppendWithAsync"/>), so a queued item is never without one. False when the
    /// same one (same dedup key) was queued before.
    /// </summary>
    public static async Task<bool> EnqueueAsync(
        DbConnection connection, DbTransaction transaction, NotificationItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            InsertSql,
            new
            {
                item.DedupKey, item.AlertId, item.ActionId, item.Route, item.Target, item.Event, item.Content, item.State,
                Now = item.CreatedAt,
                FinishedAt = item.State == Pending ? (DateTimeOffset?)null : item.CreatedAt,
            },
            transaction,
            cancellationToken: cancellationToken));
        return inserted == 1;
    }

    /// <summary>How many alerts <paramref name="route"/> sent (not throttled) since <paramref name="since"/>.</summary>
    public async Task<long> SentSinceAsync(string route, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(SentInWindowSql, new { Route = route, Since = since }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<NotificationItem>> DueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<NotificationItem>(new CommandDefinition(DueSql, new { Now = now, Limit = limit }, cancellationToken: cancellationToken));
        return [.. rows];
    }

    /// <summary>
    /// Takes a due item for one attempt by moving its due time past the attempt; false when another Responder took it
    /// first. A crash mid-attempt leaves it due again once the lease ends.
    /// </summary>
    public async Task<bool> ClaimAsync(NotificationItem item, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        await using var connection = await store.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            ClaimSql, new { item.Id, LeaseUntil = leaseUntil, Seen = item.NextAttemptAt }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>
    /// Marks a pending item delivered or failed inside <paramref name="transaction"/>, the one that writes its audit entry
    /// (<see cref="Audit.AuditLog.AppendWithAsync"/>), so a finished send is never without one. False when it was no
    /// longer pending.
    /// </summary>
    public static async Task<bool> FinishAsync(
        DbConnection connection, DbTransaction transaction, long id, string state, string? error, DateTimeOffset now, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition(
            FinishSql, new { Id = id, State = state, Error = error, Now = now }, transaction, cancellationToken: cancellationToken)) == 1;

    /// <summary>Counts a failed attempt and sets the next, inside the transaction of its audit entry (as <see cref="FinishAsync"/>).</summary>
    public static async Task<bool> RetryAsync(
        DbConnection connection, DbTransaction transaction, long id, string error, DateTimeOffset next, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition(
            RetrySql, new { Id = id, Error = error, Next = next }, transaction, cancellationToken: cancellationToken)) == 1;

    /// <summary>What became of an alert's notifications, oldest first.</summary>
    public async Task<IReadOnlyList<NotificationItem>> ForAlertAsync(string alertId, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<NotificationItem>(new CommandDefinition(ByAlertSql, new { AlertId = alertId }, cancellationToken: cancellationToken));
        return [.. rows];
    }

    public async Task<long> PendingCountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(PendingCountSql, cancellationToken: cancellationToken));
    }
}
