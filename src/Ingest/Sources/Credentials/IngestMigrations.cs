using ZtStream.Platform.Store;

namespace ZtStream.Ingest.Sources.Credentials;

/// <summary>The ingest component's schema: source credentials.</summary>
internal sealed class IngestMigrations : IMigrationSource
{
    public const string Component = "ingest";

    public IEnumerable<Migration> Migrations { get; } =
    [
        new(Component, 1, "source credentials",
            Sqlite: """
                CREATE TABLE ingest_sources (
                    name       TEXT NOT NULL PRIMARY KEY,
                    key_hash   TEXT NOT NULL UNIQUE,
                    created_at TEXT NOT NULL,
                    revoked_at TEXT NULL
                );
                """,
            Postgres: """
                CREATE TABLE ingest_sources (
                    name       text        NOT NULL PRIMARY KEY,
                    key_hash   text        NOT NULL UNIQUE,
                    created_at timestamptz NOT NULL,
                    revoked_at timestamptz NULL
                );
                """),
    ];
}
