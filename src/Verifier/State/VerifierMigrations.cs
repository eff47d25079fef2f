using ZtStream.Platform.Store;

namespace ZtStream.Verifier.State;

/// <summary>
/// The verifier component's schema: per-partition state checkpoints (with the next offset), trained models, and the
/// states of principals evicted past the instance's cap (parked until they return).
/// </summary>
internal sealed class VerifierMigrations : IMigrationSource
{
    public const string Component = "verifier";

    public IEnumerable<Migration> Migrations { get; } =
    [
        new(Component, 1, "partition checkpoints and models",
            Sqlite: """
                CREATE TABLE verifier_checkpoints (
                    consumer_group TEXT    NOT NULL,
                    topic          TEXT    NOT NULL,
                    partition_id   INTEGER NOT NULL,
                    next_offset    INTEGER NOT NULL,
                    events_scored  INTEGER NOT NULL,
                    state          BLOB    NOT NULL,
                    updated_at_ms  INTEGER NOT NULL,
                    PRIMARY KEY (consumer_group, topic, partition_id)
                );
                CREATE TABLE verifier_models (
                    version     INTEGER NOT NULL PRIMARY KEY,
                    trained_at  TEXT    NOT NULL,
                    samples     INTEGER NOT NULL,
                    threshold   REAL    NOT NULL,
                    model       BLOB    NOT NULL
                );
                """,
            Postgres: """
                CREATE TABLE verifier_checkpoints (
                    consumer_group text    NOT NULL,
                    topic          text    NOT NULL,
                    partition_id   integer NOT NULL,
                    next_offset    bigint  NOT NULL,
                    events_scored  bigint  NOT NULL,
                    state          bytea   NOT NULL,
                    updated_at_ms  bigint  NOT NULL,
                    PRIMARY KEY (consumer_group, topic, partition_id)
                );
                CREATE TABLE verifier_models (
                    version     integer          NOT NULL PRIMARY KEY,
                    trained_at  text             NOT NULL,
                    samples     integer          NOT NULL,
                    threshold   double precision NOT NULL,
                    model       bytea            NOT NULL
                );
                """),
        new(Component, 2, "parked principals",
            Sqlite: """
                CREATE TABLE verifier_parked_principals (
                    consumer_group TEXT    NOT NULL,
                    principal      TEXT    NOT NULL,
                    state          BLOB    NOT NULL,
                    parked_at_ms   INTEGER NOT NULL,
                    PRIMARY KEY (consumer_group, principal)
                );
                CREATE INDEX ix_verifier_parked_at ON verifier_parked_principals (parked_at_ms);
                """,
            Postgres: """
                CREATE TABLE verifier_parked_principals (
                    consumer_group text   NOT NULL,
                    principal      text   NOT NULL,
                    state          bytea  NOT NULL,
                    parked_at_ms   bigint NOT NULL,
                    PRIMARY KEY (consumer_group, principal)
                );
                CREATE INDEX ix_verifier_parked_at ON verifier_parked_principals (parked_at_ms);
                """),
    ];
}
