namespace ZtStream.Platform.Tests.Store;

/// <summary>What every store must do, run unchanged against SQLite and PostgreSQL.</summary>
public abstract class StoreContractTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 9, 30, 0, TimeSpan.Zero);
    private readonly List<IStore> stores = [];
    private readonly FakeTimeProvider time = new(Start);

    /// <summary>Options naming an empty database of the caller's own.</summary>
    internal abstract Task<StoreOptions> CreateDatabaseAsync();

    [Fact]
    public async Task Migrate_FreshDatabase_AppliesEveryMigrationInComponentVersionOrderAndRecordsIt()
    {
        var store = await NewStoreAsync();

        // Registered out of order on purpose: the migrator sorts by (component, version).
        var applied = await Migrator(store, Source(Beta(1), Beta(2)), Source(Alpha(2), Alpha(1))).MigrateAsync(Ct);

        Assert.Equal(["alpha-1", "alpha-2", "beta-1", "beta-2"], applied.Select(m => m.Name));
        Assert.Equal(["alpha-1", "alpha-2", "beta-1", "beta-2"], await ExecutionLogAsync(store));
        var recorded = await Migrator(store).ReadAppliedAsync(Ct);
        Assert.Equal(
            [("alpha", 1L, "alpha-1"), ("alpha", 2L, "alpha-2"), ("beta", 1L, "beta-1"), ("beta", 2L, "beta-2")],
            recorded.Select(r => (r.Component, r.Version, r.Name)));
        Assert.All(recorded, r => Assert.Equal(Start, r.AppliedAt));
    }

    [Fact]
    public async Task Migrate_AlreadyCurrent_AppliesNothing()
    {
        var store = await NewStoreAsync();
        await Migrator(store, Source(Alpha(1), Alpha(2))).MigrateAsync(Ct);

        var second = await Migrator(store, Source(Alpha(1), Alpha(2))).MigrateAsync(Ct);

        Assert.Empty(second);
        Assert.Equal(["alpha-1", "alpha-2"], await ExecutionLogAsync(store));
        Assert.Equal(2, (await Migrator(store).ReadAppliedAsync(Ct)).Count);
    }

    [Fact]
    public async Task Migrate_LaterVersionAdded_AppliesThatVersionAlone()
    {
        var store = await NewStoreAsync();
        await Migrator(store, Source(Alpha(1), Alpha(2))).MigrateAsync(Ct);
        time.Advance(TimeSpan.FromDays(1));

        var applied = await Migrator(store, Source(Alpha(1), Alpha(2), Alpha(3))).MigrateAsync(Ct);

        Assert.Equal(["alpha-3"], applied.Select(m => m.Name));
        Assert.Equal(["alpha-1", "alpha-2", "alpha-3"], await ExecutionLogAsync(store));
        var recorded = await Migrator(store).ReadAppliedAsync(Ct);
        Assert.Equal(Start.AddDays(1), recorded.Single(r => r.Version == 3).AppliedAt);
        Assert.Equal(Start, recorded.Single(r => r.Version == 2).AppliedAt);
    }

    [Fact]
    public async Task Migrate_AppliedMigrationRenamed_FailsNamingBothAndAppliesNothingMore()
    {
        var store = await NewStoreAsync();
        await Migrator(store, Source(Alpha(1), Alpha(2))).MigrateAsync(Ct);
        var renamed = Alpha(2) with { Name = "alpha-2-rewritten" };

        var error = await Assert.ThrowsAsync<StoreMigrationException>(() => Migrator(store, Source(Alpha(1), renamed, Alpha(3))).MigrateAsync(Ct));

        Assert.Contains("'alpha-2'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'alpha-2-rewritten'", error.Message, StringComparison.Ordinal);
        Assert.Equal(["alpha-1", "alpha-2"], await ExecutionLogAsync(store));
        Assert.DoesNotContain(await Migrator(store).ReadAppliedAsync(Ct), r => r.Version == 3);
    }

    [Fact]
    public async Task Migrate_SameVersionDefinedTwice_FailsBeforeTouchingTheDatabase()
    {
        var store = await NewStoreAsync();

        var error = await Assert.ThrowsAsync<StoreMigrationException>(() => Migrator(store, Source(Alpha(1)), Source(Alpha(1) with { Name = "other" })).MigrateAsync(Ct));

        Assert.Contains("alpha 1", error.Message, StringComparison.Ordinal);
        Assert.Empty(await Migrator(store).ReadAppliedAsync(Ct));
    }

    [Fact]
    public async Task Migrate_FailingMigration_RollsBackThatVersionAndKeepsEarlierOnes()
    {
        var store = await NewStoreAsync();
        var broken = new Migration("alpha", 3, "alpha-3-broken", "INSERT INTO zt_exec_log (entry) VALUES ('alpha-3'); SELECT * FROM no_such_table;", "INSERT INTO zt_exec_log (entry) VALUES ('alpha-3'); SELECT * FROM no_such_table;");

        await Assert.ThrowsAnyAsync<Exception>(() => Migrator(store, Source(Alpha(1), Alpha(2), broken)).MigrateAsync(Ct));

        Assert.Equal(["alpha-1", "alpha-2"], await ExecutionLogAsync(store));
        Assert.Equal([1L, 2L], (await Migrator(store).ReadAppliedAsync(Ct)).Select(r => r.Version));
    }

    [Fact]
    public async Task Migrate_ThreeProcessesStartingTogether_ApplyEachMigrationExactlyOnce()
    {
        var options = await CreateDatabaseAsync();

        // Separate stores (separate pools), as separate processes would have.
        var racers = Enumerable.Range(0, 3).Select(_ => Track(StoreServiceCollectionExtensions.CreateStore(options))).ToList();
        var migrations = Source(Alpha(1), Alpha(2), Alpha(3), Beta(1), Beta(2));

        var results = await Task.WhenAll(racers.Select(store => Task.Run(() => Migrator(store, migrations).MigrateAsync(Ct), Ct)));

        Assert.Equal(5, results.Sum(r => r.Count));
        Assert.Equal(["alpha-1", "alpha-2", "alpha-3", "beta-1", "beta-2"], await ExecutionLogAsync(racers[0]));
        Assert.Equal(5, (await Migrator(racers[1]).ReadAppliedAsync(Ct)).Count);
    }

    [Fact]
    public async Task Dapper_SameSqlOnBothDialects_RoundTripsTextIntegersTimestampsAndNulls()
    {
        var store = await NewStoreAsync();
        await Migrator(store, Source(RoundTripTable)).MigrateAsync(Ct);
        var plusTwo = new DateTimeOffset(2026, 11, 28, 17, 45, 12, 345, TimeSpan.FromHours(2)).AddTicks(6789);
        RoundTripRow[] rows =
        [
            new() { Id = "a", Text = "zürich ☃ 'quoted'", Big = 9_007_199_254_740_993, Small = -42, At = plusTwo, MaybeAt = null, MaybeText = null, MaybeNumber = null },
            new() { Id = "b", Text = string.Empty, Big = long.MinValue, Small = int.MaxValue, At = Start, MaybeAt = Start.AddMinutes(-90), MaybeText = "present", MaybeNumber = 0 },
            new() { Id = "c", Text = "later", Big = 0, Small = 0, At = plusTwo.AddDays(1), MaybeAt = plusTwo, MaybeText = "x", MaybeNumber = long.MaxValue },
        ];

        await using var connection = await store.OpenAsync(Ct);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO zt_round_trip (id, text_value, big_value, small_value, at_value, maybe_at, maybe_text, maybe_number)
            VALUES (@Id, @Text, @Big, @Small, @At, @MaybeAt, @MaybeText, @MaybeNumber)
            """,
            rows,
            cancellationToken: Ct));
        var read = (await connection.QueryAsync<RoundTripRow>(new CommandDefinition(
            """
            SELECT id AS Id, text_value AS Text, big_value AS Big, small_value AS Small, at_value AS At,
                   maybe_at AS MaybeAt, maybe_text AS MaybeText, maybe_number AS MaybeNumber
            FROM zt_round_trip
            ORDER BY at_value
            """,
            cancellationToken: Ct))).ToList();

        // Ordered by time, not by the text of a local offset: 15:45Z (written as 17:45+02) comes after 09:30Z.
        Assert.Equal(["b", "a", "c"], read.Select(r => r.Id));
        foreach (var row in read)
        {
            var written = rows.Single(r => r.Id == row.Id);
            Assert.Equal(written with { At = default, MaybeAt = default }, row with { At = default, MaybeAt = default });
            Assert.Equal(Microseconds(written.At), row.At);
            Assert.Equal(TimeSpan.Zero, row.At.Offset);
            Assert.Equal(written.MaybeAt is { } maybe ? Microseconds(maybe) : null, row.MaybeAt);
        }

        var since = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT id FROM zt_round_trip WHERE at_value >= @from AND maybe_at IS NOT NULL ORDER BY id",
            new { from = plusTwo },
            cancellationToken: Ct));
        Assert.Equal(["c"], since);
        var at = await connection.ExecuteScalarAsync<DateTimeOffset>(new CommandDefinition("SELECT at_value FROM zt_round_trip WHERE id = @id", new { id = "a" }, cancellationToken: Ct));
        Assert.Equal(Microseconds(plusTwo), at);
    }

    /// <summary>Both dialects keep timestamps to the microsecond (PostgreSQL's precision), truncating the rest.</summary>
    private static DateTimeOffset Microseconds(DateTimeOffset value) => value.AddTicks(-(value.Ticks % 10));

    [Fact]
    public async Task Store_ForeignKeys_AreEnforced()
    {
        var store = await NewStoreAsync();
        await Migrator(store, Source(Migration.Portable(
            "fk",
            1,
            "parent-child",
            "CREATE TABLE zt_parent (id TEXT PRIMARY KEY); CREATE TABLE zt_child (id TEXT PRIMARY KEY, parent_id TEXT NOT NULL REFERENCES zt_parent (id));"))).MigrateAsync(Ct);
        await using var connection = await store.OpenAsync(Ct);

        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO zt_child (id, parent_id) VALUES ('c', 'missing')", cancellationToken: Ct)));
    }

    [Fact]
    public async Task PortableSql_AppendOnlyTable_TakesInsertsAndRefusesUpdatesAndDeletes()
    {
        var store = await NewStoreAsync();
        await Migrator(store, Source(Migration.Portable("guarded", 1, "append-only", dialect => """
            CREATE TABLE zt_guarded (id {id}, at {time} NOT NULL, blob {bytes} NULL, ratio {double} NULL);

            """ + PortableSql.AppendOnly("zt_guarded", dialect)))).MigrateAsync(Ct);
        await using var connection = await store.OpenAsync(Ct);

        await connection.ExecuteAsync(new CommandDefinition("INSERT INTO zt_guarded (at, blob, ratio) VALUES (@at, @blob, 0.5)", new { at = Start, blob = new byte[] { 1, 2 } }, cancellationToken: Ct));
        await connection.ExecuteAsync(new CommandDefinition("INSERT INTO zt_guarded (at) VALUES (@at)", new { at = Start }, cancellationToken: Ct));

        Assert.Equal([1L, 2L], await connection.QueryAsync<long>(new CommandDefinition("SELECT id FROM zt_guarded ORDER BY id", cancellationToken: Ct)));
        Assert.Equal(Start, await connection.ExecuteScalarAsync<DateTimeOffset>(new CommandDefinition("SELECT at FROM zt_guarded WHERE id = 1", cancellationToken: Ct)));
        var update = await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => connection.ExecuteAsync(new CommandDefinition(
            "UPDATE zt_guarded SET ratio = 1", cancellationToken: Ct)));
        Assert.Contains("zt_guarded is append-only", update.Message, StringComparison.Ordinal);
        var delete = await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM zt_guarded WHERE id = 2", cancellationToken: Ct)));
        Assert.Contains("zt_guarded is append-only", delete.Message, StringComparison.Ordinal);
        Assert.Equal(2L, await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) FROM zt_guarded", cancellationToken: Ct)));
    }

    [Fact]
    public async Task Store_ConcurrentWritersFromSeparateStores_AllCommit()
    {
        var options = await CreateDatabaseAsync();
        var first = Track(StoreServiceCollectionExtensions.CreateStore(options));
        await Migrator(first, Source(Migration.Portable("w", 1, "writes", "CREATE TABLE zt_writes (writer INTEGER NOT NULL, n INTEGER NOT NULL);"))).MigrateAsync(Ct);
        var writers = Enumerable.Range(0, 4).Select(_ => Track(StoreServiceCollectionExtensions.CreateStore(options))).ToList();

        // On SQLite one writer holds the lock at a time: the others must wait for it (busy timeout), not fail.
        await Task.WhenAll(writers.Select((store, writer) => Task.Run(
            async () =>
            {
                for (var n = 0; n < 10; n++)
                {
                    await using var connection = await store.OpenAsync(Ct);
                    await using var transaction = await connection.BeginTransactionAsync(Ct);
                    await connection.ExecuteAsync(new CommandDefinition("INSERT INTO zt_writes (writer, n) VALUES (@writer, @n)", new { writer, n }, transaction, cancellationToken: Ct));
                    await connection.ExecuteAsync(new CommandDefinition("UPDATE zt_writes SET n = n WHERE writer = @writer", new { writer }, transaction, cancellationToken: Ct));
                    await transaction.CommitAsync(Ct);
                }
            },
            Ct)));

        await using var check = await first.OpenAsync(Ct);
        Assert.Equal(40L, await check.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) FROM zt_writes", cancellationToken: Ct)));
    }

    [Fact]
    public async Task HealthCheck_ReachableStore_IsHealthy()
    {
        var store = await NewStoreAsync();

        var result = await new StoreHealthCheck(store).CheckHealthAsync(new() { Registration = new("store", _ => null!, null, null) }, Ct);

        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, result.Status);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in stores)
        {
            switch (store)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }

        await DisposeDatabasesAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Removes what <see cref="CreateDatabaseAsync"/> made, after every store is closed.</summary>
    internal virtual ValueTask DisposeDatabasesAsync() => ValueTask.CompletedTask;

    private static Migration RoundTripTable => Migration.Portable(
        "roundtrip",
        1,
        "round-trip-table",
        """
        CREATE TABLE zt_round_trip (
            id TEXT PRIMARY KEY, text_value TEXT NOT NULL, big_value {bigint} NOT NULL, small_value INTEGER NOT NULL,
            at_value {time} NOT NULL, maybe_at {time} NULL, maybe_text TEXT NULL, maybe_number {bigint} NULL);
        """);

    /// <summary>alpha 1 creates the log every migration writes its name to, so the log shows what ran and in which order.</summary>
    private static Migration Alpha(int version) => version == 1
        ? Migration.Portable(
            "alpha",
            1,
            "alpha-1",
            "CREATE TABLE zt_exec_log (id {id}, entry TEXT NOT NULL); INSERT INTO zt_exec_log (entry) VALUES ('alpha-1');")
        : Logged("alpha", version);

    private static Migration Beta(int version) => Logged("beta", version);

    private static Migration Logged(string component, int version)
    {
        return Migration.Portable(component, version, $"{component}-{version}", $"INSERT INTO zt_exec_log (entry) VALUES ('{component}-{version}');");
    }

    private static IMigrationSource Source(params Migration[] migrations) => new ListSource(migrations);

    private StoreMigrator Migrator(IStore store, params IMigrationSource[] sources) => new(store, sources, time);

    private static async Task<List<string>> ExecutionLogAsync(IStore store)
    {
        await using var connection = await store.OpenAsync(Ct);
        return [.. await connection.QueryAsync<string>(new CommandDefinition("SELECT entry FROM zt_exec_log ORDER BY id", cancellationToken: Ct))];
    }

    private async Task<IStore> NewStoreAsync() => Track(StoreServiceCollectionExtensions.CreateStore(await CreateDatabaseAsync()));

    private IStore Track(IStore store)
    {
        lock (stores)
        {
            stores.Add(store);
        }

        return store;
    }

    public sealed record RoundTripRow
    {
        public required string Id { get; init; }

        public required string Text { get; init; }

        public required long Big { get; init; }

        public required int Small { get; init; }

        public required DateTimeOffset At { get; init; }

        public DateTimeOffset? MaybeAt { get; init; }

        public string? MaybeText { get; init; }

        public long? MaybeNumber { get; init; }
    }

    private sealed class ListSource(IEnumerable<Migration> migrations) : IMigrationSource
    {
        public IEnumerable<Migration> Migrations { get; } = [.. migrations];
    }
}
