namespace ZtStream.Responder.Notifications;

/// <summary>Notification events: an alert fired (or fired again), or its triage status moved.</summary>
internal static class NotificationEvents
{
    public const string Trigger = "trigger";
    public const string Acknowledge = "acknowledge";
    public const string Resolve = "resolve";
}
