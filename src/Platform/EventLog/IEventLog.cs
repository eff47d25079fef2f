namespace ZtStream.Platform.EventLog;

/// <summary>
/// A record to append: <see cref="Key"/> picks the partition, so one key stays in order. The log is done with
/// <see cref="Value"/> once <see cref="IEventLog.AppendAsync"/> has completed (or thrown): the caller may then reuse its
/// memory, so a log that keeps the bytes keeps a copy. A value type: an append's list holds its records inline, not one
/// object per record (Ingest appends one per event).
/// </summary>
internal readonly record struct LogRecord(string Key, ReadOnlyMemory<byte> Value, IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>
/// A record handed to a consumer. <see cref="Value"/> is valid only until the handler it was handed to returns: the
/// log may then reuse its memory for other records (the file log's read-back arrays are pooled), so a handler that keeps
/// the bytes, or the record, past its return keeps a copy of the value.
/// </summary>
internal sealed record ConsumedRecord(
    string Topic,
    int Partition,
    long Offset,
    string Key,
    ReadOnlyMemory<byte> Value,
    IReadOnlyDictionary<string, string> Headers,
    DateTimeOffset Timestamp);

/// <summary>How a consumer joins.</summary>
/// <param name="GroupId">Consumer group: partitions are shared among members of one group.</param>
/// <param name="Topics">Topics to read.</param>
internal sealed record ConsumerSpec(string GroupId, IReadOnlyList<string> Topics)
{
    /// <summary>Attempts before a failing record is dead-lettered (a <see cref="PoisonRecordException"/> skips the retries).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Where a partition with no committed offset starts.</summary>
    public bool StartFromEarliest { get; init; } = true;

    /// <summary>Throws unless <paramref name="spec"/> names a group and at least one topic and <paramref name="handler"/> is given.</summary>
    public static void Check(ConsumerSpec spec, IRecordHandler handler)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentException.ThrowIfNullOrWhiteSpace(spec.GroupId);
        if (spec.Topics.Count == 0)
        {
            throw new ArgumentException("A consumer needs at least one topic.", nameof(spec));
        }
    }
}

/// <summary>
/// The event-log seam. Semantics both implementations keep: per-key order within a partition,
/// at-least-once delivery (a record is handed again unless its handler completed), offsets stored
/// only after the handler succeeded, and a record that keeps failing goes to
/// <c>{topic-base}.dlq.v1</c> with its reason in the <see cref="DeadLetterHeaders.Reason"/> header.
/// </summary>
internal interface IEventLog
{
    /// <summary>
    /// Completes only when every record is durably acknowledged (acks=all on Kafka); the records' values are not read
    /// after it completes (see <see cref="LogRecord"/>). Throws
    /// <see cref="EventLogUnavailableException"/> when the log cannot take them now (down, or queue full).
    /// </summary>
    Task AppendAsync(string topic, IReadOnlyList<LogRecord> records, CancellationToken cancellationToken);

    /// <summary>Joins <paramref name="spec"/>'s group and hands records to <paramref name="handler"/> until cancelled.</summary>
    Task ConsumeAsync(ConsumerSpec spec, IRecordHandler handler, CancellationToken cancellationToken);

    /// <summary>
    /// Creates <paramref name="topics"/> if missing (with the configured partitions, replication and retention);
    /// the host calls it once at start. A cluster that cannot create topics is logged, not fatal.
    /// </summary>
    Task EnsureTopicsAsync(IEnumerable<string> topics, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>What a consumer does with records and partition changes.</summary>
internal interface IRecordHandler
{
    /// <summary>
    /// Handles one record; returning means the effect is durable and the offset may be stored. The record's value is
    /// not to be read after the returned task completes (see <see cref="ConsumedRecord"/>).
    /// </summary>
    Task HandleAsync(ConsumedRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// A partition was assigned. Return the offset to resume from (for state checkpointed with its offset),
    /// or null to resume from the group's committed offset.
    /// </summary>
    ValueTask<long?> OnPartitionAssignedAsync(string topic, int partition, CancellationToken cancellationToken) => ValueTask.FromResult<long?>(null);

    /// <summary>A partition was revoked (or lost); checkpoint and drop its state.</summary>
    ValueTask OnPartitionRevokedAsync(string topic, int partition, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>Thrown by a handler for a record that can never succeed: it is dead-lettered at once.</summary>
internal sealed class PoisonRecordException(string reason, Exception? inner = null) : Exception(reason, inner);

/// <summary>The log cannot accept records now; callers answer 503 with Retry-After and retry.</summary>
internal sealed class EventLogUnavailableException(string reason, TimeSpan retryAfter, Exception? inner = null) : Exception(reason, inner)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>Headers on dead-lettered records.</summary>
internal static class DeadLetterHeaders
{
    public const string Reason = "zt-dlq-reason";
    public const string OriginalTopic = "zt-dlq-topic";
    public const string OriginalPartition = "zt-dlq-partition";
    public const string OriginalOffset = "zt-dlq-offset";

    /// <summary><c>zt.events.v1</c> → <c>zt.events.dlq.v1</c>; a topic without a version suffix gets <c>.dlq</c>.</summary>
    public static string TopicFor(string topic)
    {
        var dot = topic.LastIndexOf('.');
        return dot > 0 && topic.Length > dot + 2 && topic[dot + 1] == 'v' && char.IsDigit(topic[dot + 2])
            ? string.Concat(topic.AsSpan(0, dot), ".dlq", topic.AsSpan(dot))
            : topic + ".dlq";
    }
}
