namespace ZtStream.Responder.Notifications;

/// <summary>One notification for one target, as the outbox holds it.</summary>
internal sealed record NotificationItem : OutboxRow
{
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

    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>
/// The durable outbox of notifications: written when the <c>notify</c> action is decided, drained by
/// <see cref="NotificationDeliveryService"/> until each target takes its message or the attempts run out. The
/// lifecycle (claim, finish, retry) is the shared <see cref="OutboxTable"/>'s; here are what only notifications have:
/// the dedup key, throttling, and the per-alert view. The same SQL serves SQLite and PostgreSQL.
/// </summary>
internal sealed class NotificationOutbox(IStore store)
{
    public const string Pending = OutboxStates.Pending;
    public const string Delivered = OutboxStates.Delivered;
    public const string Failed = OutboxStates.Failed;

    /// <summary>Queued but over its route's limit: recorded, never sent.</summary>
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

    // An alert's notifications to one target go in the order they were queued: one waits while an earlier one is still
    // pending (being retried, or claimed), so a PagerDuty resolve never overtakes its trigger (which would leave the
    // incident open) and a receiver never sees count 8 before count 2.
    private const string DueSql = $"""
        SELECT {Columns}
        FROM responder_notifications n
        WHERE state = 'pending' AND next_attempt_at <= @Now
          AND NOT EXISTS (
              SELECT 1 FROM responder_notifications earlier
              WHERE earlier.alert_id = n.alert_id AND earlier.target = n.target AND earlier.state = 'pending' AND earlier.id < n.id)
        ORDER BY next_attempt_at, id
        LIMIT @Limit
        """;

    private const string ByAlertSql = $"""
        SELECT {Columns} FROM responder_notifications WHERE alert_id = @AlertId ORDER BY id
        """;

    /// <summary>The claim, finish and retry every outbox shares, on this one's table.</summary>
    public OutboxTable Table { get; } = new(store, "responder_notifications");

    /// <summary>
    /// Queues one notification inside <paramref name="transaction"/>, the one that writes its "queued" or "throttled"
    /// audit entry (<see cref="Audit.AuditLog.AppendAsync"/>), so a queued item is never without one. False when the
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

    /// <summary>What became of an alert's notifications, oldest first.</summary>
    public async Task<IReadOnlyList<NotificationItem>> ForAlertAsync(string alertId, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<NotificationItem>(new CommandDefinition(ByAlertSql, new { AlertId = alertId }, cancellationToken: cancellationToken));
        return [.. rows];
    }
}
