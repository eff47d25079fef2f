namespace ZtStream.Platform.Store;

/// <summary>
/// Transactions that one writer at a time may hold, across processes: on SQLite the database's write lock taken at
/// <c>BEGIN IMMEDIATE</c> (SQLite has one writer anyway); on PostgreSQL a transaction-scoped advisory lock on
/// <paramref name="lockKey"/>, so only the callers of that key wait for each other. Whatever the transaction reads
/// after this returns cannot be changed by another holder before it commits: a read-then-write (the next hash of a
/// chain, the last slot of a budget) is decided once.
/// </summary>
internal static class StoreTransactions
{
    public static async Task<DbTransaction> BeginExclusiveAsync(this IStore store, DbConnection connection, long lockKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(connection);
        if (connection is SqliteConnection sqlite)
        {
            return sqlite.BeginTransaction(deferred: false);
        }

        var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "SELECT pg_advisory_xact_lock(@lockKey)", new { lockKey }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return tx;
        }
        catch
        {
            await tx.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
