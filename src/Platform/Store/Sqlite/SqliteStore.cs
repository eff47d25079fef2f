using ZtStream.Platform.Faults;
using ZtStream.Platform.Options;

namespace ZtStream.Platform.Store.Sqlite;

/// <summary>
/// The embedded store: one SQLite file. WAL lets readers run beside the one writer; the busy timeout makes
/// a second writer wait instead of failing at once; foreign keys are off in SQLite unless asked for.
/// </summary>
internal sealed class SqliteStore : IStore
{
    /// <summary>How long a connection waits for another connection's write lock.</summary>
    internal const int BusyTimeoutMilliseconds = 30_000;

    private readonly string connectionString;
    private int walEnabled;

    static SqliteStore() => StoreTypeHandlers.Register();

    public SqliteStore(StoreOptions options)
    {
        var builder = Build(options);
        connectionString = builder.ConnectionString;
        FilePath = builder.DataSource;
        if (builder.Mode != SqliteOpenMode.Memory && !string.IsNullOrEmpty(FilePath))
        {
            if (Directory.Exists(FilePath))
            {
                throw new StorageUnusableException($"Store:SqlitePath '{FilePath}' is a folder; it must name the database file");
            }

            try
            {
                var folder = Path.GetDirectoryName(Path.GetFullPath(FilePath));
                if (!string.IsNullOrEmpty(folder))
                {
                    Directory.CreateDirectory(folder);
                }

                CreateOwnerOnly(FilePath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StorageUnusableException($"Store:SqlitePath '{FilePath}' cannot be created: {e.Message}", e);
            }
        }
    }

    public StoreDialect Dialect => StoreDialect.Sqlite;

    /// <summary>
    /// Creates the database file readable and writable by its owner alone (0600) before SQLite does: it holds the audit
    /// trail and generated signing keys, and SQLite would create it with the process umask (usually world-readable). The
    /// -wal and -shm files SQLite makes later take the database file's permissions. An existing file is left as it is.
    /// </summary>
    internal static void CreateOwnerOnly(string path)
    {
        if (OperatingSystem.IsWindows() || path is ":memory:" || path.StartsWith("file:", StringComparison.OrdinalIgnoreCase) || File.Exists(path))
        {
            return;
        }

        try
        {
            using var created = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first.
        }
    }

    /// <summary>The database file (as configured).</summary>
    public string FilePath { get; }

    /// <summary>
    /// <see cref="StoreOptions.ConnectionString"/> may be a bare file path or a full SQLite connection string
    /// (anything with '='); otherwise <see cref="StoreOptions.SqlitePath"/> names the file.
    /// </summary>
    internal static SqliteConnectionStringBuilder Build(StoreOptions options)
    {
        var configured = options.ConnectionString;
        var builder = string.IsNullOrWhiteSpace(configured)
            ? new SqliteConnectionStringBuilder { DataSource = options.SqlitePath }
            : configured.Contains('=', StringComparison.Ordinal)
                ? new SqliteConnectionStringBuilder(configured)
                : new SqliteConnectionStringBuilder { DataSource = configured };
        if (builder.Mode == SqliteOpenMode.ReadOnly)
        {
            throw new ArgumentException("The SQLite store needs a writable database (Mode=ReadOnly was given).", nameof(options));
        }

        builder.ForeignKeys = true;
        builder.Pooling = true;
        builder.DefaultTimeout = BusyTimeoutMilliseconds / 1000;
        return builder;
    }

    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();

            // busy_timeout is per connection; journal_mode=WAL is stored in the file, so once per process is enough.
            command.CommandText = Volatile.Read(ref walEnabled) == 0
                ? $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds}; PRAGMA journal_mode = WAL;"
                : $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds};";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref walEnabled, 1);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
