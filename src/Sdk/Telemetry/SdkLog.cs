namespace ZtStream.Sdk.Telemetry;

/// <summary>
/// SDK log messages. Event ids 6000–6099 client, 6100–6199 revocation feed, 6200–6299 middleware: the 1000s are
/// the event log's, which runs in the same process when a service embeds ZtStream (docs/architecture.md).
/// </summary>
internal static partial class SdkLog
{
    [LoggerMessage(6000, LogLevel.Warning, "Sending {Count} events to Ingest failed on attempt {Attempt} ({Reason}); retrying in {Delay}")]
    public static partial void SendRetrying(this ILogger logger, int count, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(6001, LogLevel.Error, "Gave up on {Count} events after {Attempt} attempts ({Reason})")]
    public static partial void SendGaveUp(this ILogger logger, int count, int attempt, string reason);

    [LoggerMessage(6002, LogLevel.Warning, "Ingest rejected {Rejected} of {Count} events as invalid ({Status}); they are not retried: {Detail}")]
    public static partial void EventsRejected(this ILogger logger, int rejected, int count, HttpStatusCode status, string detail);

    [LoggerMessage(6003, LogLevel.Error, "Ingest refused the source key ({Status}); {Count} events dropped. Check ZtStream:SourceKey")]
    public static partial void SourceKeyRefused(this ILogger logger, HttpStatusCode status, int count);

    [LoggerMessage(6004, LogLevel.Warning, "The ZtStream send queue is full; dropping the oldest events ({Dropped} so far)")]
    public static partial void QueueFull(this ILogger logger, long dropped);

    [LoggerMessage(6005, LogLevel.Warning, "Shutdown timeout reached with {Count} events unsent; they are dropped")]
    public static partial void ShutdownAbandoned(this ILogger logger, int count);

    [LoggerMessage(6006, LogLevel.Error, "Unexpected error in the ZtStream sender")]
    public static partial void SenderCrashed(this ILogger logger, Exception exception);

    [LoggerMessage(6007, LogLevel.Error, "Sending {Count} events to Ingest failed unexpectedly; they are counted as failed and the sender goes on")]
    public static partial void SendFaulted(this ILogger logger, Exception exception, int count);

    [LoggerMessage(6008, LogLevel.Error, "ZtStream:Endpoint answered {Status} (Location: {Location}), which Ingest never does: {Count} events counted as failed. Set ZtStream:Endpoint to Ingest's own address; redirects are not followed")]
    public static partial void NotIngest(this ILogger logger, int status, string location, int count);

    [LoggerMessage(6100, LogLevel.Information, "Revocation snapshot loaded: {Count} entries at version {Version}")]
    public static partial void SnapshotLoaded(this ILogger logger, int count, long version);

    [LoggerMessage(6101, LogLevel.Information, "Following the revocation feed from version {Version}")]
    public static partial void FeedConnected(this ILogger logger, long version);

    [LoggerMessage(6102, LogLevel.Warning, "Revocation feed unavailable (attempt {Attempt}): {Reason}; reconnecting in {Delay}")]
    public static partial void FeedFailed(this ILogger logger, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(6103, LogLevel.Information, "Revocation feed stream ended at version {Version}; resuming")]
    public static partial void FeedEnded(this ILogger logger, long version);

    [LoggerMessage(6104, LogLevel.Warning, "Skipped a malformed revocation feed message (id {EventId}): {Reason} ({Count} so far, the first id {FirstEventId}: {FirstReason})")]
    public static partial void FeedMessageMalformed(this ILogger logger, string eventId, string reason, long count, string firstEventId, string firstReason);

    [LoggerMessage(6105, LogLevel.Warning, "Refused a revocation feed message at version {Version}; it is not applied, the list held is kept and the feed starts over from a signed snapshot: {Reason}")]
    public static partial void FeedMessageRefused(this ILogger logger, long version, string reason);

    [LoggerMessage(6106, LogLevel.Warning, "More revocations are in force than ZtStream:Revocations:MaxEntries ({MaxEntries}): {Count} entries or snapshots refused so far. The entries held stay enforced, but the list is not current until a snapshot fits")]
    public static partial void ListFull(this ILogger logger, int maxEntries, long count);

    [LoggerMessage(6200, LogLevel.Information, "Request rejected: {Match} revoked (subject {Subject})")]
    public static partial void RequestRevoked(this ILogger logger, string match, string? subject);

    [LoggerMessage(6201, LogLevel.Warning, "The revocation list is not current; requests are {Mode} until the feed is back (counted in ztstream.sdk.requests.unverified)")]
    public static partial void ListNotCurrent(this ILogger logger, string mode);

    [LoggerMessage(6202, LogLevel.Warning, "Could not record the access event")]
    public static partial void EmitFailed(this ILogger logger, Exception exception);
}
