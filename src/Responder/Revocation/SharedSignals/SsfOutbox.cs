namespace ZtStream.Responder.Revocation.SharedSignals;

/// <summary>One SET for one receiver, as the outbox holds it.</summary>
internal sealed record OutboxItem : OutboxRow
{
    public required string ActionId { get; init; }

    public required string Receiver { get; init; }

    public required string Jti { get; init; }

    public required string SetToken { get; init; }

    /// <summary><c>push</c> (the delivery service sends it) or <c>poll</c> (the receiver fetches it).</summary>
    public string Delivery { get; init; } = SsfDelivery.Push;
}

/// <summary>
/// The durable outbox of signed SETs: written when a revocation (or a signal, or a verification request) is handled,
/// drained by <see cref="SsfDeliveryService"/> for push receivers until each acknowledges (202) or rejects (400) its
/// SET, and by the receivers themselves for poll streams (RFC 8936) until they acknowledge it. One row per (action,
/// receiver), so a replayed command queues nothing new. The push lifecycle (claim, finish, retry) is the shared
/// <see cref="OutboxTable"/>'s; here are what only SETs have: per-receiver queues and RFC 8936 polling.
/// </summary>
internal sealed class SsfOutbox(IStore store)
{
    public const string Pending = OutboxStates.Pending;
    public const string Delivered = OutboxStates.Delivered;
    public const string Failed = OutboxStates.Failed;

    private const string Columns = """
        id AS Id, action_id AS ActionId, receiver AS Receiver, jti AS Jti, set_token AS SetToken, state AS State,
        attempts AS Attempts, next_attempt_at AS NextAttemptAt, finished_at AS FinishedAt, last_error AS LastError,
        delivery AS Delivery
        """;

    private const string InsertSql = """
        INSERT INTO responder_ssf_outbox (action_id, receiver, jti, set_token, state, attempts, next_attempt_at, created_at, delivery)
        VALUES (@ActionId, @Receiver, @Jti, @SetToken, 'pending', 0, @Now, @Now, @Delivery)
        ON CONFLICT (action_id, receiver) DO NOTHING
        """;

    private const string DueSql = $"""
        SELECT {Columns}
        FROM responder_ssf_outbox
        WHERE state = 'pending' AND delivery = 'push' AND next_attempt_at <= @Now
        ORDER BY next_attempt_at, id
        LIMIT @Limit
        """;

    private const string DueForReceiverSql = $"""
        SELECT {Columns}
        FROM responder_ssf_outbox
        WHERE receiver = @Receiver AND state = 'pending' AND delivery = 'push' AND next_attempt_at <= @Now
        ORDER BY next_attempt_at, id
        LIMIT @Limit
        """;

    private const string DueReceiversSql = """
        SELECT DISTINCT receiver
        FROM responder_ssf_outbox
        WHERE state = 'pending' AND delivery = 'push' AND next_attempt_at <= @Now
        """;

    private const string PollSql = $"""
        SELECT {Columns}
        FROM responder_ssf_outbox
        WHERE receiver = @Receiver AND state = 'pending' AND delivery = 'poll'
        ORDER BY id
        LIMIT @Limit
        """;

    private const string AckSql = """
        UPDATE responder_ssf_outbox
        SET state = 'delivered', attempts = attempts + 1, finished_at = @Now, last_error = NULL
        WHERE receiver = @Receiver AND jti = @Jti AND state = 'pending'
        """;

    private const string PollErrorSql = """
        UPDATE responder_ssf_outbox
        SET state = 'failed', attempts = attempts + 1, finished_at = @Now, last_error = @Error
        WHERE receiver = @Receiver AND jti = @Jti AND state = 'pending'
        """;

    private const string AbandonSql = """
        UPDATE responder_ssf_outbox
        SET state = 'failed', finished_at = @Now, last_error = @Error
        WHERE receiver = @Receiver AND state = 'pending'
        """;

    private const string ByActionSql = $"""
        SELECT {Columns}
        FROM responder_ssf_outbox
        WHERE action_id = @ActionId
        ORDER BY receiver
        """;

    /// <summary>The claim, finish and retry every outbox shares, on this one's table.</summary>
    public OutboxTable Table { get; } = new(store, "responder_ssf_outbox");

    /// <summary>SETs still waiting for their receivers (the <c>ztstream.responder.ssf.outbox.depth</c> gauge).</summary>
    public Task<long> PendingCountAsync(CancellationToken cancellationToken) => Table.PendingCountAsync(cancellationToken);

    /// <summary>Queues <paramref name="setToken"/>; false when this action already has a SET for this receiver.</summary>
    public async Task<bool> EnqueueAsync(Guid actionId, string receiver, string jti, string setToken, DateTimeOffset now, CancellationToken cancellationToken, string delivery = SsfDelivery.Push)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            InsertSql,
            new { ActionId = actionId.ToString(), Receiver = receiver, Jti = jti, SetToken = setToken, Now = now, Delivery = delivery },
            cancellationToken: cancellationToken));
        return inserted == 1;
    }

    /// <summary>The push receivers with SETs due now: each gets its own delivery loop.</summary>
    public async Task<IReadOnlyList<string>> DueReceiversAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<string>(new CommandDefinition(DueReceiversSql, new { Now = now }, cancellationToken: cancellationToken))];
    }

    /// <summary>One push receiver's SETs due now, oldest first.</summary>
    public async Task<IReadOnlyList<OutboxItem>> DueAsync(DateTimeOffset now, string receiver, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<OutboxItem>(new CommandDefinition(DueForReceiverSql, new { Now = now, Receiver = receiver, Limit = limit }, cancellationToken: cancellationToken))];
    }

    /// <summary>A poll stream's SETs not acknowledged yet, oldest first (RFC 8936: sent again until acknowledged).</summary>
    public async Task<IReadOnlyList<OutboxItem>> PollAsync(string receiver, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<OutboxItem>(new CommandDefinition(PollSql, new { Receiver = receiver, Limit = limit }, cancellationToken: cancellationToken))];
    }

    /// <summary>A poll receiver acknowledged <paramref name="jti"/>; false when it was not pending for this receiver.</summary>
    public async Task<bool> AcknowledgeAsync(string receiver, string jti, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(AckSql, new { Receiver = receiver, Jti = jti, Now = now }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>A poll receiver refused <paramref name="jti"/> (RFC 8936 <c>setErrs</c>).</summary>
    public async Task<bool> RejectedByReceiverAsync(string receiver, string jti, string error, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(PollErrorSql, new { Receiver = receiver, Jti = jti, Error = error, Now = now }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Ends every pending SET of a receiver that is gone (a deleted or disabled stream), with the reason.</summary>
    public async Task<int> AbandonAsync(string receiver, string error, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(AbandonSql, new { Receiver = receiver, Error = error, Now = now }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<OutboxItem>> DueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<OutboxItem>(new CommandDefinition(DueSql, new { Now = now, Limit = limit }, cancellationToken: cancellationToken));
        return [.. rows];
    }

    /// <summary>Takes a due item for one delivery attempt (see <see cref="OutboxTable.ClaimAsync"/>).</summary>
    public Task<bool> ClaimAsync(OutboxItem item, DateTimeOffset leaseUntil, CancellationToken cancellationToken) =>
        Table.ClaimAsync(item, leaseUntil, cancellationToken);

    public Task MarkDeliveredAsync(long id, DateTimeOffset now, CancellationToken cancellationToken) =>
        Table.FinishAsync(id, Delivered, null, now, cancellationToken);

    public Task MarkFailedAsync(long id, string error, DateTimeOffset now, CancellationToken cancellationToken) =>
        Table.FinishAsync(id, Failed, error, now, cancellationToken);

    public Task MarkRetryAsync(long id, string error, DateTimeOffset next, CancellationToken cancellationToken) =>
        Table.RetryAsync(id, error, next, cancellationToken);

    /// <summary>What became of an action's SETs, one row per receiver.</summary>
    public async Task<IReadOnlyList<OutboxItem>> ForActionAsync(Guid actionId, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<OutboxItem>(new CommandDefinition(ByActionSql, new { ActionId = actionId.ToString() }, cancellationToken: cancellationToken));
        return [.. rows];
    }
}
