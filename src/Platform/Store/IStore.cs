namespace ZtStream.Platform.Store;

internal enum StoreDialect
{
    Sqlite,
    Postgres,
}

/// <summary>
/// The store seam: a connection to SQLite or PostgreSQL, with every component's migrations applied at start.
/// Repositories use Dapper with raw SQL; where the dialects differ they keep one SQL file per dialect.
/// </summary>
internal interface IStore
{
    StoreDialect Dialect { get; }

    /// <summary>An open connection; dispose it when done.</summary>
    ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);
}

/// <summary>A versioned schema change of one component, in both dialects.</summary>
/// <param name="Component">Owner (platform, ingest, verifier, responder): versions count per component.</param>
/// <param name="Version">1, 2, 3 … applied in order, once.</param>
internal sealed record Migration(string Component, int Version, string Name, string Sqlite, string Postgres)
{
    /// <summary>A migration written once for both dialects, in <see cref="PortableSql"/>'s placeholders.</summary>
    public static Migration Portable(string component, int version, string name, string sql) =>
        Portable(component, version, name, _ => sql);

    /// <summary>
    /// A migration written once, with what only one dialect spells its own way asked of <paramref name="sql"/> (such as
    /// <see cref="PortableSql.AppendOnly"/>).
    /// </summary>
    public static Migration Portable(string component, int version, string name, Func<StoreDialect, string> sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        return new(
            component,
            version,
            name,
            PortableSql.Render(sql(StoreDialect.Sqlite), StoreDialect.Sqlite),
            PortableSql.Render(sql(StoreDialect.Postgres), StoreDialect.Postgres));
    }
}

/// <summary>Components register their migrations as singletons of this.</summary>
internal interface IMigrationSource
{
    IEnumerable<Migration> Migrations { get; }
}
