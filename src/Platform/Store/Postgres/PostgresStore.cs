namespace ZtStream.Platform.Store.Postgres;

/// <summary>The distributed store: PostgreSQL through one pooled <see cref="NpgsqlDataSource"/> per process.</summary>
internal sealed class PostgresStore : IStore, IAsyncDisposable, IDisposable
{
    private readonly NpgsqlDataSource dataSource;

    static PostgresStore() => StoreTypeHandlers.Register();

    public PostgresStore(StoreOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new ArgumentException("Store:ConnectionString is required for the postgres store.", nameof(options));
        }

        dataSource = NpgsqlDataSource.Create(options.ConnectionString);
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        Location = $"{builder.Host}:{builder.Port}/{builder.Database}";
    }

    public StoreDialect Dialect => StoreDialect.Postgres;

    /// <summary>host:port/database, without credentials, for logs.</summary>
    public string Location { get; }

    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();

    public void Dispose() => dataSource.Dispose();
}
