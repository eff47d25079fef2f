namespace ZtStream.Responder.Notifications;

/// <summary>The durable outbox of notifications: one row per alert, alert count (or status change) and target.</summary>
internal sealed class NotificationMigrations : IMigrationSource
{
    public const string Component = "responder-notifications";

    public IEnumerable<Migration> Migrations { get; } =
    [
        new Migration(
            Component,
            1,
            "notification outbox",
            Sqlite: """
                CREATE TABLE responder_notifications (
                    id              INTEGER PRIMARY KEY AUTOINCREMENT,
                    dedup_key       TEXT    NOT NULL UNIQUE,
                    alert_id        TEXT    NOT NULL,
                    action_id       TEXT    NULL,
                    route           TEXT    NOT NULL,
                    target          TEXT    NOT NULL,
                    event           TEXT    NOT NULL,
                    content         TEXT    NOT NULL,
                    state           TEXT    NOT NULL,
                    attempts        INTEGER NOT NULL,
                    next_attempt_at TEXT    NOT NULL,
                    created_at      TEXT    NOT NULL,
                    finished_at     TEXT    NULL,
                    last_error      TEXT    NULL
                );
                CREATE INDEX responder_notifications_due ON responder_notifications (state, next_attempt_at);
                CREATE INDEX responder_notifications_route ON responder_notifications (route, created_at);
                CREATE INDEX responder_notifications_alert ON responder_notifications (alert_id);
                """,
            Postgres: """
                CREATE TABLE responder_notifications (
                    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    dedup_key       text        NOT NULL UNIQUE,
                    alert_id        text        NOT NULL,
                    action_id       text        NULL,
                    route           text        NOT NULL,
                    target          text        NOT NULL,
                    event           text        NOT NULL,
                    content         text        NOT NULL,
                    state           text        NOT NULL,
                    attempts        integer     NOT NULL,
                    next_attempt_at timestamptz NOT NULL,
                    created_at      timestamptz NOT NULL,
                    finished_at     timestamptz NULL,
                    last_error      text        NULL
                );
                CREATE INDEX responder_notifications_due ON responder_notifications (state, next_attempt_at);
                CREATE INDEX responder_notifications_route ON responder_notifications (route, created_at);
                CREATE INDEX responder_notifications_alert ON responder_notifications (alert_id);
                """),
    ];
}
