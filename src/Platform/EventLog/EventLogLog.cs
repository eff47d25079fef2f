namespace ZtStream.Platform.EventLog;

/// <summary>Event-log messages; event ids 1000–1099.</summary>
internal static partial class EventLogLog
{
    [LoggerMessage(1000, LogLevel.Warning, "Handling {Topic}/{Partition}@{Offset} failed (attempt {Attempt} of {MaxAttempts})")]
    public static partial void HandlerFailed(ILogger logger, string topic, int partition, long offset, int attempt, int maxAttempts, Exception exception);

    [LoggerMessage(1001, LogLevel.Error, "Dead-lettered {Topic}/{Partition}@{Offset} to {DeadLetterTopic}: {Reason}")]
    public static partial void DeadLettered(ILogger logger, string topic, int partition, long offset, string deadLetterTopic, string reason);

    [LoggerMessage(1002, LogLevel.Warning, "Dead-lettering {Topic}/{Partition}@{Offset} failed; retrying so the record is not lost")]
    public static partial void DeadLetterAppendFailed(ILogger logger, string topic, int partition, long offset, Exception exception);

    [LoggerMessage(1003, LogLevel.Information, "Group {GroupId}: assigned {Topic}/{Partition}, resuming at {Offset}")]
    public static partial void PartitionAssigned(ILogger logger, string groupId, string topic, int partition, long offset);

    [LoggerMessage(1004, LogLevel.Information, "Group {GroupId}: revoked {Topic}/{Partition}")]
    public static partial void PartitionRevoked(ILogger logger, string groupId, string topic, int partition);

    [LoggerMessage(1005, LogLevel.Error, "Group {GroupId}: partition callback for {Topic}/{Partition} failed")]
    public static partial void PartitionCallbackFailed(ILogger logger, string groupId, string topic, int partition, Exception exception);

    [LoggerMessage(1006, LogLevel.Warning, "Topic {Topic} is full ({Retained} records retained, the slowest group has not committed them); append refused")]
    public static partial void TopicFull(ILogger logger, string topic, long retained);

    [LoggerMessage(1010, LogLevel.Information, "librdkafka {Facility} ({ClientName}): {Message}")]
    public static partial void KafkaInfo(ILogger logger, string facility, string clientName, string message);

    [LoggerMessage(1011, LogLevel.Warning, "librdkafka {Facility} ({ClientName}): {Message}")]
    public static partial void KafkaWarning(ILogger logger, string facility, string clientName, string message);

    [LoggerMessage(1012, LogLevel.Error, "librdkafka {Facility} ({ClientName}): {Message}")]
    public static partial void KafkaErrorLog(ILogger logger, string facility, string clientName, string message);

    [LoggerMessage(1013, LogLevel.Debug, "librdkafka {Facility} ({ClientName}): {Message}")]
    public static partial void KafkaDebug(ILogger logger, string facility, string clientName, string message);

    [LoggerMessage(1014, LogLevel.Warning, "Kafka client error ({ClientName}): {Code} {Reason}")]
    public static partial void KafkaClientError(ILogger logger, string clientName, string code, string reason);

    [LoggerMessage(1015, LogLevel.Warning, "Creating topics {Topics} did not complete ({Reason}); carrying on, the cluster may create them on first use")]
    public static partial void TopicCreationIncomplete(ILogger logger, string topics, string reason);

    [LoggerMessage(1016, LogLevel.Information, "Created topic {Topic} ({Partitions} partitions, replication {Replication})")]
    public static partial void TopicCreated(ILogger logger, string topic, int partitions, short replication);

    [LoggerMessage(1017, LogLevel.Warning, "Group {GroupId}: consume error {Code} {Reason}")]
    public static partial void ConsumeError(ILogger logger, string groupId, string code, string reason);

    [LoggerMessage(1018, LogLevel.Warning, "Group {GroupId}: closing the consumer failed")]
    public static partial void ConsumerCloseFailed(ILogger logger, string groupId, Exception exception);

    [LoggerMessage(1019, LogLevel.Warning, "Group {GroupId}: partitions lost: {Partitions}")]
    public static partial void PartitionsLost(ILogger logger, string groupId, string partitions);

    [LoggerMessage(1020, LogLevel.Warning, "Group {GroupId}: {Topic}/{Partition} was to resume at {Requested}, but the log starts at {Start} (retention removed records the group had not read); resuming there")]
    public static partial void ResumeBehindRetention(ILogger logger, string groupId, string topic, int partition, long requested, long start);

    [LoggerMessage(1021, LogLevel.Warning, "Group {GroupId}: {Topic}/{Partition} was to resume at {Requested}, past the log's end {End} (the log was lost or truncated behind the checkpoint); resuming from the committed offset or the earliest record instead")]
    public static partial void ResumeAheadOfLog(ILogger logger, string groupId, string topic, int partition, long requested, long end);

    [LoggerMessage(1022, LogLevel.Warning, "Group {GroupId}: writing committed offsets failed; they are kept and written again later")]
    public static partial void OffsetFlushFailed(ILogger logger, string groupId, Exception exception);

    [LoggerMessage(1023, LogLevel.Warning, "Group {GroupId}: paused on {Topic}/{Partition}@{Offset}: a dependency is unavailable; retrying with backoff until it is back")]
    public static partial void ConsumerPaused(ILogger logger, string groupId, string topic, int partition, long offset, Exception exception);

    [LoggerMessage(1024, LogLevel.Warning, "Group {GroupId}: still paused on {Topic}/{Partition}@{Offset} after {Failures} attempts: {Reason}")]
    public static partial void ConsumerStillPaused(ILogger logger, string groupId, string topic, int partition, long offset, int failures, string reason);

    [LoggerMessage(1025, LogLevel.Information, "Group {GroupId}: resumed on {Topic}/{Partition}@{Offset} after {Failures} failed attempts")]
    public static partial void ConsumerResumed(ILogger logger, string groupId, string topic, int partition, long offset, int failures);

    [LoggerMessage(1026, LogLevel.Information, "Retention removed {Count} segment(s) of {Topic}/{Partition}; it now starts at offset {Start}")]
    public static partial void SegmentsRetired(ILogger logger, string topic, int partition, int count, long start);

    [LoggerMessage(1027, LogLevel.Error, "The event log could not write {Records} record(s); they were refused (503) and cut back off the files")]
    public static partial void WriteFailed(ILogger logger, int records, Exception exception);

    [LoggerMessage(1028, LogLevel.Warning, "Applying the event log's retention failed; trying again later")]
    public static partial void RetentionFailed(ILogger logger, Exception exception);

    [LoggerMessage(1029, LogLevel.Warning, "{Path}: {Dropped} byte(s) after the last whole record (at {Kept}) were not acknowledged before a crash; cut off")]
    public static partial void TornTailTruncated(ILogger logger, string path, long kept, long dropped);

    [LoggerMessage(1030, LogLevel.Debug, "{Path}: {Dropped} byte(s) after the last whole record (at {Kept}) are not readable yet; ignored by this read-only view")]
    public static partial void TornTailIgnored(ILogger logger, string path, long kept, long dropped);

    [LoggerMessage(1031, LogLevel.Information, "Event log opened at {Path} (fsync {Fsync}, {Topics} topic(s))")]
    public static partial void FileLogOpened(ILogger logger, string path, string fsync, int topics);

    [LoggerMessage(1032, LogLevel.Warning, "Kafka client {ClientName} cannot reach the Kafka brokers: {Reason}; retrying, and saying so again every {Reminder} while it lasts")]
    public static partial void KafkaBrokersUnreachable(ILogger logger, string clientName, string reason, TimeSpan reminder);

    [LoggerMessage(1033, LogLevel.Warning, "Kafka client {ClientName} still cannot reach the Kafka brokers after {Duration}: {Reason} ({Attempts} failed attempts since the last warning)")]
    public static partial void KafkaBrokersStillUnreachable(ILogger logger, string clientName, TimeSpan duration, string reason, long attempts);

    [LoggerMessage(1034, LogLevel.Information, "Kafka client {ClientName} reaches the Kafka brokers again after {Duration} ({Attempts} failed attempts)")]
    public static partial void KafkaBrokersBack(ILogger logger, string clientName, TimeSpan duration, long attempts);

    [LoggerMessage(1035, LogLevel.Warning, "{Path} was no index of its segment ({Problem}): the segment was scanned and its index written again")]
    public static partial void IndexRewritten(ILogger logger, string path, string problem);

    [LoggerMessage(1036, LogLevel.Warning, "{Path} could not be written ({Reason}): the segment has no index and is scanned each time the log opens")]
    public static partial void IndexNotWritten(ILogger logger, string path, string reason);

    [LoggerMessage(1037, LogLevel.Information, "{Path} cannot be written directly ({Reason}): the file log appends through the page cache where that is so")]
    public static partial void DirectWritesRefused(ILogger logger, string path, string reason);

    [LoggerMessage(1038, LogLevel.Warning, "Group {GroupId}: the Kafka consumer did not close within {Timeout} (EventLog:KafkaCloseTimeout); stopping without it: offsets stored since the last commit are not committed, so those records are delivered again, and the group moves its partitions only after the member's session times out")]
    public static partial void ConsumerCloseTimedOut(ILogger logger, string groupId, TimeSpan timeout);
}
