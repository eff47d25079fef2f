namespace ZtStream.Responder.Revocation.SharedSignals;

/// <summary>
/// The transmitter's tables: its signing keys, the durable outbox of SETs to deliver, and the streams receivers
/// registered through the SSF stream-management API with their subjects.
/// </summary>
internal sealed class SsfMigrations : IMigrationSource
{
    public const string Component = "responder-ssf";

    public IEnumerable<Migration> Migrations { get; } =
    [
        new Migration(
            Component,
            1,
            "ssf signing keys and outbox",
            Sqlite: """
                CREATE TABLE responder_ssf_keys (
                    kid             TEXT NOT NULL PRIMARY KEY,
                    algorithm       TEXT NOT NULL,
                    private_key_pem TEXT NOT NULL,
                    created_at      TEXT NOT NULL
                );
                CREATE TABLE responder_ssf_outbox (
                    id              INTEGER PRIMARY KEY AUTOINCREMENT,
                    action_id       TEXT    NOT NULL,
                    receiver        TEXT    NOT NULL,
                    jti             TEXT    NOT NULL,
                    set_token       TEXT    NOT NULL,
                    state           TEXT    NOT NULL,
                    attempts        INTEGER NOT NULL,
                    next_attempt_at TEXT    NOT NULL,
                    created_at      TEXT    NOT NULL,
                    finished_at     TEXT    NULL,
                    last_error      TEXT    NULL,
                    UNIQUE (action_id, receiver)
                );
                CREATE INDEX responder_ssf_outbox_due ON responder_ssf_outbox (state, next_attempt_at);
                """,
            Postgres: """
                CREATE TABLE responder_ssf_keys (
                    kid             text        NOT NULL PRIMARY KEY,
                    algorithm       text        NOT NULL,
                    private_key_pem text        NOT NULL,
                    created_at      timestamptz NOT NULL
                );
                CREATE TABLE responder_ssf_outbox (
                    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    action_id       text        NOT NULL,
                    receiver        text        NOT NULL,
                    jti             text        NOT NULL,
                    set_token       text        NOT NULL,
                    state           text        NOT NULL,
                    attempts        integer     NOT NULL,
                    next_attempt_at timestamptz NOT NULL,
                    created_at      timestamptz NOT NULL,
                    finished_at     timestamptz NULL,
                    last_error      text        NULL,
                    UNIQUE (action_id, receiver)
                );
                CREATE INDEX responder_ssf_outbox_due ON responder_ssf_outbox (state, next_attempt_at);
                """),
        new Migration(
            Component,
            2,
            "ssf streams, stream subjects, poll delivery",
            Sqlite: """
                CREATE TABLE responder_ssf_streams (
                    stream_id            TEXT NOT NULL PRIMARY KEY,
                    client               TEXT NOT NULL,
                    aud                  TEXT NOT NULL,
                    delivery_method      TEXT NOT NULL,
                    endpoint_url         TEXT NULL,
                    authorization_header TEXT NULL,
                    events_requested     TEXT NOT NULL,
                    status               TEXT NOT NULL,
                    reason               TEXT NULL,
                    description          TEXT NULL,
                    created_at           TEXT NOT NULL,
                    updated_at           TEXT NOT NULL,
                    verified_at          TEXT NULL
                );
                CREATE INDEX responder_ssf_streams_client ON responder_ssf_streams (client);
                CREATE TABLE responder_ssf_stream_subjects (
                    stream_id   TEXT    NOT NULL,
                    subject_key TEXT    NOT NULL,
                    subject     TEXT    NOT NULL,
                    included    INTEGER NOT NULL,
                    updated_at  TEXT    NOT NULL,
                    PRIMARY KEY (stream_id, subject_key)
                );
                ALTER TABLE responder_ssf_outbox ADD COLUMN delivery TEXT NOT NULL DEFAULT 'push';
                CREATE INDEX responder_ssf_outbox_receiver ON responder_ssf_outbox (receiver, state, next_attempt_at);
                """,
            Postgres: """
                CREATE TABLE responder_ssf_streams (
                    stream_id            text        NOT NULL PRIMARY KEY,
                    client               text        NOT NULL,
                    aud                  text        NOT NULL,
                    delivery_method      text        NOT NULL,
                    endpoint_url         text        NULL,
                    authorization_header text        NULL,
                    events_requested     text        NOT NULL,
                    status               text        NOT NULL,
                    reason               text        NULL,
                    description          text        NULL,
                    created_at           timestamptz NOT NULL,
                    updated_at           timestamptz NOT NULL,
                    verified_at          timestamptz NULL
                );
                CREATE INDEX responder_ssf_streams_client ON responder_ssf_streams (client);
                CREATE TABLE responder_ssf_stream_subjects (
                    stream_id   text        NOT NULL,
                    subject_key text        NOT NULL,
                    subject     text        NOT NULL,
                    included    integer     NOT NULL,
                    updated_at  timestamptz NOT NULL,
                    PRIMARY KEY (stream_id, subject_key)
                );
                ALTER TABLE responder_ssf_outbox ADD COLUMN delivery text NOT NULL DEFAULT 'push';
                CREATE INDEX responder_ssf_outbox_receiver ON responder_ssf_outbox (receiver, state, next_attempt_at);
                """),
    ];
}
