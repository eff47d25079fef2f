using Microsoft.Extensions.Logging;

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
}
