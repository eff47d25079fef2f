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
        Migration.Portable(Component, 1, "partition checkpoints and models", """
            CREATE TABLE verifier_checkpoints (
                consumer_group TEXT     NOT NULL,
                topic          TEXT     NOT NULL,
                partition_id   INTEGER  NOT NULL,
                next_offset    {bigint} NOT NULL,
                events_scored  {bigint} NOT NULL,
                state          {bytes}  NOT NULL,
                updated_at_ms  {bigint} NOT NULL,
                PRIMARY KEY (consumer_group, topic, partition_id)
            );
            CREATE TABLE verifier_models (
                version     INTEGER  NOT NULL PRIMARY KEY,
                trained_at  TEXT     NOT NULL,
                samples     INTEGER  NOT NULL,
                threshold   {double} NOT NULL,
                model       {bytes}  NOT NULL
            );
            """),
        Migration.Portable(Component, 2, "parked principals", """
            CREATE TABLE verifier_parked_principals (
                consumer_group TEXT     NOT NULL,
                principal      TEXT     NOT NULL,
                state          {bytes}  NOT NULL,
                parked_at_ms   {bigint} NOT NULL,
                PRIMARY KEY (consumer_group, principal)
            );
            CREATE INDEX ix_verifier_parked_at ON verifier_parked_principals (parked_at_ms);
            """),
    ];
}
