namespace ZtStream.Contracts;

/// <summary>Event-log topic names.</summary>
public static class Topics
{
    /// <summary>Normalised access events, key = principal.</summary>
    public const string Events = "zt.events.v1";
    /// <summary>Alerts from the Verifier, key = principal.</summary>
    public const string Alerts = "zt.alerts.v1";
    /// <summary>Analyst verdicts for the Verifier, key = principal.</summary>
    public const string Feedback = "zt.feedback.v1";
}
