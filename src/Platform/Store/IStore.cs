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
internal sealed record Migration(string Component, int Version, string Name, string Sqlite, string Postgres);

/// <summary>Components register their migrations as singletons of this.</summary>
internal interface IMigrationSource
{
    IEnumerable<Migration> Migrations { get; }
}
