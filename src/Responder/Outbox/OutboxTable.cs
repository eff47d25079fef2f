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
    private readonly string claimSql;
    private readonly string finishSql;
    private readonly string retrySql;
    private readonly string pendingCountSql;

    /// <param name="store">Where the table lives.</param>
    /// <param name="table">The table's name: a constant of the kind, never input, so it is safe to place in the SQL.</param>
    public OutboxTable(IStore store, string table)
    {
        this.store = store;
        claimSql = $"""
            UPDATE {table} SET next_attempt_at = @LeaseUntil
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
    }

    /// <summary>
    /// Takes a due item for one attempt by moving its due time past the attempt; false when another Responder took it
    /// first. A crash mid-attempt leaves it due again once the lease ends.
    /// </summary>
    public async Task<bool> ClaimAsync(OutboxRow item, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        await using var connection = await store.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            claimSql, new { item.Id, LeaseUntil = leaseUntil, Seen = item.NextAttemptAt }, cancellationToken: cancellationToken)) == 1;
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
}
