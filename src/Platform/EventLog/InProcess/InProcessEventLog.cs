using System.Collections.Concurrent;

namespace ZtStream.Platform.EventLog.InProcess;

/// <summary>
/// The memory-only event log (<c>EventLog:Kind=memory</c>, for tests and <c>bench --memory</c>): topics of
/// <see cref="EventLogOptions.Partitions"/> partitions held in memory, keys placed by Kafka's murmur2 partitioner,
/// consumer groups from <see cref="LocalConsumerGroups"/>. It keeps Kafka's per-key order and at-least-once rules
/// but nothing survives the process. Each topic retains at most <see cref="EventLogOptions.MaxQueuedRecords"/>
/// records: records every group has committed are dropped first; past that, appends are refused as unavailable
/// (back-pressure) rather than dropping what a group has not read.
/// </summary>
internal sealed class InProcessEventLog : IEventLog, IAppendAdmission, IEventLogBrowser, ILocalPartitions, IDisposable
{
    private static readonly TimeSpan RetryAfterFull = TimeSpan.FromSeconds(1);
    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>();

    private readonly EventLogOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, TopicLog> _topics = new(StringComparer.Ordinal);
    private readonly EventLogMetrics _metrics;
    private readonly LocalConsumerGroups _groups;
    private readonly MemoryGroupOffsets _offsets = new();

    public InProcessEventLog(EventLogOptions options, TimeProvider time, ILogger<InProcessEventLog> logger, ConsumerHealth? health = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Partitions, 1);
        _options = options;
        _time = time;
        _logger = logger;
        _metrics = new EventLogMetrics(EventLogOptions.Memory, RetainedRecords);
        var delivery = new RecordDelivery(this, options, time, _metrics, health ?? new ConsumerHealth(time), logger);
        _groups = new LocalConsumerGroups(this, _offsets, delivery, options.ShutdownDrainTimeout, logger);
    }

    /// <summary>Records held across all topics (the <c>queue_depth</c> gauge).</summary>
    public long RetainedRecords()
    {
        long total = 0;
        foreach (var topic in _topics.Values)
        {
            total += Volatile.Read(ref topic.Retained);
        }

        return total;
    }

    public Task EnsureTopicsAsync(IEnumerable<string> topics, CancellationToken cancellationToken)
    {
        foreach (var topic in topics)
        {
            _ = Topic(topic);
        }

        return Task.CompletedTask;
    }

    public Task AppendAsync(string topic, IReadOnlyList<LogRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        cancellationToken.ThrowIfCancellationRequested();
        if (records.Count == 0)
        {
            return Task.CompletedTask;
        }

        var log = Topic(topic);
        var now = _time.GetUtcNow();
        var started = _time.GetTimestamp();
        lock (log.Gate)
        {
            if (log.Retained + records.Count > _options.MaxQueuedRecords)
            {
                Trim(log, records.Count);
                if (log.Retained + records.Count > _options.MaxQueuedRecords)
                {
                    _metrics.Refused.Add(records.Count);
                    EventLogLog.TopicFull(_logger, topic, log.Retained);
                    throw new EventLogUnavailableException(
                        $"topic {topic} holds {log.Retained} records some consumer group has not yet handled (limit {_options.MaxQueuedRecords})",
                        RetryAfterFull);
                }
            }

            foreach (var record in records)
            {
                var index = Murmur2Partitioner.PartitionFor(record.Key ?? string.Empty, log.Partitions.Length);
                var partition = log.Partitions[index];
                partition.Records.Add(new ConsumedRecord(
                    topic,
                    index,
                    partition.EndOffset,
                    record.Key ?? string.Empty,
                    record.Value.ToArray(), // callers may reuse pooled buffers once the append returns
                    record.Headers is { Count: > 0 } headers ? new Dictionary<string, string>(headers, StringComparer.Ordinal) : NoHeaders,
                    now));
            }

            Volatile.Write(ref log.Retained, log.Retained + records.Count);
        }

        _metrics.Appended.Add(records.Count);
        _metrics.Appending(topic, _time.GetElapsedTime(started));
        _groups.Notify(topic);
        return Task.CompletedTask;
    }

    public Task ConsumeAsync(ConsumerSpec spec, IRecordHandler handler, CancellationToken cancellationToken) =>
        _groups.ConsumeAsync(spec, handler, cancellationToken);

    public ValueTask WaitForRoomAsync(string topic, CancellationToken cancellationToken) =>
        _groups.WaitForRoomAsync(topic, _options, _time, _metrics, cancellationToken);

    public Task<IReadOnlyList<PartitionBounds>> PartitionsAsync(string topic, CancellationToken cancellationToken)
    {
        var log = Topic(topic);
        lock (log.Gate)
        {
            return Task.FromResult<IReadOnlyList<PartitionBounds>>(
                [.. log.Partitions.Select((p, i) => new PartitionBounds(i, p.BaseOffset, p.EndOffset))]);
        }
    }

    public Task<IReadOnlyList<ConsumedRecord>> ReadAsync(string topic, int partition, long from, int max, CancellationToken cancellationToken)
    {
        var batch = new List<ConsumedRecord>();
        Read(topic, partition, from, max, batch);
        return Task.FromResult<IReadOnlyList<ConsumedRecord>>(batch);
    }

    public Task<long?> CommittedOffsetAsync(string group, string topic, int partition, CancellationToken cancellationToken) =>
        Task.FromResult(_offsets.TryGet(group, topic, partition, out var offset) ? offset : (long?)null);

    public Task CommitOffsetAsync(string group, string topic, int partition, long offset, CancellationToken cancellationToken)
    {
        _offsets.Commit(group, topic, partition, offset);
        return Task.CompletedTask;
    }

    public void Dispose() => _metrics.Dispose();

    int ILocalPartitions.PartitionCount(string topic) => Topic(topic).Partitions.Length;

    (long Start, long End) ILocalPartitions.Bounds(string topic, int partition)
    {
        var log = Topic(topic);
        lock (log.Gate)
        {
            var stored = log.Partitions[partition];
            return (stored.BaseOffset, stored.EndOffset);
        }
    }

    void ILocalPartitions.Read(string topic, int partition, long from, int max, List<ConsumedRecord> batch, ReadBuffers buffers) =>
        Read(topic, partition, from, max, batch);

    /// <summary>The records as appended: each value is the log's own copy, held for as long as the record is retained.</summary>
    public void Read(string topic, int partition, long from, int max, List<ConsumedRecord> batch)
    {
        var log = Topic(topic);
        lock (log.Gate)
        {
            var stored = log.Partitions[partition];
            var position = Math.Max(from, stored.BaseOffset);
            var count = (int)Math.Min(max, stored.EndOffset - position);
            if (count > 0)
            {
                batch.AddRange(stored.Records.GetRange((int)(position - stored.BaseOffset), count));
            }
        }
    }

    private TopicLog Topic(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return _topics.GetOrAdd(name, n => new TopicLog(n, _options.Partitions));
    }

    /// <summary>Frees room in <paramref name="log"/> (its gate held).</summary>
    private void Trim(TopicLog log, int incoming)
    {
        var anyGroup = false;
        for (var index = 0; index < log.Partitions.Length; index++)
        {
            var partition = log.Partitions[index];

            // Drop what every group that ever read the topic has committed; a group with no commit pins everything.
            if (_groups.TryGetCommittedFloor(log.Name, index, partition.BaseOffset, partition.EndOffset, out var floor))
            {
                anyGroup = true;
                Drop(log, partition, floor - partition.BaseOffset);
            }
        }

        if (anyGroup)
        {
            return;
        }

        // No group reads this topic (a dead-letter topic nobody consumes, say): keep the newest, like retention.
        var excess = log.Retained + incoming - _options.MaxQueuedRecords;
        while (excess > 0 && log.Retained > 0)
        {
            var largest = log.Partitions.MaxBy(p => p.Records.Count)!;
            var count = Math.Min(excess, largest.Records.Count);
            Drop(log, largest, count);
            excess -= count;
        }
    }

    private static void Drop(TopicLog log, Partition partition, long count)
    {
        if (count <= 0)
        {
            return;
        }

        partition.Records.RemoveRange(0, (int)count);
        partition.BaseOffset += count;
        Volatile.Write(ref log.Retained, log.Retained - count);
    }

    private sealed class TopicLog(string name, int partitions)
    {
        public readonly Lock Gate = new();
        public readonly string Name = name;
        public readonly Partition[] Partitions = [.. Enumerable.Range(0, partitions).Select(_ => new Partition())];
        public long Retained;
    }

    private sealed class Partition
    {
        public readonly List<ConsumedRecord> Records = [];
        public long BaseOffset;

        public long EndOffset => BaseOffset + Records.Count;
    }
}
