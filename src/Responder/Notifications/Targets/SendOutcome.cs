namespace ZtStream.Responder.Notifications.Targets;

/// <summary>What one attempt at a target came to.</summary>
/// <param name="Delivered">The target took the message.</param>
/// <param name="Permanent">Not delivered and retrying cannot help (the target refused the message itself).</param>
/// <param name="Detail">The target's answer, for the audit trail.</param>
/// <param name="RetryAfter">How long the target asked to wait (429 Retry-After).</param>
internal sealed record SendOutcome(bool Delivered, bool Permanent, string Detail, TimeSpan? RetryAfter = null)
{
    public static SendOutcome Ok(string detail) => new(true, false, detail);

    public static SendOutcome Retry(string detail, TimeSpan? retryAfter = null) => new(false, false, detail, retryAfter);

    public static SendOutcome Refused(string detail) => new(false, true, detail);
}

/// <summary>Sends a notification to one kind of target.</summary>
internal interface INotificationSender
{
    /// <summary>The target kind it serves (<see cref="NotificationTargetOptions.Kind"/>).</summary>
    string Kind { get; }

    Task<SendOutcome> SendAsync(NotificationContent content, NotificationTargetOptions target, CancellationToken cancellationToken);
}
