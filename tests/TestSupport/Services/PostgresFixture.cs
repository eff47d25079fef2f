using Npgsql;
using Testcontainers.PostgreSql;
using ZtStream.Platform.Options;

namespace ZtStream.TestSupport.Services;

/// <summary>
/// One PostgreSQL server per test assembly (<c>[assembly: AssemblyFixture(typeof(PostgresFixture))]</c>), found in
/// this order: <c>ZTSTREAM_TEST_POSTGRES</c> (a connection string); a Docker engine through Testcontainers; a
/// throwaway cluster from the locally installed server binaries (initdb in a temp folder, 127.0.0.1 on a free
/// port, trust auth), removed on dispose. The server starts when a test first asks for it. Each test (class) takes its
/// own database from <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresFixture() : ServiceFixture<string, PostgreSqlContainer>("PostgreSQL", Variable)
{
    public const string Variable = "ZTSTREAM_TEST_POSTGRES";
    private const string Image = "postgres:15-alpine";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    private readonly List<string> createdDatabases = [];
    private LocalCluster? cluster;

    /// <summary>
    /// A connection string to the server's admin database, starting the server on first use; skips (or fails, on CI)
    /// when there is no server.
    /// </summary>
    public Task<string> GetAdminConnectionStringAsync(CancellationToken cancellationToken = default) => GetAddressAsync(cancellationToken);

    /// <summary>
    /// A database of its own (<see cref="CreateDatabaseAsync"/>) as the configuration a role's store reads: what a store
    /// contract suite's PostgreSQL run hands a host started from settings, beside the host's SQLite default.
    /// </summary>
    public async Task<Dictionary<string, string?>> CreateStoreSettingsAsync(CancellationToken cancellationToken = default) => new()
    {
        ["Store:Kind"] = "postgres",
        ["Store:ConnectionString"] = await CreateDatabaseAsync(cancellationToken).ConfigureAwait(false),
    };

    /// <summary>
    /// A PostgreSQL store on a database of its own (<see cref="CreateDatabaseAsync"/>): a store contract suite's PostgreSQL
    /// run, as <see cref="SqliteFiles.NewStore"/> is its SQLite run.
    /// </summary>
    internal async Task<StoreOptions> CreateStoreAsync(CancellationToken cancellationToken = default) =>
        new() { Kind = StoreOptions.Postgres, ConnectionString = await CreateDatabaseAsync(cancellationToken).ConfigureAwait(false) };

    /// <summary>Creates an empty database of its own for the caller and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(CancellationToken cancellationToken = default)
    {
        var admin = await GetAdminConnectionStringAsync(cancellationToken).ConfigureAwait(false);
        var name = $"zt_test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        lock (createdDatabases)
        {
            createdDatabases.Add(name);
        }

        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    /// <summary>
    /// Stops the server as an outage would (fast shutdown: sessions are cut, new connections refused), for a fault
    /// test on a fixture of its own. Only a local cluster can be stopped; otherwise the test is skipped (or fails).
    /// </summary>
    public async Task StopServerAsync()
    {
        await GetAdminConnectionStringAsync().ConfigureAwait(false);
        await (cluster ?? NotStoppable()).StopServerAsync().ConfigureAwait(false);
    }

    /// <summary>Starts a server <see cref="StopServerAsync"/> stopped, on the same port and data.</summary>
    public Task StartServerAsync() => (cluster ?? NotStoppable()).StartServerAsync();

    private LocalCluster NotStoppable()
    {
        ServiceRequirement.Unavailable("a PostgreSQL server this test may stop", $"the server came from {Source}, not from local binaries");
        throw new InvalidOperationException("unreachable");
    }

    protected override string FromEnvironment(string value) => value;

    protected override PostgreSqlContainer BuildContainer() => new PostgreSqlBuilder(Image).Build();

    protected override string AddressOf(PostgreSqlContainer container) => container.GetConnectionString();

    protected override string? FindBinaries(out string missing)
    {
        missing = "no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin or on PATH";
        return LocalCluster.FindBinaries();
    }

    protected override async Task<string> StartLocalAsync(string binaries)
    {
        cluster = await LocalCluster.StartAsync(binaries).ConfigureAwait(false);
        return cluster.ConnectionString;
    }

    protected override string DescribeLocal(string binaries) => $"local cluster from {binaries}";

    protected override async ValueTask StopLocalAsync()
    {
        if (cluster is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await cluster.DisposeAsync().ConfigureAwait(false);
            cluster = null;
        }
    }

    protected override async ValueTask ReleaseSharedAsync(string address)
    {
        // A shared server outlives the run: drop what this run created.
        NpgsqlConnection.ClearAllPools();
        string[] names;
        lock (createdDatabases)
        {
            names = [.. createdDatabases];
        }

        await using var connection = new NpgsqlConnection(address);
        await connection.OpenAsync().ConfigureAwait(false);
        foreach (var name in names)
        {
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A cluster made with initdb in a temp folder; as root, the server runs as the postgres user, as it insists.</summary>
    private sealed class LocalCluster : IAsyncDisposable
    {
        private const string FolderPrefix = "zt-pg-";

        private readonly string binaries;
        private readonly string folder;
        private readonly string dataFolder;
        private readonly bool asPostgresUser;
        private int stopped;

        private LocalCluster(string binaries, string folder, int port, bool asPostgresUser)
        {
            this.binaries = binaries;
            this.folder = folder;
            this.asPostgresUser = asPostgresUser;
            dataFolder = Path.Combine(folder, "data");
            ConnectionString = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1",
                Port = port,
                Username = "postgres",
                Database = "postgres",
                Timeout = 30,
            }.ConnectionString;
        }

        public string ConnectionString { get; }

        public static string? FindBinaries()
        {
            var fromPath = LocalProcess.Find("pg_ctl");
            var installed = Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql")
                    .Select(d => Path.Combine(d, "bin"))
                    .Where(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
                    .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                    .FirstOrDefault()
                : null;
            return installed ?? (fromPath is null || !File.Exists(Path.Combine(Path.GetDirectoryName(fromPath)!, "initdb")) ? null : Path.GetDirectoryName(fromPath));
        }

        public static async Task<LocalCluster> StartAsync(string binaries)
        {
            var asPostgresUser = LocalProcess.IsRoot;

            // The postgres user must reach the folder: a root-only TMPDIR would not do, /tmp always does.
            var parent = asPostgresUser ? "/tmp" : Path.GetTempPath();
            await ReapOrphansAsync(binaries, parent, asPostgresUser).ConfigureAwait(false);
            var folder = Path.Combine(parent, $"{FolderPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}"[..32]);
            Directory.CreateDirectory(folder);
            var cluster = new LocalCluster(binaries, folder, LocalProcess.FreePort(), asPostgresUser);
            try
            {
                await cluster.InitAndStartAsync().ConfigureAwait(false);
                AppDomain.CurrentDomain.ProcessExit += cluster.OnProcessExit;
                return cluster;
            }
            catch
            {
                await cluster.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
            await StopAsync().ConfigureAwait(false);
        }

        private async Task InitAndStartAsync()
        {
            if (asPostgresUser)
            {
                var chown = await LocalProcess.RunAsync("chown", ["-R", "postgres:postgres", folder], CommandTimeout).ConfigureAwait(false);
                Check(chown, "chown");
            }

            Check(await RunAsync("initdb", ["-D", dataFolder, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]).ConfigureAwait(false), "initdb");
            await StartServerAsync().ConfigureAwait(false);
        }

        public async Task StopServerAsync()
        {
            Check(await RunAsync("pg_ctl", ["-D", dataFolder, "-m", "fast", "-w", "-t", "60", "stop"]).ConfigureAwait(false), "pg_ctl stop");
        }

        public async Task StartServerAsync()
        {
            var port = new NpgsqlConnectionStringBuilder(ConnectionString).Port;

            // Durability is not what these tests are about: no fsync makes database creation far quicker.
            var serverOptions = string.Join(
                ' ',
                "-c listen_addresses=127.0.0.1",
                $"-c port={port}",
                $"-c unix_socket_directories={folder}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=300");
            var start = await RunAsync("pg_ctl", ["-D", dataFolder, "-l", Path.Combine(folder, "server.log"), "-o", serverOptions, "-w", "-t", "60", "start"]).ConfigureAwait(false);
            if (!start.Succeeded)
            {
                var log = Path.Combine(folder, "server.log");
                throw new InvalidOperationException($"pg_ctl start failed ({start.ExitCode}): {start.Output} {(File.Exists(log) ? await File.ReadAllTextAsync(log).ConfigureAwait(false) : string.Empty)}");
            }
        }

        private async Task StopAsync()
        {
            if (Interlocked.Exchange(ref stopped, 1) == 1)
            {
                return;
            }

            try
            {
                if (File.Exists(Path.Combine(dataFolder, "postmaster.pid")))
                {
                    await RunAsync("pg_ctl", ["-D", dataFolder, "-m", "immediate", "-w", "-t", "30", "stop"]).ConfigureAwait(false);
                }
            }
            finally
            {
                LocalProcess.DeleteFolder(folder);
            }
        }

        private void OnProcessExit(object? sender, EventArgs e) => StopAsync().GetAwaiter().GetResult();

        /// <summary>Stops and removes clusters of test runs that were killed before they could clean up.</summary>
        private static async Task ReapOrphansAsync(string binaries, string parent, bool asPostgresUser)
        {
            foreach (var orphan in LocalProcess.Orphans(parent, FolderPrefix).ToList())
            {
                var data = Path.Combine(orphan, "data");
                if (File.Exists(Path.Combine(data, "postmaster.pid")))
                {
                    var pgCtl = Path.Combine(binaries, "pg_ctl");
                    string[] stop = ["-D", data, "-m", "immediate", "-w", "-t", "30", "stop"];
                    await (asPostgresUser
                        ? LocalProcess.RunAsync("runuser", ["-u", "postgres", "--", pgCtl, .. stop], CommandTimeout)
                        : LocalProcess.RunAsync(pgCtl, stop, CommandTimeout)).ConfigureAwait(false);
                }

                try
                {
                    LocalProcess.DeleteFolder(orphan);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Another run may be reaping the same folder.
                }
            }
        }

        private Task<LocalProcess.Result> RunAsync(string tool, IEnumerable<string> arguments)
        {
            var path = Path.Combine(binaries, tool);
            return asPostgresUser
                ? LocalProcess.RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments], CommandTimeout)
                : LocalProcess.RunAsync(path, arguments, CommandTimeout);
        }

        private static void Check(LocalProcess.Result result, string what)
        {
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"{what} failed ({result.ExitCode}): {result.Output}");
            }
        }
    }
}
