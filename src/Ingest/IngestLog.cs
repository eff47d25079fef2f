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

    [LoggerMessage(3010, LogLevel.Information, "SET {Jti} from transmitter {Transmitter} ({Delivery}) accepted: {Events} event(s) of {EventTypes}")]
    public static partial void SetAccepted(ILogger logger, string jti, string transmitter, string delivery, int events, string eventTypes);

    [LoggerMessage(3011, LogLevel.Information, "SET {Jti} from transmitter {Transmitter} ({Delivery}) was already received; acknowledged without acting again")]
    public static partial void SetDuplicate(ILogger logger, string jti, string transmitter, string delivery);

    [LoggerMessage(3020, LogLevel.Information, "SET {Jti} from transmitter {Transmitter} ({Delivery}) is still being received by another delivery; asked to deliver it again")]
    public static partial void SetStillPending(ILogger logger, string jti, string transmitter, string delivery);

    [LoggerMessage(3012, LogLevel.Warning, "SET refused ({Delivery}, source {Source}): {Error} — {Description}")]
    public static partial void SetRejected(ILogger logger, string delivery, string? source, string error, string description);

    [LoggerMessage(3013, LogLevel.Debug, "Fetched the JWKS of {Owner}: {Keys} signing key(s), kept for {Lifetime}")]
    public static partial void JwksFetched(ILogger logger, string owner, int keys, TimeSpan lifetime);

    [LoggerMessage(3014, LogLevel.Warning, "The JWKS of {Owner} could not be fetched; the {Keys} key(s) already known stay in use")]
    public static partial void JwksFetchFailed(ILogger logger, Exception exception, string owner, int keys);

    [LoggerMessage(3015, LogLevel.Warning, "Polling transmitter {Transmitter} failed: {Reason}; next attempt in {Delay}. Said once per reason while polls fail")]
    public static partial void PollFailed(ILogger logger, string transmitter, string reason, TimeSpan delay);

    [LoggerMessage(3021, LogLevel.Warning, "Transmitter {Transmitter}'s poll endpoint answered {Status} with {ContentType}, not JSON (a login page or a proxy's error page?): not read; next attempt in {Delay}. Said once while this lasts, counted each time")]
    public static partial void PollAnswerNotJson(ILogger logger, string transmitter, int status, string contentType, TimeSpan delay);

    [LoggerMessage(3016, LogLevel.Debug, "Polled transmitter {Transmitter}: {Count} SET(s), more available: {More}")]
    public static partial void Polled(ILogger logger, string transmitter, int count, bool more);

    [LoggerMessage(3017, LogLevel.Error, "The store could not record a received SET ({Delivery})")]
    public static partial void SetStoreFailed(ILogger logger, Exception exception, string delivery);

    [LoggerMessage(3018, LogLevel.Warning, "The JWKS of {Owner} ({Uri}) could not be fetched and no key of it is in use: its tokens are answered 503 until it is")]
    public static partial void JwksUnavailable(ILogger logger, Exception exception, string owner, string uri);

    [LoggerMessage(3019, LogLevel.Information, "Pub/Sub push token refused on {Endpoint} from {RemoteAddress}: {Reason}")]
    public static partial void PubSubTokenRefused(ILogger logger, string endpoint, string? remoteAddress, string reason);

    [LoggerMessage(3060, LogLevel.Warning, "Source {Source} sent {Count} item(s) on {Endpoint} outside its scope; refused")]
    public static partial void OutsideScope(ILogger logger, string source, string endpoint, int count);

    [LoggerMessage(3061, LogLevel.Warning, "Source {Source} reached its cap of {Cap} new principals per minute on {Endpoint}; answered 429, retry after {RetryAfter}")]
    public static partial void NewPrincipalsCapped(ILogger logger, string source, string endpoint, int cap, TimeSpan retryAfter);
}
