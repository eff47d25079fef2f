namespace ZtStream.Platform.Tests.Store;

/// <summary>
/// The SQLite store when its file stops being usable under a running process, for real: a filesystem remounted
/// read-only, the file deleted, the file replaced. Each is a transient fault naming the file (503 and Retry-After at the
/// API, a paused consumer), never a write into a file no one will read again, never a fresh empty database.
/// </summary>
public sealed class SqliteStoreFaultTests
{
    [Fact]
    public async Task Write_FilesystemRemountedReadOnly_TransientNamingTheFile_WritesAgainOnceWritable()
    {
        await using var disk = await SmallDisk.MountAsync(4 * 1024 * 1024);
        var path = Path.Combine(disk.Path, "ztstream.db");
        var store = await StoreWithOneRowAsync(path);

        // Connections open for writing would make the remount fail (EBUSY): the kernel's own remount after disk errors
        // does not wait for them, a test cannot do better than close them first.
        SqliteConnection.ClearAllPools();
        await disk.RemountReadOnlyAsync();
        var refused = await Record.ExceptionAsync(() => InsertAsync(store, 2));

        Assert.NotNull(refused);
        Assert.True(TransientFaults.IsTransient(refused), refused.ToString());
        Assert.Contains(path, refused.Message, StringComparison.Ordinal);
        Assert.Contains("read-only", refused.Message, StringComparison.Ordinal);

        await disk.RemountWritableAsync();
        await InsertAsync(store, 3);
        Assert.Equal(new long[] { 1, 3 }, await RowsAsync(store));
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task Write_FileDeletedWhileInUse_TransientNamingIt_NoEmptyDatabaseCreated()
    {
        using var files = new SqliteFiles("zt-sqlite-gone-");
        var path = files.NewPath();
        var store = await StoreWithOneRowAsync(path);

        File.Delete(path);
        var refused = await Record.ExceptionAsync(() => InsertAsync(store, 2));

        Assert.NotNull(refused);
        Assert.True(TransientFaults.IsTransient(refused), refused.ToString());
        Assert.Contains($"the SQLite store {path} was deleted while ZtStream was using it", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path), "a new, empty database was created in place of the deleted one");
        Assert.True(TransientFaults.IsTransient((await Record.ExceptionAsync(() => RowsAsync(store)))!));
    }

    [Fact]
    public async Task Write_FileReplacedWhileInUse_TransientNamingIt_TheNewFileUntouched()
    {
        using var files = new SqliteFiles("zt-sqlite-replaced-");
        var path = files.NewPath();
        var store = await StoreWithOneRowAsync(path);
        var other = files.NewPath();
        var otherStore = await StoreWithOneRowAsync(other);
        SqliteConnection.ClearAllPools();

        File.Move(other, path, overwrite: true);
        var refused = await Record.ExceptionAsync(() => InsertAsync(store, 2));

        Assert.NotNull(refused);
        Assert.True(TransientFaults.IsTransient(refused), refused.ToString());
        Assert.Contains($"the SQLite store {path} was replaced while ZtStream was using it; restart ZtStream", refused.Message, StringComparison.Ordinal);
        Assert.Equal(new long[] { 1 }, await RowsAsync(new SqliteStore(new StoreOptions { Kind = StoreOptions.Sqlite, SqlitePath = path })));
        _ = otherStore;
        SqliteConnection.ClearAllPools();
    }

    private static async Task<SqliteStore> StoreWithOneRowAsync(string path)
    {
        var store = new SqliteStore(new StoreOptions { Kind = StoreOptions.Sqlite, SqlitePath = path });
        await using (var connection = await store.OpenAsync(Ct))
        {
            await connection.ExecuteAsync(new CommandDefinition("CREATE TABLE t (x INTEGER NOT NULL)", cancellationToken: Ct));
        }

        await InsertAsync(store, 1);
        return store;
    }

    private static async Task InsertAsync(SqliteStore store, long x)
    {
        await using var connection = await store.OpenAsync(Ct);
        await connection.ExecuteAsync(new CommandDefinition("INSERT INTO t (x) VALUES (@x)", new { x }, cancellationToken: Ct));
    }

    private static async Task<long[]> RowsAsync(SqliteStore store)
    {
        await using var connection = await store.OpenAsync(Ct);
        return [.. await connection.QueryAsync<long>(new CommandDefinition("SELECT x FROM t ORDER BY x", cancellationToken: Ct))];
    }
}
