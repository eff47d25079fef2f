namespace ZtStream.Platform.Tests.Store;

/// <summary>The store contract on PostgreSQL: each test gets a fresh database from the assembly's server.</summary>
public sealed class PostgresStoreContractTests(PostgresFixture postgres) : StoreContractTests
{
    internal override Task<StoreOptions> CreateDatabaseAsync() => postgres.CreateStoreAsync(Ct);
}
