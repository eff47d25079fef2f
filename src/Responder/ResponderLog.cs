namespace ZtStream.Responder;

/// <summary>Responder log messages; event ids 5000–5099.</summary>
internal static partial class ResponderLog
{
    [LoggerMessage(5000, LogLevel.Debug, "Alert {AlertId} (count {Count}): {Outcome}")]
    public static partial void AlertHandled(ILogger logger, string alertId, int count, AlertUpsertOutcome outcome);

    [LoggerMessage(5001, LogLevel.Error, "Consuming alerts failed; rejoining shortly")]
    public static partial void AlertConsumerFailed(ILogger logger, Exception exception);

    [LoggerMessage(5010, LogLevel.Information, "Sent {Kind} for action {ActionId}")]
    public static partial void CommandSent(ILogger logger, string kind, Guid actionId);

    [LoggerMessage(5011, LogLevel.Information, "Action {ActionId} ({Kind}) is {State}: the command had nothing left to do")]
    public static partial void DuplicateCommand(ILogger logger, string kind, Guid actionId, string state);

    [LoggerMessage(5012, LogLevel.Warning, "Attempt {Attempt} of {Kind} for action {ActionId} failed; retrying")]
    public static partial void AttemptFailed(ILogger logger, string kind, Guid actionId, int attempt, Exception exception);

    [LoggerMessage(5013, LogLevel.Information, "Action {ActionId} ({Kind}) completed: {Detail}")]
    public static partial void ActionCompleted(ILogger logger, string kind, Guid actionId, string detail);

    [LoggerMessage(5014, LogLevel.Error, "Action {ActionId} ({Kind}) failed: {Reason}")]
    public static partial void ActionFailed(ILogger logger, string kind, Guid actionId, string reason);

    [LoggerMessage(5020, LogLevel.Warning, "Blast-radius budget exhausted: {Kind} on {Target} waits for approval ({Why})")]
    public static partial void BudgetExhausted(ILogger logger, string kind, string target, string why);

    [LoggerMessage(5021, LogLevel.Warning, "Response storm alert {AlertId} raised: {Why}")]
    public static partial void ResponseStorm(ILogger logger, string alertId, string why);

    [LoggerMessage(5030, LogLevel.Error, "Scheduler pass failed")]
    public static partial void TimekeeperFailed(ILogger logger, Exception exception);

    [LoggerMessage(5031, LogLevel.Error, "Scheduler could not {What} for action {ActionId} ({Kind}); trying again next pass, the others go on")]
    public static partial void TimekeeperActionFailed(ILogger logger, Guid actionId, string kind, string what, Exception exception);

    [LoggerMessage(5040, LogLevel.Warning, "Rejected API call to {Path}: {Why}")]
    public static partial void ApiRejected(ILogger logger, string path, string why);

    [LoggerMessage(5041, LogLevel.Information, "Answered {Method} {Path} of {Caller} with its first answer again: Idempotency-Key {Key} was sent before with the same request")]
    public static partial void IdempotentReplay(ILogger logger, string method, string path, string caller, string key);

    [LoggerMessage(5042, LogLevel.Warning, "Refused {Method} {Path} of {Caller}: Idempotency-Key {Key} was sent before with another request")]
    public static partial void IdempotencyKeyReused(ILogger logger, string method, string path, string caller, string key);

    [LoggerMessage(5060, LogLevel.Warning, "The revocation feed accepts no credential and is not anonymous: SDKs cannot read it. Set Responder:Feed:Token or TokenFile (or API tokens), or Responder:Feed:Anonymous=true")]
    public static partial void FeedUnreadable(ILogger logger);

    [LoggerMessage(5061, LogLevel.Warning, "Made a new {What} at first start; it is in {Path} (mode 0600)")]
    public static partial void TokenFileCreated(ILogger logger, string what, string path);

    [LoggerMessage(5062, LogLevel.Warning, "Refused an event stream for {Credential}: at {Open} streams, its cap (Responder:Feed:MaxStreamsPerCredential or MaxStreams) is reached")]
    public static partial void FeedStreamRefused(ILogger logger, string credential, int open);

    [LoggerMessage(5063, LogLevel.Error, "Reading the revocation feed from the store failed; retrying")]
    public static partial void FeedReadFailed(ILogger logger, Exception exception);

    [LoggerMessage(5064, LogLevel.Information, "Revocation entry {Version} lifted by {By}: {Reason}")]
    public static partial void RevocationLifted(ILogger logger, long version, string by, string reason);

    [LoggerMessage(5065, LogLevel.Warning, "Command of action {ActionId} ({Kind}) not sent now: {Why}; it stays queued and the scheduler sends it past Responder:RedispatchAfter")]
    public static partial void CommandLeftQueued(ILogger logger, string kind, Guid actionId, string why, Exception? exception);

    [LoggerMessage(5070, LogLevel.Information, "Fetched the sign-in provider's metadata from {Address}: {KeyCount} signing key(s)")]
    public static partial void ProviderMetadataFetched(ILogger logger, string address, int keyCount);

    [LoggerMessage(5071, LogLevel.Warning, "Fetching the sign-in provider's metadata from {Address} failed; signing in with the {KeyCount} signing key(s) fetched before")]
    public static partial void ProviderMetadataFetchFailed(ILogger logger, Exception exception, string address, int keyCount);

    [LoggerMessage(5072, LogLevel.Error, "Fetching the sign-in provider's metadata from {Address} failed and none was fetched before: nobody can sign in to the console until it can be")]
    public static partial void ProviderMetadataUnavailable(ILogger logger, Exception exception, string address);
}
