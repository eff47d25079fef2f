namespace ZtStream.Ingest.Sources.Credentials;

/// <summary>The ingest component's schema: source credentials and their scopes.</summary>
internal sealed class IngestMigrations : IMigrationSource
{
    public const string Component = "ingest";

    public IEnumerable<Migration> Migrations { get; } =
    [
        Migration.Portable(Component, 1, "source credentials", """
            CREATE TABLE ingest_sources (
                name       TEXT   NOT NULL PRIMARY KEY,
                key_hash   TEXT   NOT NULL UNIQUE,
                created_at {time} NOT NULL,
                revoked_at {time} NULL
            );
            """),
        Migration.Portable(Component, 2, "source scopes", Scopes),
        Migration.Portable(Component, 3, "source cluster scopes", """
            ALTER TABLE ingest_sources ADD COLUMN scope_clusters TEXT NULL;
            """),
        Migration.Portable(Component, 4, "source tenant scopes", """
            ALTER TABLE ingest_sources ADD COLUMN scope_tenants TEXT NULL;
            """),
        // The one cluster a source's records are labelled with (sources add NAME --cluster CLUSTER); NULL: none.
        Migration.Portable(Component, 5, "source cluster labels", """
            ALTER TABLE ingest_sources ADD COLUMN cluster_label TEXT NULL;
            """),
        // The one identity-provider tenant a source's records are labelled with (sources add NAME --tenant TENANT); NULL: none.
        Migration.Portable(Component, 6, "source tenant labels", """
            ALTER TABLE ingest_sources ADD COLUMN tenant_label TEXT NULL;
            """),
    ];

    // Each dimension of a source's scope as its comma-joined patterns; NULL when the dimension is not limited.
    private const string Scopes = """
        ALTER TABLE ingest_sources ADD COLUMN scope_kinds TEXT NULL;
        ALTER TABLE ingest_sources ADD COLUMN scope_subjects TEXT NULL;
        ALTER TABLE ingest_sources ADD COLUMN scope_namespaces TEXT NULL;
        ALTER TABLE ingest_sources ADD COLUMN scope_workloads TEXT NULL;
        """;
}
