using Microsoft.Extensions.Logging;

namespace ZtStream.Verifier.Rules;

/// <summary>Rule loading and reload messages; event ids 4050–4069 (within the Verifier's 4000–4099).</summary>
internal static partial class RulesLog
{
    [LoggerMessage(4050, LogLevel.Information, "Detection rules loaded: {Rules} rules ({Enabled} enabled), version {Version}")]
    public static partial void Loaded(ILogger logger, int rules, int enabled, long version);

    [LoggerMessage(4051, LogLevel.Error, "Rule file {File}:{Line} is not valid{RuleText}: {Reason}")]
    public static partial void RuleRejected(ILogger logger, string file, int line, string ruleText, string reason);

    [LoggerMessage(4052, LogLevel.Warning, "Detection rules not reloaded after a change: {Errors} problems (listed above); the previous {Rules} rules stay in force")]
    public static partial void ReloadKeptPrevious(ILogger logger, int errors, int rules);

    [LoggerMessage(4053, LogLevel.Information, "Watching {Path} for rule changes")]
    public static partial void Watching(ILogger logger, string path);

    [LoggerMessage(4054, LogLevel.Warning, "Rule watcher for {Path} failed ({Reason}); rules reload on the next change seen elsewhere")]
    public static partial void WatcherFailed(ILogger logger, string path, string reason);
}
