using Microsoft.Extensions.Logging;
using ZtStream.Responder.Alerts;

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
}
