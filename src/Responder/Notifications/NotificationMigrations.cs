namespace ZtStream.Responder.Notifications;

/// <summary>The durable outbox of notifications: one row per alert, alert count (or status change) and target.</summary>
internal sealed class NotificationMigrations : IMigrationSource
{
    public const string Component = "responder-notifications";

    public IEnumerable<Migration> Migrations { get; } =
    [
        Migration.Portable(Component, 1, "notification outbox", """
            CREATE TABLE responder_notifications (
                id              {id},
                dedup_key       TEXT    NOT NULL UNIQUE,
                alert_id        TEXT    NOT NULL,
                action_id       TEXT    NULL,
                route           TEXT    NOT NULL,
                target          TEXT    NOT NULL,
                event           TEXT    NOT NULL,
                content         TEXT    NOT NULL,
                state           TEXT    NOT NULL,
                attempts        INTEGER NOT NULL,
                next_attempt_at {time}  NOT NULL,
                created_at      {time}  NOT NULL,
                finished_at     {time}  NULL,
                last_error      TEXT    NULL
            );
            CREATE INDEX responder_notifications_due ON responder_notifications (state, next_attempt_at);
            CREATE INDEX responder_notifications_route ON responder_notifications (route, created_at);
            CREATE INDEX responder_notifications_alert ON responder_notifications (alert_id);
            """),
    ];
}
