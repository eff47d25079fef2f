namespace ZtStream.Responder.Outbox;

/// <summary>
/// The lifecycle every outbox table shares (<see cref="OutboxRow"/>'s columns), on SQLite and PostgreSQL alike: claim a
/// due item for one attempt, end it delivered or failed, count a failed attempt and set the next, count what is
/// pending. Each kind keeps its own table (their rows differ and existing deployments keep their data) and its own
/// enqueue and queries; the state changes are written once, here. Every change is guarded by <c>state = 'pending'</c>,
/// so an item ended elsewhere (abandoned, acknowledged by a poll) is never ended twice.
/// </summary>
internal sealed class OutboxTable
{
    private readonly IStore store;
    private readonly string moveDueSql;
    private readonly string finishSql;
    private readonly string retrySql;
    private readonly string pendingCountSql;
    private readonly string dueBeyondSql;

    /// <param name="store">Where the table lives.</param>
    /// <param name="table">The table's name: a constant of the kind, never input, so it is safe to place in the SQL.</param>
    public OutboxTable(IStore store, string table)
    {
        this.store = store;
        Name = table;
        moveDueSql = $"""
            UPDATE {table} SET next_attempt_at = @DueAt
            WHERE id = @Id AND state = 'pending' AND next_attempt_at = @Seen
            """;
        finishSql = $"""
            UPDATE {table}
            SET state = @State, attempts = attempts + 1, finished_at = @Now, last_error = @Error
            WHERE id = @Id AND state = 'pending'
            """;
        retrySql = $"""
            UPDATE {table} SET attempts = attempts + 1, next_attempt_at = @Next, last_error = @Error
            WHERE id = @Id AND state = 'pending'
            """;
        pendingCountSql = $"SELECT COUNT(*) FROM {table} WHERE state = 'pending'";
        dueBeyondSql = $"""
            SELECT id AS Id, next_attempt_at AS NextAttemptAt FROM {table}
            WHERE state = 'pending' AND next_attempt_at > @Beyond
            ORDER BY id
            LIMIT @Limit
            """;
    }

    /// <summary>The table's name, for the logs.</summary>
    public string Name { get; }

    /// <summary>
    /// Takes a due item for one attempt by moving its due time past the attempt; false when another Responder took it
    /// first. A crash mid-attempt leaves it due again once the lease ends.
    /// </summary>
    public Task<bool> ClaimAsync(OutboxRow item, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        return MoveDueAsync(item.Id, item.NextAttemptAt, leaseUntil, cancellationToken);
    }

    /// <summary>
    /// Sets a pending item's due time to <paramref name="dueAt"/> if it is still <paramref name="seen"/>: false when it
    /// changed meanwhile (claimed, retried or ended elsewhere).
    /// </summary>
    public async Task<bool> MoveDueAsync(long id, DateTimeOffset seen, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            moveDueSql, new { Id = id, DueAt = dueAt, Seen = seen }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Pending items due later than <paramref name="beyond"/> (id and due time), lowest ids first.</summary>
    public async Task<IReadOnlyList<(long Id, DateTimeOffset NextAttemptAt)>> DueBeyondAsync(DateTimeOffset beyond, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(dueBeyondSql, new { Beyond = beyond, Limit = limit }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => (r.Id, r.NextAttemptAt))];
    }

    /// <summary>
    /// Ends a pending item <see cref="OutboxStates.Delivered"/> (with no error) or <see cref="OutboxStates.Failed"/>,
    /// counting the attempt, inside <paramref name="transaction"/> when the kind audits it there. False when it was no
    /// longer pending.
    /// </summary>
    public async Task<bool> FinishAsync(
        DbConnection connection, DbTransaction? transaction, long id, string state, string? error, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return await connection.ExecuteAsync(new CommandDefinition(
            finishSql, new { Id = id, State = state, Error = state == OutboxStates.Delivered ? null : error, Now = now }, transaction, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Counts a failed attempt and sets the next inside <paramref name="transaction"/> when the kind audits it there.</summary>
    public async Task<bool> RetryAsync(
        DbConnection connection, DbTransaction? transaction, long id, string error, DateTimeOffset next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return await connection.ExecuteAsync(new CommandDefinition(
            retrySql, new { Id = id, Error = error, Next = next }, transaction, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Ends a pending item on a connection of its own, for a kind that does not audit each attempt.</summary>
    public async Task<bool> FinishAsync(long id, string state, string? error, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await FinishAsync(connection, null, id, state, error, now, cancellationToken);
    }

    /// <summary>Counts a failed attempt on a connection of its own, for a kind that does not audit each attempt.</summary>
    public async Task<bool> RetryAsync(long id, string error, DateTimeOffset next, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await RetryAsync(connection, null, id, error, next, cancellationToken);
    }

    /// <summary>Items still waiting for their targets (each kind's outbox-depth gauge).</summary>
    public async Task<long> PendingCountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(pendingCountSql, cancellationToken: cancellationToken));
    }

    private sealed class Row
    {
        public long Id { get; init; }

        public DateTimeOffset NextAttemptAt { get; init; }
    }
}
