using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ZtStream.Platform.Options;

namespace ZtStream.Platform.EventLog.InProcess;

/// <summary>
/// The embedded event log: topics of <see cref="EventLogOptions.Partitions"/> partitions held in memory, keys
/// placed by Kafka's murmur2 partitioner, consumer groups that split partitions among their members and keep
/// committed offsets per group. It keeps Kafka's per-key order and at-least-once rules but nothing survives
/// the process. Each topic retains at most <see cref="EventLogOptions.MaxQueuedRecords"/> records: records every
/// group has committed are dropped first; past that, appends are refused as unavailable (back-pressure) rather
/// than dropping what a group has not read.
/// </summary>
internal sealed class InProcessEventLog : IEventLog, IDisposable
{
    private const int BatchPerPartition = 64;
    private static readonly TimeSpan RetryAfterFull = TimeSpan.FromSeconds(1);
    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>();

    private readonly EventLogOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, TopicLog> _topics = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Group> _groups = new(StringComparer.Ordinal);
    private readonly EventLogMetrics _metrics;
    private readonly RecordDelivery _delivery;

    public InProcessEventLog(EventLogOptions options, TimeProvider time, ILogger<InProcessEventLog> logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Partitions, 1);
        _options = options;
        _time = time;
        _logger = logger;
        _metrics = new EventLogMetrics(EventLogOptions.InProcess, RetainedRecords);
        _delivery = new RecordDelivery(this, options.RetryBackoff, time, _metrics, logger);
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
        Member[] readers;
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
            readers = log.Readers;
        }

        _metrics.Appended.Add(records.Count);
        _metrics.Appending(topic, _time.GetElapsedTime(started));
        foreach (var reader in readers)
        {
            reader.Signal.Set();
        }

        return Task.CompletedTask;
    }

    public Task ConsumeAsync(ConsumerSpec spec, IRecordHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentException.ThrowIfNullOrWhiteSpace(spec.GroupId);
        if (spec.Topics.Count == 0)
        {
            throw new ArgumentException("A consumer needs at least one topic.", nameof(spec));
        }

        var group = _groups.GetOrAdd(spec.GroupId, id => new Group(id));
        var member = new Member(group, spec, handler);
        return Task.Run(() => RunMemberAsync(member, cancellationToken), CancellationToken.None);
    }

    public void Dispose() => _metrics.Dispose();

    private TopicLog Topic(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return _topics.GetOrAdd(name, n => new TopicLog(n, _options.Partitions));
    }

    /// <summary>Frees room in <paramref name="log"/> (its gate held).</summary>
    private void Trim(TopicLog log, int incoming)
    {
        if (log.Groups.Count > 0)
        {
            // Drop what every group that ever read the topic has committed; a group with no commit pins everything.
            foreach (var partition in log.Partitions)
            {
                var floor = partition.EndOffset;
                foreach (var group in log.Groups)
                {
                    floor = Math.Min(floor, partition.Committed.TryGetValue(group, out var committed) ? committed : partition.BaseOffset);
                }

                Drop(log, partition, floor - partition.BaseOffset);
            }

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

    private async Task RunMemberAsync(Member member, CancellationToken stopping)
    {
        // The handler's token fires ShutdownDrainTimeout after stopping does, so the record in hand can finish.
        using var handling = new CancellationTokenSource();
        using var drain = stopping.Register(() => handling.CancelAfter(_options.ShutdownDrainTimeout));
        Join(member);
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var wake = member.Signal.NextAsync();
                await ReconcileAsync(member, handling.Token).ConfigureAwait(false);
                if (!await ConsumeRoundAsync(member, stopping, handling.Token).ConfigureAwait(false))
                {
                    await wake.WaitAsync(stopping).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: a record whose handler did not finish in time keeps its uncommitted offset and is handed again.
        }
        finally
        {
            await LeaveAsync(member).ConfigureAwait(false);
        }
    }

    private void Join(Member member)
    {
        foreach (var topic in member.Spec.Topics.Distinct(StringComparer.Ordinal))
        {
            var log = Topic(topic);
            lock (log.Gate)
            {
                log.Groups.Add(member.Group.Id);
                log.Readers = [.. log.Readers, member];
            }
        }

        var group = member.Group;
        lock (group.Gate)
        {
            group.Members.Add(member);
            Rebalance(group);
        }
    }

    private async Task LeaveAsync(Member member)
    {
        using var drain = new CancellationTokenSource(_options.ShutdownDrainTimeout);
        foreach (var owned in member.Positions.Keys.ToArray())
        {
            await RevokeAsync(member, owned, drain.Token).ConfigureAwait(false);
        }

        var group = member.Group;
        lock (group.Gate)
        {
            group.Members.Remove(member);
            foreach (var (owned, owner) in group.Owner.ToArray())
            {
                if (owner == member)
                {
                    group.Owner.Remove(owned);
                }
            }

            Rebalance(group);
        }

        foreach (var topic in member.Spec.Topics.Distinct(StringComparer.Ordinal))
        {
            var log = Topic(topic);
            lock (log.Gate)
            {
                log.Readers = [.. log.Readers.Where(r => r != member)];
            }
        }
    }

    /// <summary>Spreads every subscribed topic's partitions over the members reading it (group gate held) and wakes them.</summary>
    private void Rebalance(Group group)
    {
        group.Target.Clear();
        foreach (var topic in group.Members.SelectMany(m => m.Spec.Topics).Distinct(StringComparer.Ordinal))
        {
            var readers = group.Members.Where(m => m.Spec.Topics.Contains(topic)).ToArray();
            var partitions = Topic(topic).Partitions.Length;
            for (var partition = 0; partition < partitions; partition++)
            {
                group.Target[new TopicPartition(topic, partition)] = readers[partition % readers.Length];
            }
        }

        Volatile.Write(ref group.Generation, group.Generation + 1);
        foreach (var member in group.Members)
        {
            member.Signal.Set();
        }
    }

    /// <summary>
    /// Applies the group's target assignment on the member's own loop, as Kafka runs callbacks on the consumer's
    /// thread: first gives up partitions that moved away (after the record in hand is done), then takes partitions
    /// whose previous owner has let go.
    /// </summary>
    private async Task ReconcileAsync(Member member, CancellationToken cancellationToken)
    {
        var group = member.Group;
        List<TopicPartition> revoke = [];
        List<TopicPartition> assign = [];
        lock (group.Gate)
        {
            member.SeenGeneration = group.Generation;
            foreach (var owned in member.Positions.Keys)
            {
                if (!group.Target.TryGetValue(owned, out var target) || target != member)
                {
                    revoke.Add(owned);
                }
            }

            foreach (var (partition, target) in group.Target)
            {
                if (target == member && !member.Positions.ContainsKey(partition) && !group.Owner.ContainsKey(partition))
                {
                    assign.Add(partition);
                }
            }
        }

        foreach (var partition in revoke)
        {
            await RevokeAsync(member, partition, cancellationToken).ConfigureAwait(false);
        }

        foreach (var partition in assign.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition))
        {
            lock (group.Gate)
            {
                if (group.Owner.ContainsKey(partition) || !group.Target.TryGetValue(partition, out var target) || target != member)
                {
                    continue;
                }

                group.Owner[partition] = member;
            }

            long? requested = null;
            try
            {
                requested = await member.Handler.OnPartitionAssignedAsync(partition.Topic, partition.Partition, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                EventLogLog.PartitionCallbackFailed(_logger, group.Id, partition.Topic, partition.Partition, ex);
            }

            var log = Topic(partition.Topic);
            long position;
            lock (log.Gate)
            {
                var stored = log.Partitions[partition.Partition];
                position = requested
                    ?? (stored.Committed.TryGetValue(group.Id, out var committed) ? committed
                        : member.Spec.StartFromEarliest ? stored.BaseOffset : stored.EndOffset);

                // An offset past the end (state checkpointed against an earlier process's log) resumes at the end.
                position = Math.Clamp(position, stored.BaseOffset, stored.EndOffset);
            }

            member.Positions[partition] = position;
            EventLogLog.PartitionAssigned(_logger, group.Id, partition.Topic, partition.Partition, position);
        }
    }

    private async Task RevokeAsync(Member member, TopicPartition partition, CancellationToken cancellationToken)
    {
        try
        {
            await member.Handler.OnPartitionRevokedAsync(partition.Topic, partition.Partition, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            EventLogLog.PartitionCallbackFailed(_logger, member.Group.Id, partition.Topic, partition.Partition, ex);
        }

        member.Positions.Remove(partition);
        Member? next;
        lock (member.Group.Gate)
        {
            member.Group.Owner.Remove(partition);
            next = member.Group.Target.GetValueOrDefault(partition);
        }

        _delivery.PartitionLeft(member.Group.Id, partition.Topic, partition.Partition);
        EventLogLog.PartitionRevoked(_logger, member.Group.Id, partition.Topic, partition.Partition);
        next?.Signal.Set();
    }

    /// <summary>Hands up to a batch from each owned partition to the handler; false when there was nothing to do.</summary>
    private async Task<bool> ConsumeRoundAsync(Member member, CancellationToken stopping, CancellationToken handling)
    {
        var progressed = false;
        foreach (var partition in member.Positions.Keys.ToArray())
        {
            var log = Topic(partition.Topic);
            ConsumedRecord[] batch;
            long end;
            lock (log.Gate)
            {
                var stored = log.Partitions[partition.Partition];
                end = stored.EndOffset;
                var position = Math.Max(member.Positions[partition], stored.BaseOffset);
                var count = (int)Math.Min(BatchPerPartition, stored.EndOffset - position);
                batch = new ConsumedRecord[Math.Max(count, 0)];
                if (count > 0)
                {
                    stored.Records.CopyTo((int)(position - stored.BaseOffset), batch, 0, count);
                }
            }

            foreach (var record in batch)
            {
                if (stopping.IsCancellationRequested)
                {
                    return false;
                }

                if (Volatile.Read(ref member.Group.Generation) != member.SeenGeneration)
                {
                    return true; // a rebalance is waiting: reconcile before the next record
                }

                await _delivery.DeliverAsync(member.Spec, member.Handler, record, end, handling).ConfigureAwait(false);
                lock (log.Gate)
                {
                    log.Partitions[partition.Partition].Committed[member.Group.Id] = record.Offset + 1;
                }

                member.Positions[partition] = record.Offset + 1;
                progressed = true;
            }
        }

        return progressed;
    }

    private readonly record struct TopicPartition(string Topic, int Partition);

    private sealed class TopicLog(string name, int partitions)
    {
        public readonly Lock Gate = new();
        public readonly string Name = name;
        public readonly Partition[] Partitions = [.. Enumerable.Range(0, partitions).Select(_ => new Partition())];

        /// <summary>Every group that ever subscribed: its committed offsets bound trimming.</summary>
        public readonly HashSet<string> Groups = new(StringComparer.Ordinal);

        public long Retained;
        public Member[] Readers = [];
    }

    private sealed class Partition
    {
        public readonly List<ConsumedRecord> Records = [];
        public readonly Dictionary<string, long> Committed = new(StringComparer.Ordinal);
        public long BaseOffset;

        public long EndOffset => BaseOffset + Records.Count;
    }

    private sealed class Group(string id)
    {
        public readonly Lock Gate = new();
        public readonly string Id = id;
        public readonly List<Member> Members = [];

        /// <summary>Who should own each partition after the latest rebalance.</summary>
        public readonly Dictionary<TopicPartition, Member> Target = [];

        /// <summary>Who owns each partition now; a partition moves only once its owner has revoked it.</summary>
        public readonly Dictionary<TopicPartition, Member> Owner = [];

        public int Generation;
    }

    private sealed class Member(Group group, ConsumerSpec spec, IRecordHandler handler)
    {
        public readonly Group Group = group;
        public readonly ConsumerSpec Spec = spec;
        public readonly IRecordHandler Handler = handler;
        public readonly WakeSignal Signal = new();

        /// <summary>Next offset per owned partition; touched only by the member's own loop.</summary>
        public readonly Dictionary<TopicPartition, long> Positions = [];

        public int SeenGeneration;
    }
}
