namespace ZtStream.Platform.EventLog.Local;

/// <summary>
/// Consumer groups over a log this process keeps: members of a group split each subscribed topic's partitions,
/// a partition moves only after its old owner has revoked it, and callbacks and handlers run on the member's own
/// loop, as Kafka runs them on the consumer's thread. Where a member resumes follows Kafka's rules: the offset
/// the handler returns from <see cref="IRecordHandler.OnPartitionAssignedAsync"/>, else the group's committed
/// offset, else the earliest or latest record; an offset outside the retained range is logged loudly and
/// replaced (see <see cref="ResolvePosition"/>), never silently clamped past records nobody read.
/// </summary>
internal sealed class LocalConsumerGroups(
    ILocalPartitions partitions,
    IGroupOffsets offsets,
    RecordDelivery delivery,
    TimeSpan shutdownDrainTimeout,
    ILogger logger)
{
    private const int BatchPerPartition = 256;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Group> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _subscribers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Member[]> _readers = new(StringComparer.Ordinal);

    /// <summary>Set whenever a member has handed records on: appenders waiting for room look again.</summary>
    private readonly WakeSignal _progress = new();

    public Task ConsumeAsync(ConsumerSpec spec, IRecordHandler handler, CancellationToken cancellationToken)
    {
        ConsumerSpec.Check(spec, handler);

        Group group;
        lock (_gate)
        {
            if (!_groups.TryGetValue(spec.GroupId, out group!))
            {
                group = new Group(spec.GroupId);
                _groups[spec.GroupId] = group;
            }
        }

        var member = new Member(group, spec, handler);
        return Task.Run(() => RunMemberAsync(member, cancellationToken), CancellationToken.None);
    }

    /// <summary>Wakes the members reading <paramref name="topic"/> (records were appended).</summary>
    public void Notify(string topic)
    {
        foreach (var reader in ReadersOf(topic))
        {
            reader.Signal.Set();
        }
    }

    /// <summary>
    /// The most records any group with a live member is behind on <paramref name="topic"/>: the partitions' ends less
    /// the group's committed offsets (a partition without one counts from its first retained record).
    /// </summary>
    public long Lag(string topic)
    {
        var readers = ReadersOf(topic);
        if (readers.Length == 0)
        {
            return 0;
        }

        var count = partitions.PartitionCount(topic);
        long worst = 0;
        foreach (var group in readers.Select(r => r.Group.Id).Distinct(StringComparer.Ordinal))
        {
            long lag = 0;
            for (var partition = 0; partition < count; partition++)
            {
                var (start, end) = partitions.Bounds(topic, partition);
                lag += end - (offsets.TryGet(group, topic, partition, out var committed) ? Math.Max(committed, start) : start);
            }

            worst = Math.Max(worst, lag);
        }

        return worst;
    }

    /// <summary>The members reading <paramref name="topic"/> now; the array is replaced, never changed, when one joins or leaves.</summary>
    private Member[] ReadersOf(string topic)
    {
        lock (_gate)
        {
            return _readers.GetValueOrDefault(topic) ?? [];
        }
    }

    /// <summary>
    /// <see cref="IEventLog.WaitForRoomAsync"/> for a log this process keeps: returns once the consumers of
    /// <paramref name="topic"/> are at most <see cref="EventLogOptions.MaxConsumerLag"/> records behind, or throws
    /// <see cref="EventLogUnavailableException"/> when they are not within <see cref="EventLogOptions.AppendTimeout"/>.
    /// </summary>
    public async ValueTask WaitForRoomAsync(string topic, EventLogOptions options, TimeProvider time, EventLogMetrics metrics, CancellationToken cancellationToken)
    {
        if (options.MaxConsumerLag <= 0 || await WaitForLagAsync(topic, options.MaxConsumerLag, options.AppendTimeout, time, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        metrics.Refused.Add(1);
        throw new EventLogUnavailableException(
            $"the consumers of {topic} are more than {options.MaxConsumerLag} records behind (EventLog:MaxConsumerLag) and did not catch up within {options.AppendTimeout}",
            TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// Waits until <see cref="Lag"/> of <paramref name="topic"/> is at most <paramref name="maxLag"/>; false when it is
    /// still above after <paramref name="timeout"/>.
    /// </summary>
    private async ValueTask<bool> WaitForLagAsync(string topic, long maxLag, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            var progress = _progress.NextAsync();
            if (Lag(topic) <= maxLag)
            {
                return true;
            }

            var left = timeout - time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            try
            {
                // The consumers' progress wakes the wait; the short timeout covers a group that stopped consuming.
                await progress.WaitAsync(left < TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100), time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Look again.
            }
        }
    }

    /// <summary>
    /// The lowest offset every group that ever subscribed to <paramref name="topic"/> has committed on
    /// <paramref name="partition"/> (a group without a commit counts as <paramref name="start"/>); false when no group
    /// ever subscribed.
    /// </summary>
    public bool TryGetCommittedFloor(string topic, int partition, long start, long end, out long floor)
    {
        string[] groups;
        lock (_gate)
        {
            if (!_subscribers.TryGetValue(topic, out var subscribed) || subscribed.Count == 0)
            {
                floor = 0;
                return false;
            }

            groups = [.. subscribed];
        }

        floor = end;
        foreach (var group in groups)
        {
            floor = Math.Min(floor, offsets.TryGet(group, topic, partition, out var committed) ? committed : start);
        }

        return true;
    }

    private async Task RunMemberAsync(Member member, CancellationToken stopping)
    {
        // The handler's token fires the drain timeout after stopping does, so the record in hand can finish.
        using var handling = new CancellationTokenSource();
        using var drain = stopping.Register(() => handling.CancelAfter(shutdownDrainTimeout));
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
            _ = partitions.PartitionCount(topic);
            lock (_gate)
            {
                if (!_subscribers.TryGetValue(topic, out var subscribed))
                {
                    subscribed = new HashSet<string>(StringComparer.Ordinal);
                    _subscribers[topic] = subscribed;
                }

                subscribed.Add(member.Group.Id);
                _readers[topic] = [.. _readers.GetValueOrDefault(topic) ?? [], member];
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
        using var drain = new CancellationTokenSource(shutdownDrainTimeout);
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

        lock (_gate)
        {
            foreach (var topic in member.Spec.Topics.Distinct(StringComparer.Ordinal))
            {
                _readers[topic] = [.. (_readers.GetValueOrDefault(topic) ?? []).Where(r => r != member)];
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
            var count = partitions.PartitionCount(topic);
            for (var partition = 0; partition < count; partition++)
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
    /// Applies the group's target assignment on the member's own loop: first gives up partitions that moved away
    /// (after the record in hand is done), then takes partitions whose previous owner has let go.
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
                EventLogLog.PartitionCallbackFailed(logger, group.Id, partition.Topic, partition.Partition, ex);
            }

            var position = ResolvePosition(member, partition, requested);
            member.Positions[partition] = position;
            EventLogLog.PartitionAssigned(logger, group.Id, partition.Topic, partition.Partition, position);
        }
    }

    /// <summary>
    /// Where a newly assigned partition resumes. An offset below the retained range (retention removed records the
    /// group never read) resumes at the first retained record; one past the end (the log was lost or truncated
    /// behind the caller's checkpoint) falls back to the committed offset, else the earliest or latest record —
    /// Kafka's <c>auto.offset.reset</c>. Either is logged as a warning with both numbers.
    /// </summary>
    private long ResolvePosition(Member member, TopicPartition partition, long? requested)
    {
        var (start, end) = partitions.Bounds(partition.Topic, partition.Partition);
        if (requested is { } asked && Within(asked, out var position))
        {
            return position;
        }

        if (offsets.TryGet(member.Group.Id, partition.Topic, partition.Partition, out var committed) && Within(committed, out position))
        {
            return position;
        }

        return member.Spec.StartFromEarliest ? start : end;

        // Where a candidate offset resumes, if it can: as is inside the log, at its start below it; past the end it
        // cannot, and the next candidate is tried.
        bool Within(long offset, out long resumeAt)
        {
            resumeAt = offset;
            if (offset >= start && offset <= end)
            {
                return true;
            }

            if (offset < start)
            {
                EventLogLog.ResumeBehindRetention(logger, member.Group.Id, partition.Topic, partition.Partition, offset, start);
                resumeAt = start;
                return true;
            }

            EventLogLog.ResumeAheadOfLog(logger, member.Group.Id, partition.Topic, partition.Partition, offset, end);
            return false;
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
            EventLogLog.PartitionCallbackFailed(logger, member.Group.Id, partition.Topic, partition.Partition, ex);
        }

        member.Positions.Remove(partition);
        FlushOffsets(member.Group.Id);
        Member? next;
        lock (member.Group.Gate)
        {
            member.Group.Owner.Remove(partition);
            next = member.Group.Target.GetValueOrDefault(partition);
        }

        delivery.PartitionLeft(member.Group.Id, partition.Topic, partition.Partition);
        EventLogLog.PartitionRevoked(logger, member.Group.Id, partition.Topic, partition.Partition);
        next?.Signal.Set();
    }

    private void FlushOffsets(string group)
    {
        try
        {
            offsets.Flush();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            // The offsets stay committed in memory and are flushed again later; at worst records are handed again.
            EventLogLog.OffsetFlushFailed(logger, group, ex);
        }
    }

    /// <summary>Hands up to a batch from each owned partition to the handler; false when there was nothing to do.</summary>
    private async Task<bool> ConsumeRoundAsync(Member member, CancellationToken stopping, CancellationToken handling)
    {
        var progressed = false;
        var batch = member.Batch;
        foreach (var partition in member.Positions.Keys.ToArray())
        {
            var position = member.Positions[partition];
            partitions.Read(partition.Topic, partition.Partition, position, BatchPerPartition, batch, member.Buffers);
            // Where the partition ends as this batch is handed out: the lag each record leaves behind it.
            var end = batch.Count > 0 ? partitions.Bounds(partition.Topic, partition.Partition).End : -1;
            if (batch.Count > 0 && batch[0].Offset > position)
            {
                // Retention removed records this group had not read yet: say so, then go on from what is left.
                EventLogLog.ResumeBehindRetention(logger, member.Group.Id, partition.Topic, partition.Partition, position, batch[0].Offset);
            }

            // Offsets are committed once per batch (and before every way out of it), not per record: the commit is an
            // in-memory map written to disk on a timer, so batching it changes nothing a crash could see.
            var next = -1L;
            try
            {
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

                    await delivery.DeliverAsync(member.Spec, member.Handler, record, end, handling).ConfigureAwait(false);
                    next = record.Offset + 1;
                    progressed = true;
                }
            }
            finally
            {
                if (next >= 0)
                {
                    offsets.Commit(member.Group.Id, partition.Topic, partition.Partition, next);
                    member.Positions[partition] = next;
                    _progress.Set();
                }

                // Every handler of the batch has returned (or will never see its record): the bytes go back to the pool.
                batch.Clear();
                member.Buffers.ReturnAll();
            }
        }

        return progressed;
    }

    private readonly record struct TopicPartition(string Topic, int Partition);

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
        public readonly List<ConsumedRecord> Batch = new(BatchPerPartition);

        /// <summary>The arrays <see cref="Batch"/>'s records are slices of; touched only by the member's own loop.</summary>
        public readonly ReadBuffers Buffers = new();

        /// <summary>Next offset per owned partition; touched only by the member's own loop.</summary>
        public readonly Dictionary<TopicPartition, long> Positions = [];

        public int SeenGeneration;
    }
}
