namespace ZtStream.Responder.Drivers;

/// <summary>Log messages of the Responder's external drivers; event ids 5100–5199.</summary>
internal static partial class DriverLog
{
    [LoggerMessage(5100, LogLevel.Information, "OAuth revocation for action {ActionId} accepted with {Status} after {Attempts} attempt(s)")]
    public static partial void OAuthRevoked(ILogger logger, Guid actionId, int status, int attempts);

    [LoggerMessage(5101, LogLevel.Warning, "OAuth revocation for action {ActionId}: attempt {Attempt} failed ({Reason}); retrying in {Delay}")]
    public static partial void OAuthRetrying(ILogger logger, Guid actionId, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(5110, LogLevel.Information, "SET {Jti} for action {ActionId} queued for receiver {Receiver}")]
    public static partial void SetQueued(ILogger logger, string jti, Guid actionId, string receiver);

    [LoggerMessage(5111, LogLevel.Information, "SET {Jti} delivered to receiver {Receiver} after {Attempts} attempt(s)")]
    public static partial void SetDelivered(ILogger logger, string jti, string receiver, int attempts);

    [LoggerMessage(5112, LogLevel.Warning, "SET {Jti} to receiver {Receiver}: attempt {Attempts} failed ({Reason}); next at {NextAttempt}")]
    public static partial void SetDeliveryRetry(ILogger logger, string jti, string receiver, int attempts, string reason, DateTimeOffset nextAttempt);

    [LoggerMessage(5113, LogLevel.Error, "SET {Jti} rejected by receiver {Receiver}: {Reason}; not retried")]
    public static partial void SetRejected(ILogger logger, string jti, string receiver, string reason);

    [LoggerMessage(5114, LogLevel.Information, "Generated a new {Algorithm} signing key {KeyId} for {Purpose} and stored it in {Table}")]
    public static partial void SigningKeyGenerated(ILogger logger, string algorithm, string keyId, string purpose, string table);

    [LoggerMessage(5115, LogLevel.Error, "SET delivery pass failed")]
    public static partial void SetDeliveryPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(5116, LogLevel.Warning, "SETs for {Receiver} wait: its endpoint at {Origin} is not among the PushEndpoints of client {Client}")]
    public static partial void SetEndpointNotAllowed(ILogger logger, string receiver, string client, string origin);

    [LoggerMessage(5120, LogLevel.Information, "Action {ActionId}: quarantined pod {Namespace}/{Pod} with NetworkPolicy {Policy}")]
    public static partial void KubernetesIsolated(ILogger logger, Guid actionId, string @namespace, string pod, string policy);

    [LoggerMessage(5121, LogLevel.Information, "Action {ActionId}: released pod {Namespace}/{Pod} (NetworkPolicy {Policy})")]
    public static partial void KubernetesReleased(ILogger logger, Guid actionId, string @namespace, string pod, string policy);

    [LoggerMessage(5130, LogLevel.Information, "Action {ActionId}: added nftables table {Table} in {Target}")]
    public static partial void NftablesIsolated(ILogger logger, Guid actionId, string target, string table);

    [LoggerMessage(5131, LogLevel.Information, "Action {ActionId}: deleted nftables table {Table} in {Target}")]
    public static partial void NftablesReleased(ILogger logger, Guid actionId, string target, string table);

    [LoggerMessage(5140, LogLevel.Information, "Action {ActionId}: disconnected container {Container} from {Networks}")]
    public static partial void DockerIsolated(ILogger logger, Guid actionId, string container, string networks);

    [LoggerMessage(5141, LogLevel.Information, "Action {ActionId}: reconnected container {Container} to {Networks}")]
    public static partial void DockerReleased(ILogger logger, Guid actionId, string container, string networks);

    [LoggerMessage(5150, LogLevel.Information, "Notification {Event} of alert {AlertId} delivered to {Target} on attempt {Attempts}")]
    public static partial void NotificationDelivered(ILogger logger, string @event, string alertId, string target, int attempts);

    [LoggerMessage(5151, LogLevel.Warning, "Notification {Event} of alert {AlertId} to {Target}: attempt {Attempts} failed ({Reason}); next at {NextAttempt}")]
    public static partial void NotificationRetry(ILogger logger, string @event, string alertId, string target, int attempts, string reason, DateTimeOffset nextAttempt);

    [LoggerMessage(5152, LogLevel.Error, "Notification {Event} of alert {AlertId} to {Target} failed: {Reason}; not retried")]
    public static partial void NotificationFailed(ILogger logger, string @event, string alertId, string target, string reason);

    [LoggerMessage(5153, LogLevel.Warning, "Notification of alert {AlertId} to {Target} throttled: route {Route} already sent {Max} in {Window}")]
    public static partial void NotificationThrottled(ILogger logger, string alertId, string target, string route, int max, TimeSpan window);

    [LoggerMessage(5154, LogLevel.Error, "Notification delivery pass failed")]
    public static partial void NotificationPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(5155, LogLevel.Warning, "Outbox {Table} item {Id} was due at {DueAt}, further ahead than any wait this Responder sets (the wall clock stepped back): due now")]
    public static partial void OutboxItemReleased(ILogger logger, string table, long id, DateTimeOffset dueAt);
}
