namespace ZtStream.Platform.Tests.Store;

/// <summary>The store contract on a SQLite file in a temp folder of this test's own.</summary>
public sealed class SqliteStoreContractTests : StoreContractTests
{
    private readonly SqliteFiles files = new("zt-sqlite-");

    internal override Task<StoreOptions> CreateDatabaseAsync() => Task.FromResult(files.NewStore());

    internal override ValueTask DisposeDatabasesAsync()
    {
        files.Dispose();
        return ValueTask.CompletedTask;
    }
}
