namespace ZtStream.Verifier.Processing;

/// <summary>Verifier log messages; event ids 4000–4099.</summary>
internal static partial class VerifierLog
{
    [LoggerMessage(4000, LogLevel.Information, "Verifier partition {Topic}[{Partition}] assigned; restored {Principals} principals, resuming at offset {Offset}")]
    public static partial void PartitionRestored(ILogger logger, string topic, int partition, int principals, long offset);

    [LoggerMessage(4001, LogLevel.Information, "Verifier partition {Topic}[{Partition}] assigned without a checkpoint; starting cold from the first record the log holds")]
    public static partial void PartitionCold(ILogger logger, string topic, int partition);

    [LoggerMessage(4002, LogLevel.Information, "Verifier partition {Topic}[{Partition}] revoked; checkpointed at offset {Offset}")]
    public static partial void PartitionRevoked(ILogger logger, string topic, int partition, long offset);

    [LoggerMessage(4003, LogLevel.Debug, "Verifier checkpointed {Topic}[{Partition}] at offset {Offset} ({Bytes} bytes)")]
    public static partial void Checkpointed(ILogger logger, string topic, int partition, long offset, int bytes);

    [LoggerMessage(4062, LogLevel.Warning, "Verifier checkpoint of {Topic}[{Partition}] written in the background failed; the checkpoint that follows supersedes it")]
    public static partial void CheckpointFailed(ILogger logger, string topic, int partition, Exception exception);

    [LoggerMessage(4004, LogLevel.Information, "Alert {AlertId} on {Principal}: {Severity} ({Score}) by {Detector}, count {Count}")]
    public static partial void AlertRaised(ILogger logger, string alertId, string principal, string severity, int score, string detector, int count);

    // The same line for a principal of one cluster (or a suppression held in one): two names of one account are two
    // principals, so the line names which a SOC is reading about.
    [LoggerMessage(4080, LogLevel.Information, "Alert {AlertId} on {Principal} in cluster {Cluster}: {Severity} ({Score}) by {Detector}, count {Count}")]
    public static partial void AlertRaisedInCluster(ILogger logger, string alertId, string principal, string cluster, string severity, int score, string detector, int count);

    [LoggerMessage(4081, LogLevel.Information, "Feedback {FeedbackId}: {Verdict} on {Principal} in cluster {Cluster} for [{Rules}] until {ExpiresAt}")]
    public static partial void FeedbackAppliedInCluster(ILogger logger, string feedbackId, string verdict, string principal, string cluster, string rules, DateTimeOffset expiresAt);

    [LoggerMessage(4005, LogLevel.Information, "Feedback {FeedbackId}: {Verdict} on {Principal} for [{Rules}] until {ExpiresAt}")]
    public static partial void FeedbackApplied(ILogger logger, string feedbackId, string verdict, string principal, string rules, DateTimeOffset expiresAt);

    [LoggerMessage(4006, LogLevel.Information, "Anomaly model v{Version} trained on {Samples} benign events and saved")]
    public static partial void ModelSaved(ILogger logger, int version, int samples);

    [LoggerMessage(4007, LogLevel.Warning, "Verifier record {Topic}[{Partition}]@{Offset} is not a valid event: {Reason}")]
    public static partial void BadRecord(ILogger logger, string topic, int partition, long offset, string reason);

    [LoggerMessage(4008, LogLevel.Information, "Anomaly model v{Version} loaded from the store")]
    public static partial void ModelLoaded(ILogger logger, int version);

    [LoggerMessage(4082, LogLevel.Warning, "Anomaly model not trained on {Samples} benign events ({Reason}): scoring goes on with the model it had, or none, and training is tried again after ModelRetrainInterval")]
    public static partial void ModelNotTrained(ILogger logger, int samples, string reason);

    [LoggerMessage(4009, LogLevel.Warning, "Verifier partition {Topic}[{Partition}]: the checkpoint is at offset {Checkpoint} but the log hands offset {LogOffset} (the log was lost or cut back behind the checkpoint); scoring from {LogOffset} so no record is skipped")]
    public static partial void CheckpointAheadOfLog(ILogger logger, string topic, int partition, long checkpoint, long logOffset);

    [LoggerMessage(4010, LogLevel.Error, "Verifier partition {Topic}[{Partition}]: the checkpoint is at offset {Checkpoint} but the log starts at {LogOffset}; {Missed} record(s) were removed by retention before they were scored")]
    public static partial void CheckpointBehindLog(ILogger logger, string topic, int partition, long checkpoint, long logOffset, long missed);

    [LoggerMessage(4011, LogLevel.Warning, "Verifier partition {Topic}[{Partition}]: the event log refused {Count} derived link record(s) ({Reason}); they stay in the partition's checkpointed outbox and are appended later")]
    public static partial void LinksDeferred(ILogger logger, string topic, int partition, int count, string reason);

    [LoggerMessage(4012, LogLevel.Debug, "Verifier appended {Count} derived link record(s) from {Topic}[{Partition}]")]
    public static partial void LinksAppended(ILogger logger, string topic, int partition, int count);

    [LoggerMessage(4013, LogLevel.Warning, "Verifier checkpoint of {Topic}[{Partition}] at offset {Offset} could not be written (attempt {Attempt}); retrying in {RetryIn} while the partition scores on, /readyz degraded until it lands")]
    public static partial void CheckpointWriteFailing(ILogger logger, string topic, int partition, long offset, int attempt, TimeSpan retryIn, Exception exception);

    [LoggerMessage(4014, LogLevel.Information, "Verifier checkpoint of {Topic}[{Partition}] at offset {Offset} written after {Failed} failed attempt(s)")]
    public static partial void CheckpointWriteRecovered(ILogger logger, string topic, int partition, long offset, int failed);

    // Detection rules (Rules/): loading and live reload.
    [LoggerMessage(4050, LogLevel.Information, "Detection rules loaded: {Rules} rules ({Enabled} enabled), version {Version}")]
    public static partial void RulesLoaded(ILogger logger, int rules, int enabled, long version);

    [LoggerMessage(4051, LogLevel.Error, "Rule file {File}:{Line} is not valid{RuleText}: {Reason}")]
    public static partial void RuleRejected(ILogger logger, string file, int line, string ruleText, string reason);

    [LoggerMessage(4052, LogLevel.Warning, "Detection rules not reloaded after a change: {Errors} problems (listed above); the previous {Rules} rules stay in force")]
    public static partial void RulesReloadKeptPrevious(ILogger logger, int errors, int rules);

    // The --config file read again while running (Host/Run/ConfigFileReload): only Verifier:Rules:Staged applies live.
    [LoggerMessage(4056, LogLevel.Warning, "Configuration file {File} changed but Verifier:Rules:Staged was not applied: {Problem}; the rules stay staged as before")]
    public static partial void StagingNotApplied(ILogger logger, string file, string problem);

    [LoggerMessage(4057, LogLevel.Warning, "Configuration file {File} changed {Keys}, which are read when the process starts: restart to apply them")]
    public static partial void ConfigChangeNeedsRestart(ILogger logger, string file, string keys);

    [LoggerMessage(4053, LogLevel.Information, "Watching {Path} for rule changes")]
    public static partial void RulesWatching(ILogger logger, string path);

    [LoggerMessage(4054, LogLevel.Warning, "Rule watcher for {Path} failed ({Reason}); rules reload on the next change seen elsewhere")]
    public static partial void RuleWatcherFailed(ILogger logger, string path, string reason);

    [LoggerMessage(4055, LogLevel.Warning, "Rule {Rule}: regular expression '{Pattern}' ran past its {LimitMs} ms matching limit and counted as no match ({Suppressed} more since the last such line for this rule)")]
    public static partial void RegexTimedOut(ILogger logger, string rule, string pattern, long limitMs, int suppressed);

    // What a reload changed, rule by rule (Rules/RuleChange): removed and disabled rules are detection lost, so warnings.
    [LoggerMessage(4070, LogLevel.Information, "Rule {Rule} added by the reload: revision {Revision} from {File}{State}")]
    public static partial void RuleAdded(ILogger logger, string rule, string revision, string file, string state);

    [LoggerMessage(4071, LogLevel.Information, "Rule {Rule} changed by the reload: revision {Before} → {Revision} ({File})")]
    public static partial void RuleChanged(ILogger logger, string rule, string before, string revision, string file);

    [LoggerMessage(4072, LogLevel.Warning, "Rule {Rule} (revision {Revision}, {File}) was removed by the reload: it detects nothing any more")]
    public static partial void RuleRemoved(ILogger logger, string rule, string revision, string file);

    [LoggerMessage(4073, LogLevel.Warning, "Rule {Rule} (revision {Revision}, {File}) was disabled by the reload: it detects nothing any more")]
    public static partial void RuleDisabled(ILogger logger, string rule, string revision, string file);

    [LoggerMessage(4074, LogLevel.Information, "Rule {Rule} enabled by the reload (revision {Revision}, {File})")]
    public static partial void RuleEnabled(ILogger logger, string rule, string revision, string file);

    [LoggerMessage(4075, LogLevel.Warning, "Rule {Rule} (revision {Revision}, {File}) only feeds a correlation after the reload: it raises nothing of its own any more")]
    public static partial void RuleCorrelatedOnly(ILogger logger, string rule, string revision, string file);

    // A staged rule's matches are shown, never acted on (Rules/RuleStaging); promoting one is what lets it act.
    [LoggerMessage(4076, LogLevel.Information, "Rule {Rule} staged by the reload (revision {Revision}, {File}): its matches are shown, not scored or acted on")]
    public static partial void RuleStaged(ILogger logger, string rule, string revision, string file);

    [LoggerMessage(4077, LogLevel.Information, "Rule {Rule} promoted from staged to live by the reload (revision {Revision}, {File}): its matches now score and may act")]
    public static partial void RulePromoted(ILogger logger, string rule, string revision, string file);

    [LoggerMessage(4060, LogLevel.Information, "Parked {Count} evicted principals' baselines in the store; {Principals} tracked, the most is {Max} (Verifier:MaxPrincipals)")]
    public static partial void PrincipalsParked(ILogger logger, int count, int principals, int max);

    [LoggerMessage(4061, LogLevel.Debug, "Principal {Principal} returned to partition {Partition}: its parked baseline is back")]
    public static partial void PrincipalUnparked(ILogger logger, string principal, int partition);
}
