namespace ZtStream.Responder.Revocation.SharedSignals;

/// <summary>
/// The transmitter's tables: its signing keys, the durable outbox of SETs to deliver, and the streams receivers
/// registered through the SSF stream-management API with their subjects.
/// </summary>
internal sealed class SsfMigrations : IMigrationSource
{
    public const string Component = "responder-ssf";
    public const string KeysTable = "responder_ssf_keys";

    public IEnumerable<Migration> Migrations { get; } =
    [
        Migration.Portable(Component, 1, "ssf signing keys and outbox", SigningKeyRing.CreateTable(KeysTable) + "\n" + """
            CREATE TABLE responder_ssf_outbox (
                id              {id},
                action_id       TEXT    NOT NULL,
                receiver        TEXT    NOT NULL,
                jti             TEXT    NOT NULL,
                set_token       TEXT    NOT NULL,
                state           TEXT    NOT NULL,
                attempts        INTEGER NOT NULL,
                next_attempt_at {time}  NOT NULL,
                created_at      {time}  NOT NULL,
                finished_at     {time}  NULL,
                last_error      TEXT    NULL,
                UNIQUE (action_id, receiver)
            );
            CREATE INDEX responder_ssf_outbox_due ON responder_ssf_outbox (state, next_attempt_at);
            """),
        Migration.Portable(Component, 2, "ssf streams, stream subjects, poll delivery", """
            CREATE TABLE responder_ssf_streams (
                stream_id            TEXT   NOT NULL PRIMARY KEY,
                client               TEXT   NOT NULL,
                aud                  TEXT   NOT NULL,
                delivery_method      TEXT   NOT NULL,
                endpoint_url         TEXT   NULL,
                authorization_header TEXT   NULL,
                events_requested     TEXT   NOT NULL,
                status               TEXT   NOT NULL,
                reason               TEXT   NULL,
                description          TEXT   NULL,
                created_at           {time} NOT NULL,
                updated_at           {time} NOT NULL,
                verified_at          {time} NULL
            );
            CREATE INDEX responder_ssf_streams_client ON responder_ssf_streams (client);
            CREATE TABLE responder_ssf_stream_subjects (
                stream_id   TEXT    NOT NULL,
                subject_key TEXT    NOT NULL,
                subject     TEXT    NOT NULL,
                included    INTEGER NOT NULL,
                updated_at  {time}  NOT NULL,
                PRIMARY KEY (stream_id, subject_key)
            );
            ALTER TABLE responder_ssf_outbox ADD COLUMN delivery TEXT NOT NULL DEFAULT 'push';
            CREATE INDEX responder_ssf_outbox_receiver ON responder_ssf_outbox (receiver, state, next_attempt_at);
            """),
    ];
}
