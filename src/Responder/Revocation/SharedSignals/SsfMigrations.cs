using ZtStream.Platform.Store;

namespace ZtStream.Responder.Revocation.SharedSignals;

/// <summary>The transmitter's tables: its signing keys and the durable outbox of SETs to push.</summary>
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
    ];
}
