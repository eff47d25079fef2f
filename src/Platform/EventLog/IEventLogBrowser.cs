namespace ZtStream.Platform.EventLog;

/// <summary>A partition's retained range: records <see cref="Start"/> to <see cref="End"/> − 1.</summary>
internal sealed record PartitionBounds(int Partition, long Start, long End);

/// <summary>
/// Reads a topic without joining a group (<c>ztstream dlq</c>): what each partition holds, and records by offset.
/// </summary>
internal interface IEventLogBrowser
{
    /// <summary>Every partition of <paramref name="topic"/> with its retained range (empty when the topic does not exist).</summary>
    Task<IReadOnlyList<PartitionBounds>> PartitionsAsync(string topic, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="max"/> records of one partition from <paramref name="from"/> on, in offset order.</summary>
    Task<IReadOnlyList<ConsumedRecord>> ReadAsync(string topic, int partition, long from, int max, CancellationToken cancellationToken);

    /// <summary><paramref name="group"/>'s committed offset on a partition, or null when it has none.</summary>
    Task<long?> CommittedOffsetAsync(string group, string topic, int partition, CancellationToken cancellationToken);

    /// <summary>Commits <paramref name="offset"/> (the next record to read) for <paramref name="group"/>, durably where the log is durable.</summary>
    Task CommitOffsetAsync(string group, string topic, int partition, long offset, CancellationToken cancellationToken);
}
