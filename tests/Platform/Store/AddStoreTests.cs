namespace ZtStream.Platform.Tests.Store;

public sealed class AddStoreTests : IDisposable
{
    private readonly TempFolder temp = new("zt-addstore-");

    [Fact]
    public async Task AddStore_HostStarts_MigratesBeforeHostedServicesRegisteredEarlierStart()
    {
        var builder = TestHosts.Builder(new Dictionary<string, string?> { ["Store:SqlitePath"] = Path.Combine(temp.Path, "nested", "zt.db") });

        // Registered before the store on purpose: it still finds the schema in place when it starts.
        builder.Services.AddSingleton<TableProbe>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TableProbe>());
        builder.Services.AddStore(builder.Configuration);
        builder.Services.AddSingleton<IMigrationSource>(new Source(new Migration("probe", 1, "probe-table", "CREATE TABLE zt_probe (id INTEGER);", "CREATE TABLE zt_probe (id integer);")));
        using var host = builder.Build();

        await host.StartAsync(Ct);
        await host.StopAsync(Ct);

        Assert.IsType<SqliteStore>(host.Services.GetRequiredService<IStore>());
        Assert.Equal(0L, host.Services.GetRequiredService<TableProbe>().RowsSeenAtStart);
        Assert.True(File.Exists(Path.Combine(temp.Path, "nested", "zt.db")));
    }

    [Fact]
    public async Task AddStore_BadConfiguration_FailsAtStartListingEveryProblem()
    {
        var builder = TestHosts.Builder(new Dictionary<string, string?> { ["Store:Kind"] = "oracle" });
        builder.Services.AddStore(builder.Configuration);

        var error = await TestHosts.RefusedAtStartAsync(builder);

        Assert.Equal(["Store:Kind 'oracle' is not one of sqlite, postgres"], error.Failures);
    }

    [Fact]
    public async Task StoreMigrator_WithoutHost_MigratesForCommandLineUse()
    {
        var services = new ServiceCollection();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Store:ConnectionString"] = Path.Combine(temp.Path, "cli.db") }).Build();
        services.AddStore(configuration);
        services.AddSingleton<IMigrationSource>(new Source(new Migration("cli", 1, "cli-table", "CREATE TABLE zt_cli (id INTEGER);", "CREATE TABLE zt_cli (id integer);")));
        await using var provider = services.BuildServiceProvider();

        var applied = await provider.GetRequiredService<StoreMigrator>().MigrateAsync(Ct);

        Assert.Equal(["cli-table"], applied.Select(m => m.Name));
        Assert.True(File.Exists(Path.Combine(temp.Path, "cli.db")));
    }

    [Fact]
    public async Task SqliteStore_Timestamps_AreStoredAsFixedWidthUtcIsoText()
    {
        var store = new SqliteStore(new() { SqlitePath = Path.Combine(temp.Path, "text.db") });
        await using var connection = await store.OpenAsync(Ct);
        await connection.ExecuteAsync("CREATE TABLE t (at TEXT NOT NULL)");

        await connection.ExecuteAsync("INSERT INTO t (at) VALUES (@at)", new { at = new DateTimeOffset(2026, 3, 1, 1, 2, 3, TimeSpan.FromHours(-5)).AddTicks(1234567) });

        Assert.Equal("2026-03-01T06:02:03.123456Z", await connection.ExecuteScalarAsync<string>("SELECT at FROM t"));
        Assert.Equal("wal", await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
        Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("PRAGMA foreign_keys"));
        Assert.Equal((long)SqliteStore.BusyTimeoutMilliseconds, await connection.ExecuteScalarAsync<long>("PRAGMA busy_timeout"));
    }

    public void Dispose()
    {
        temp.Dispose();
    }

    private sealed class TableProbe(IStore store) : IHostedService
    {
        public long? RowsSeenAtStart { get; private set; }

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await using var connection = await store.OpenAsync(cancellationToken);
            RowsSeenAtStart = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) FROM zt_probe", cancellationToken: cancellationToken));
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class Source(params Migration[] migrations) : IMigrationSource
    {
        public IEnumerable<Migration> Migrations => migrations;
    }
}
