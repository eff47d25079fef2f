using Microsoft.Extensions.Logging;

namespace ZtStream.Ingest;

/// <summary>Ingest log messages; event ids 3000–3099.</summary>
internal static partial class IngestLog
{
    [LoggerMessage(3000, LogLevel.Debug, "Batch from {Source} on {Endpoint}: {Accepted} accepted, {Rejected} rejected")]
    public static partial void BatchHandled(ILogger logger, string source, string endpoint, int accepted, int rejected);

    [LoggerMessage(3001, LogLevel.Warning, "Event log unavailable for a batch of {Count} from {Source}; answered 503, retry after {RetryAfter}")]
    public static partial void EventLogUnavailable(ILogger logger, Exception exception, int count, string source, TimeSpan retryAfter);

    [LoggerMessage(3002, LogLevel.Information, "Request on {Endpoint} without a valid source credential from {RemoteAddress}")]
    public static partial void Unauthorized(ILogger logger, string endpoint, string? remoteAddress);

    [LoggerMessage(3003, LogLevel.Information, "Source {Source} rate limited on {Endpoint}; retry after {RetryAfter}")]
    public static partial void RateLimited(ILogger logger, string source, string endpoint, TimeSpan retryAfter);

    [LoggerMessage(3004, LogLevel.Error, "Credential store unavailable while authenticating on {Endpoint}")]
    public static partial void CredentialStoreFailed(ILogger logger, Exception exception, string endpoint);

    [LoggerMessage(3005, LogLevel.Error, "Unexpected failure handling a batch on {Endpoint}")]
    public static partial void BatchFailed(ILogger logger, Exception exception, string endpoint);
}
