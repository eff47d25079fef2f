namespace ZtStream.Platform.Store.Migrations;

/// <summary>A row of <c>schema_migrations</c>.</summary>
internal sealed record AppliedMigration
{
    public required string Component { get; init; }

    public required long Version { get; init; }

    public required string Name { get; init; }

    public required DateTimeOffset AppliedAt { get; init; }
}

/// <summary>The schema does not match the code (renamed or duplicated migrations); nothing was applied past the problem.</summary>
internal sealed class StoreMigrationException(string message) : Exception(message);

/// <summary>
/// Applies every registered <see cref="IMigrationSource"/>'s migrations in (component, version) order, each in
/// its own transaction together with its <c>schema_migrations</c> row, so a migration is applied once or not at all.
/// Two processes starting together are serialised: PostgreSQL by a session advisory lock held for the whole run,
/// SQLite by taking the write lock (<c>BEGIN IMMEDIATE</c>) before reading what is applied, one migration per
/// transaction. Whoever comes second finds the work done.
/// </summary>
internal sealed class StoreMigrator
{
    /// <summary>Advisory lock key (PostgreSQL): any fixed 64-bit number ZtStream alone uses; "ztmigr8" in ASCII.</summary>
    internal const long AdvisoryLockKey = 0x7a_74_6d_69_67_72_38;

    private const string CreateTableSqlite = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            component  TEXT    NOT NULL,
            version    INTEGER NOT NULL,
            name       TEXT    NOT NULL,
            applied_at TEXT    NOT NULL,
            PRIMARY KEY (component, version)
        );
        """;

    private const string CreateTablePostgres = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            component  text        NOT NULL,
            version    integer     NOT NULL,
            name       text        NOT NULL,
            applied_at timestamptz NOT NULL,
            PRIMARY KEY (component, version)
        );
        """;

    private const string SelectApplied = """
        SELECT component AS Component, version AS Version, name AS Name, applied_at AS AppliedAt
        FROM schema_migrations
        ORDER BY component, version
        """;

    private const string InsertApplied = """
        INSERT INTO schema_migrations (component, version, name, applied_at)
        VALUES (@Component, @Version, @Name, @AppliedAt)
        """;

    private readonly IStore store;
    private readonly IReadOnlyList<IMigrationSource> sources;
    private readonly TimeProvider time;
    private readonly ILogger logger;

    public StoreMigrator(IStore store, IEnumerable<IMigrationSource> sources, TimeProvider? time = null, ILogger<StoreMigrator>? logger = null)
    {
        this.store = store;
        this.sources = [.. sources];
        this.time = time ?? TimeProvider.System;
        this.logger = logger ?? NullLogger<StoreMigrator>.Instance;
    }

    /// <summary>Every known migration in the order it is applied; throws when two share a (component, version).</summary>
    public IReadOnlyList<Migration> Planned()
    {
        var all = sources.SelectMany(s => s.Migrations).ToList();
        var problems = new List<string>();
        foreach (var m in all)
        {
            if (string.IsNullOrWhiteSpace(m.Component))
            {
                problems.Add($"Migration '{m.Name}' has no component.");
            }

            if (m.Version < 1)
            {
                problems.Add($"Migration {m.Component} {m.Version} ('{m.Name}'): versions start at 1.");
            }

            if (string.IsNullOrWhiteSpace(m.Name))
            {
                problems.Add($"Migration {m.Component} {m.Version} has no name.");
            }
        }

        foreach (var duplicate in all.GroupBy(m => (m.Component, m.Version)).Where(g => g.Count() > 1))
        {
            problems.Add($"Migration {duplicate.Key.Component} {duplicate.Key.Version} is defined {duplicate.Count()} times: {string.Join(", ", duplicate.Select(m => $"'{m.Name}'"))}.");
        }

        if (problems.Count > 0)
        {
            throw new StoreMigrationException(string.Join(Environment.NewLine, problems));
        }

        return [.. all.OrderBy(m => m.Component, StringComparer.Ordinal).ThenBy(m => m.Version)];
    }

    /// <summary>
    /// Brings the schema up to date; returns the migrations this call applied (none when already current). A store that
    /// cannot be reached or written (a server that does not answer, a file that is not a database, a read-only disk) is a
    /// <see cref="StorageUnusableException"/> naming it: this is the first thing that touches the store at start.
    /// </summary>
    public async Task<IReadOnlyList<Migration>> MigrateAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await ApplyAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DbException or TransientException)
        {
            throw new StorageUnusableException($"the {store.Dialect.ToString().ToLowerInvariant()} store at {StoreServiceCollectionExtensions.Location(store)} cannot be used: {e.Message}", e);
        }
    }

    private async Task<IReadOnlyList<Migration>> ApplyAsync(CancellationToken cancellationToken)
    {
        var planned = Planned();
        var appliedNow = new List<Migration>();
        await using var connection = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        var locked = false;
        try
        {
            if (store.Dialect == StoreDialect.Postgres)
            {
                // Blocks until another migrator finishes; the session lock is released below or when the connection closes.
                await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@key)", new { key = AdvisoryLockKey }, cancellationToken: cancellationToken, commandTimeout: 0)).ConfigureAwait(false);
                locked = true;
            }

            var namesChecked = false;
            while (true)
            {
                await using var transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
                await connection.ExecuteAsync(new CommandDefinition(store.Dialect == StoreDialect.Sqlite ? CreateTableSqlite : CreateTablePostgres, transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                var recorded = (await connection.QueryAsync<AppliedMigration>(new CommandDefinition(SelectApplied, transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false))
                    .ToDictionary(r => (r.Component, (int)r.Version));
                if (!namesChecked)
                {
                    CheckNames(planned, recorded);
                    namesChecked = true;
                }

                var next = planned.FirstOrDefault(m => !recorded.ContainsKey((m.Component, m.Version)));
                if (next is null)
                {
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    break;
                }

                var stopwatch = Stopwatch.StartNew();
                var sql = store.Dialect == StoreDialect.Sqlite ? next.Sqlite : next.Postgres;
                await connection.ExecuteAsync(new CommandDefinition(sql, transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await connection.ExecuteAsync(new CommandDefinition(
                    InsertApplied,
                    new { next.Component, next.Version, next.Name, AppliedAt = time.GetUtcNow() },
                    transaction,
                    cancellationToken: cancellationToken)).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                appliedNow.Add(next);
                StoreLog.MigrationApplied(logger, next.Component, next.Version, next.Name, stopwatch.ElapsedMilliseconds);
            }
        }
        finally
        {
            if (locked)
            {
                await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_unlock(@key)", new { key = AdvisoryLockKey }, cancellationToken: CancellationToken.None)).ConfigureAwait(false);
            }
        }

        StoreLog.SchemaUpToDate(logger, appliedNow.Count, planned.Count);
        return appliedNow;
    }

    /// <summary>What <c>schema_migrations</c> records, in order; empty when nothing was ever applied.</summary>
    public async Task<IReadOnlyList<AppliedMigration>> ReadAppliedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        var exists = store.Dialect == StoreDialect.Sqlite
            ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
            : "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'schema_migrations' AND schemaname = current_schema()";
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(exists, cancellationToken: cancellationToken)).ConfigureAwait(false) == 0)
        {
            return [];
        }

        return [.. await connection.QueryAsync<AppliedMigration>(new CommandDefinition(SelectApplied, cancellationToken: cancellationToken)).ConfigureAwait(false)];
    }

    private void CheckNames(IReadOnlyList<Migration> planned, Dictionary<(string Component, int Version), AppliedMigration> recorded)
    {
        var problems = new List<string>();
        foreach (var migration in planned)
        {
            if (recorded.TryGetValue((migration.Component, migration.Version), out var row) && !string.Equals(row.Name, migration.Name, StringComparison.Ordinal))
            {
                problems.Add($"Migration {migration.Component} {migration.Version} was applied as '{row.Name}' but the code now calls it '{migration.Name}': an applied migration must never change; add a new version instead.");
            }
        }

        if (problems.Count > 0)
        {
            throw new StoreMigrationException(string.Join(Environment.NewLine, problems));
        }

        // Only a component this process migrates can have been migrated further by a newer ZtStream; one it does not run
        // at all (another process's role on the same store, a driver this configuration leaves off) is simply not its own.
        var known = planned.Select(m => (m.Component, m.Version)).ToHashSet();
        var components = planned.Select(m => m.Component).ToHashSet(StringComparer.Ordinal);
        foreach (var row in recorded.Values.Where(r => components.Contains(r.Component) && !known.Contains((r.Component, (int)r.Version))))
        {
            StoreLog.UnknownMigrationRecorded(logger, row.Component, (int)row.Version, row.Name);
        }
    }

    private static async ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        connection is SqliteConnection sqlite
            // BEGIN IMMEDIATE: take the write lock before reading schema_migrations, so two migrators cannot both see a version as pending.
            ? sqlite.BeginTransaction(deferred: false)
            : await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
}
