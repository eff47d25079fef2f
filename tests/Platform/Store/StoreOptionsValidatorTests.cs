namespace ZtStream.Platform.Tests.Store;

public sealed class StoreOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_AreValid() => Assert.Empty(StoreOptionsValidator.Validate(new StoreOptions()));

    [Fact]
    public void Validate_UnknownKind_NamesTheKindAndTheChoices() =>
        Assert.Equal(["Store:Kind 'mysql' is not one of sqlite, postgres"], StoreOptionsValidator.Validate(new StoreOptions { Kind = "mysql" }));

    [Fact]
    public void Validate_PostgresWithoutConnectionString_IsAnError() =>
        Assert.Equal(["Store:ConnectionString is required when Store:Kind is postgres"], StoreOptionsValidator.Validate(new StoreOptions { Kind = "postgres" }));

    [Fact]
    public void Validate_PostgresWithMalformedConnectionString_IsAnError()
    {
        var problem = Assert.Single(StoreOptionsValidator.Validate(new StoreOptions { Kind = "postgres", ConnectionString = "Hots=db;Nonsense=1" }));
        Assert.StartsWith("Store:ConnectionString is not a valid PostgreSQL connection string", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SqliteWithNoFile_IsAnError() =>
        Assert.Equal(
            ["Store:SqlitePath (or Store:ConnectionString) is required when Store:Kind is sqlite"],
            StoreOptionsValidator.Validate(new StoreOptions { Kind = "sqlite", SqlitePath = " " }));

    [Fact]
    public void Validate_SqliteReadOnly_IsAnError()
    {
        var problem = Assert.Single(StoreOptionsValidator.Validate(new StoreOptions { Kind = "sqlite", ConnectionString = "Data Source=x.db;Mode=ReadOnly" }));
        Assert.Contains("ReadOnly", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(":memory:")]
    [InlineData("Data Source=zt;Mode=Memory")]
    public void Validate_SqliteInMemory_IsAnError(string connectionString)
    {
        var problem = Assert.Single(StoreOptionsValidator.Validate(new StoreOptions { ConnectionString = connectionString }));
        Assert.Contains("in-memory", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Postgres", "Host=db;Database=zt")]
    [InlineData("SQLITE", null)]
    [InlineData("sqlite", "Data Source=/var/lib/ztstream/zt.db")]
    [InlineData("sqlite", "relative/zt.db")]
    public void Validate_GoodOptions_HaveNoProblems(string kind, string? connectionString) =>
        Assert.Empty(StoreOptionsValidator.Validate(new StoreOptions { Kind = kind, ConnectionString = connectionString }));
}
