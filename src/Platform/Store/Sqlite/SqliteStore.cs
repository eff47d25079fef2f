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

    /// <summary>The database file's device and inode when first opened (Linux), to notice it deleted or replaced.</summary>
    private FileIdentity? opened;

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

    /// <summary>
    /// Opens a connection to the file this store first opened. A file that has become read-only to this process (its
    /// permissions, a read-only filesystem), or that was deleted or replaced while the process ran, is a
    /// <see cref="TransientException"/> naming it: callers answer 503 and retry, consumers pause, nothing is written
    /// into a file no one will read again, and no empty database is created in place of the lost one. The pool is
    /// cleared so that connections opened before do not keep writing into the old file.
    /// </summary>
    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var identity = CheckFile();
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (connection.Handle is { } handle && SQLitePCL.raw.sqlite3_db_readonly(handle, "main") == 1)
            {
                SqliteConnection.ClearPool(connection);
                throw new TransientException(
                    $"the SQLite store {FilePath} is read-only to this process (the file's permissions or a read-only filesystem); ZtStream goes on once it can write it again");
            }

            await using var command = connection.CreateCommand();

            // busy_timeout is per connection; journal_mode=WAL is stored in the file, so once per process is enough.
            command.CommandText = Volatile.Read(ref walEnabled) == 0
                ? $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds}; PRAGMA journal_mode = WAL;"
                : $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds};";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref walEnabled, 1);
            if (identity is not null)
            {
                Interlocked.CompareExchange(ref opened, identity, null);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The file's identity now; throws when it is no longer the file first opened.</summary>
    private FileIdentity? CheckFile()
    {
        if (!OperatingSystem.IsLinux() || string.IsNullOrEmpty(FilePath) || FilePath is ":memory:" || FilePath.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var now = FileIdentity.Of(FilePath);
        if (Volatile.Read(ref opened) is not { } first || now == first)
        {
            return now;
        }

        SqliteConnection.ClearAllPools();
        throw new TransientException(now is null
            ? $"the SQLite store {FilePath} was deleted while ZtStream was using it; put the file back from a backup and restart ZtStream"
            : $"the SQLite store {FilePath} was replaced while ZtStream was using it; restart ZtStream to use the new file");
    }

    /// <summary>A file's device and inode; null when there is no such file.</summary>
    private sealed record FileIdentity(uint DeviceMajor, uint DeviceMinor, ulong Inode)
    {
        public static FileIdentity? Of(string path) =>
            FileTypes.IdentityOf(Path.GetFullPath(path)) is { } id ? new FileIdentity(id.DeviceMajor, id.DeviceMinor, id.Inode) : null;
    }
}
