namespace ZtStream.Platform.Tests.Store;

/// <summary>The store contract on a SQLite file in a temp folder of this test's own.</summary>
public sealed class SqliteStoreContractTests : StoreContractTests
{
    private readonly string folder = Directory.CreateTempSubdirectory("zt-sqlite-").FullName;

    internal override Task<StoreOptions> CreateDatabaseAsync() =>
        Task.FromResult(new StoreOptions { Kind = StoreOptions.Sqlite, SqlitePath = Path.Combine(folder, $"{Guid.NewGuid():N}.db") });

    internal override ValueTask DisposeDatabasesAsync()
    {
        // Pooled connections keep the file open.
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
        return ValueTask.CompletedTask;
    }
}
