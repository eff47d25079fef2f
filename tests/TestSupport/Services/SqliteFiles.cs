using ZtStream.Platform.Options;

namespace ZtStream.TestSupport.Services;

/// <summary>
/// The SQLite side of a store contract suite: a fresh database file per call, in a temp folder of the suite's own
/// that goes (with the WAL and shared-memory files) on disposal. The SQLite counterpart of
/// <see cref="PostgresFixture.CreateDatabaseAsync"/>.
/// </summary>
public sealed class SqliteFiles : IDisposable
{
    private readonly string _folder;

    /// <summary>The folder of a suite's SQLite run, which takes it as its class fixture (xUnit wants one public constructor).</summary>
    public SqliteFiles()
        : this("zt-sqlite-")
    {
    }

    /// <summary>A folder whose name starts with <paramref name="prefix"/>, for a test that makes its own.</summary>
    internal SqliteFiles(string prefix) => _folder = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>The path of a database file no other test uses (SQLite creates it on first open).</summary>
    public string NewPath() => Path.Combine(_folder, $"{Guid.NewGuid():N}.db");

    /// <summary>A SQLite store on a database file of its own (<see cref="NewPath"/>): a store contract suite's SQLite run.</summary>
    internal StoreOptions NewStore() => new() { Kind = StoreOptions.Sqlite, SqlitePath = NewPath() };

    public void Dispose()
    {
        // Pooled connections keep the files open.
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
