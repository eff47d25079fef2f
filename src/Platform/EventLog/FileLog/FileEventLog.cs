using System.Collections.Concurrent;

namespace ZtStream.Platform.EventLog.FileLog;

/// <summary>
/// The durable embedded event log (<c>EventLog:Kind=file</c>, the default): per topic and partition a folder of
/// append-only segment files (see <see cref="RecordFrame"/>, <see cref="Segment"/>), keys placed by Kafka's murmur2
/// partitioner, consumer groups from <see cref="LocalConsumerGroups"/> with committed offsets in the same folder
/// (<see cref="FileGroupOffsets"/>), so offsets, records and the Verifier's checkpoints survive a restart together.
/// <para>
/// Appends are encoded and checksummed on the caller's thread and queued; one writer thread takes everything queued,
/// writes it with one vectored write per partition, fsyncs each file it touched (<see cref="EventLogOptions.Fsync"/>:
/// <c>group</c> by default) and only then completes the appends and lets consumers see the records. A write that fails
/// (disk full, I/O error) is cut back off the files and fails its appends with
/// <see cref="EventLogUnavailableException"/>: nothing acknowledged is lost, nothing refused is kept.
/// </para>
/// </summary>
internal sealed partial class FileEventLog : IEventLog, IAppendAdmission, IEventLogBrowser, ILocalPartitions, IDisposable
{
    public const string Implementation = "file";
    private const string LockFileName = "lock";
    private const string TopicsFolder = "topics";
    private const string PartitionsFileName = "partitions";

    /// <summary>The most a topic's <c>partitions</c> file holds: a number and a line end, with room to spare.</summary>
    private const int MaxPartitionsFileBytes = 64;

    /// <summary>The most <c>lock.pid</c> holds: a process id.</summary>
    private const int MaxPidFileBytes = 64;
    private const int MaxCommitBytes = 8 * 1024 * 1024;
    private static readonly TimeSpan RetryAfterFull = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RetentionCheckInterval = TimeSpan.FromMinutes(1);

    private readonly EventLogOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly bool _writable;
    private readonly string _fsync;
    private readonly DirectWrites _direct;
    private readonly ConcurrentDictionary<string, FileTopic> _topics = new(StringComparer.Ordinal);
    private readonly Lock _topicsGate = new();
    private readonly FileGroupOffsets _offsets;
    private readonly LocalConsumerGroups _groups;
    private readonly EventLogMetrics _metrics;
    private readonly FileStream? _lock;
    private readonly Thread? _writer;
    private readonly ITimer? _offsetTimer;
    private readonly object _queueGate = new();
    private List<PendingAppend> _queue = [];
    private long _queuedRecords;
    private bool _stopping;
    private long _nextRetentionMs;

    /// <param name="writable">False opens the folder read-only beside a running process (<c>ztstream dlq list</c>): no lock, no repair, no appends.</param>
    public FileEventLog(EventLogOptions options, TimeProvider time, ILogger logger, ConsumerHealth? health = null, bool writable = true)
        : this(options, time, logger, health, writable, DirectFile.TryOpen)
    {
    }

    /// <param name="openDirect">How segment files are opened for direct I/O (a filesystem that refuses it, in tests).</param>
    internal FileEventLog(EventLogOptions options, TimeProvider time, ILogger logger, ConsumerHealth? health, bool writable, DirectFile.Opener openDirect)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Partitions, 1);
        Root = Path.GetFullPath(options.Path ?? throw new ArgumentException("EventLog:Path is required for the file log", nameof(options)));
        _options = options;
        _time = time;
        _logger = logger;
        _writable = writable;
        _fsync = options.Fsync.Trim().ToLowerInvariant();
        _direct = new DirectWrites(options.DirectWrites, logger, openDirect);
        if (writable)
        {
            try
            {
                CreateOwnerOnly(Root);
                _lock = TakeLock(Root);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && ex is not EventLogLockedException)
            {
                throw new StorageUnusableException(File.Exists(Root)
                    ? $"EventLog:Path '{Root}' is a file; the file event log keeps its segments in a folder there"
                    : $"EventLog:Path '{Root}' cannot be used: {ex.Message}", ex);
            }
        }
        else if (!Directory.Exists(Root))
        {
            throw new DirectoryNotFoundException($"no event log at {Root}");
        }

        try
        {
            _offsets = new FileGroupOffsets(Root, writable, TornTail);
            OpenTopics();
        }
        catch (Exception ex)
        {
            DisposeTopics();
            _lock?.Dispose();
            if (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                // A damaged or unreadable file in the folder: the operator gets its name and what is wrong, not a stack trace.
                throw new StorageUnusableException($"EventLog:Path '{Root}' cannot be opened: {ex.Message}", ex);
            }

            throw;
        }

        _metrics = new EventLogMetrics(Implementation, () => Interlocked.Read(ref _queuedRecords));
        var delivery = new RecordDelivery(this, options, time, _metrics, health ?? new ConsumerHealth(time), logger);
        _groups = new LocalConsumerGroups(this, _offsets, delivery, options.ShutdownDrainTimeout, logger);
        if (writable)
        {
            _nextRetentionMs = NowMs();
            _writer = new Thread(WriteLoop) { IsBackground = true, Name = "ztstream-eventlog-writer" };
            _writer.Start();
            _offsetTimer = time.CreateTimer(_ => FlushOffsets(), null, options.OffsetCommitInterval, options.OffsetCommitInterval);
        }

        EventLogLog.FileLogOpened(logger, Root, writable ? _fsync : "read-only", _topics.Count);
    }

    /// <summary>The log's folder (absolute).</summary>
    public string Root { get; }

    /// <summary>Records appended and waiting for their commit (the <c>queue_depth</c> gauge).</summary>
    public long QueuedRecords => Interlocked.Read(ref _queuedRecords);

    public Task EnsureTopicsAsync(IEnumerable<string> topics, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var topic in topics)
            {
                _ = Topic(topic);
                if (!topic.Contains(".dlq", StringComparison.Ordinal))
                {
                    _ = Topic(DeadLetterHeaders.TopicFor(topic));
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            // At start, as for the folder's other files: one line naming the file and what is wrong with it.
            throw new StorageUnusableException($"EventLog:Path '{Root}' cannot be opened: {ex.Message}", ex);
        }

        return Task.CompletedTask;
    }

    public async Task AppendAsync(string topic, IReadOnlyList<LogRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        cancellationToken.ThrowIfCancellationRequested();
        if (records.Count == 0)
        {
            return;
        }

        if (!_writable)
        {
            throw new InvalidOperationException($"the event log at {Root} is open read-only");
        }

        var started = _time.GetTimestamp();

        FileTopic log;
        try
        {
            log = Topic(topic);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _metrics.Refused.Add(records.Count);
            throw new EventLogUnavailableException($"the event log cannot create topic {topic}: {ex.Message}", RetryAfterFailure, ex);
        }

        var pending = new PendingAppend(Encode(log, records), records.Count);
        lock (_queueGate)
        {
            if (_stopping)
            {
                pending.ReturnBuffers();
                throw new EventLogUnavailableException("the event log is shutting down", RetryAfterFailure);
            }

            if (_queuedRecords > 0 && _queuedRecords + records.Count > _options.MaxQueuedRecords)
            {
                pending.ReturnBuffers();
                _metrics.Refused.Add(records.Count);
                throw new EventLogUnavailableException(
                    $"{_queuedRecords} records are waiting to be written (limit EventLog:MaxQueuedRecords = {_options.MaxQueuedRecords})", RetryAfterFull);
            }

            _queue.Add(pending);
            _queuedRecords += records.Count;
            Monitor.Pulse(_queueGate);
        }

        try
        {
            await pending.Completion.Task.WaitAsync(_options.AppendTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            // The writer is stuck (a disk that stopped answering): the records may still land, as after any failed append.
            _metrics.Refused.Add(records.Count);
            throw new EventLogUnavailableException($"the event log did not write {records.Count} record(s) within {_options.AppendTimeout}", RetryAfterFailure, ex);
        }

        _metrics.Appended.Add(records.Count);
        _metrics.Appending(topic, _time.GetElapsedTime(started));
    }

    public Task ConsumeAsync(ConsumerSpec spec, IRecordHandler handler, CancellationToken cancellationToken) =>
        _groups.ConsumeAsync(spec, handler, cancellationToken);

    public ValueTask WaitForRoomAsync(string topic, CancellationToken cancellationToken) =>
        _groups.WaitForRoomAsync(topic, _options, _time, _metrics, cancellationToken);

    public Task<IReadOnlyList<PartitionBounds>> PartitionsAsync(string topic, CancellationToken cancellationToken)
    {
        if (!TryGetTopic(topic, out var log))
        {
            return Task.FromResult<IReadOnlyList<PartitionBounds>>([]);
        }

        return Task.FromResult<IReadOnlyList<PartitionBounds>>([.. log.Partitions.Select(p => { var (start, end) = p.Bounds; return new PartitionBounds(p.Index, start, end); })]);
    }

    public Task<IReadOnlyList<ConsumedRecord>> ReadAsync(string topic, int partition, long from, int max, CancellationToken cancellationToken)
    {
        var batch = new List<ConsumedRecord>();
        if (TryGetTopic(topic, out var log) && partition >= 0 && partition < log.Partitions.Length)
        {
            log.Partitions[partition].Read(from, max, batch);
        }

        return Task.FromResult<IReadOnlyList<ConsumedRecord>>(batch);
    }

    public Task<long?> CommittedOffsetAsync(string group, string topic, int partition, CancellationToken cancellationToken) =>
        Task.FromResult(_offsets.TryGet(group, topic, partition, out var offset) ? offset : (long?)null);

    public Task CommitOffsetAsync(string group, string topic, int partition, long offset, CancellationToken cancellationToken)
    {
        _offsets.Commit(group, topic, partition, offset);
        _offsets.Flush();
        return Task.CompletedTask;
    }

    /// <summary>Writes the consumer groups' committed offsets now (also done every <see cref="EventLogOptions.OffsetCommitInterval"/>).</summary>
    public void FlushOffsets()
    {
        try
        {
            _offsets.Flush();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            EventLogLog.OffsetFlushFailed(_logger, "*", ex);
        }
    }

    /// <summary>Removes segments past the retention limits now (the writer also does it every minute and after a segment rolls).</summary>
    internal int ApplyRetention()
    {
        var removed = 0;
        var now = NowMs();
        var maxAge = (long)TimeSpan.FromHours(_options.RetentionHours).TotalMilliseconds;
        foreach (var topic in _topics.Values)
        {
            foreach (var partition in topic.Partitions)
            {
                var count = partition.ApplyRetention(now, maxAge, _options.RetentionBytes);
                if (count > 0)
                {
                    EventLogLog.SegmentsRetired(_logger, topic.Name, partition.Index, count, partition.Bounds.Start);
                    removed += count;
                }
            }
        }

        return removed;
    }

    public void Dispose()
    {
        lock (_queueGate)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
            Monitor.PulseAll(_queueGate);
        }

        _writer?.Join();
        _offsetTimer?.Dispose();
        if (_writable)
        {
            FlushOffsets();
        }

        _offsets.Dispose();
        DisposeTopics();
        _metrics.Dispose();
        _lock?.Dispose();
    }

    int ILocalPartitions.PartitionCount(string topic) => Topic(topic).Partitions.Length;

    (long Start, long End) ILocalPartitions.Bounds(string topic, int partition) => Topic(topic).Partitions[partition].Bounds;

    void ILocalPartitions.Read(string topic, int partition, long from, int max, List<ConsumedRecord> batch, ReadBuffers buffers) =>
        Topic(topic).Partitions[partition].Read(from, max, batch, buffers);

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private EncodedChunk[] Encode(FileTopic log, IReadOnlyList<LogRecord> records)
    {
        var partitions = log.Partitions.Length;
        var target = new int[records.Count];
        var sizes = new int[partitions];
        var counts = new int[partitions];
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            var partition = Murmur2Partitioner.PartitionFor(record.Key ?? string.Empty, partitions);
            target[i] = partition;
            sizes[partition] += RecordFrame.SizeOf(record);
            counts[partition]++;
        }

        var now = NowMs();
        var buffers = new byte[partitions][];
        var starts = new int[partitions][];
        var filled = new int[partitions];
        var used = new int[partitions];
        for (var p = 0; p < partitions; p++)
        {
            if (counts[p] > 0)
            {
                buffers[p] = ArrayPool<byte>.Shared.Rent(sizes[p]);
                starts[p] = new int[counts[p]];
            }
        }

        for (var i = 0; i < records.Count; i++)
        {
            var p = target[i];
            starts[p][filled[p]++] = used[p];
            used[p] += RecordFrame.Write(buffers[p].AsSpan(used[p]), records[i], now);
        }

        var chunks = new List<EncodedChunk>(partitions);
        for (var p = 0; p < partitions; p++)
        {
            if (counts[p] > 0)
            {
                chunks.Add(new EncodedChunk(log.Partitions[p], buffers[p], used[p], starts[p], counts[p], now, now));
            }
        }

        return [.. chunks];
    }

    private void WriteLoop()
    {
        var batch = new List<PendingAppend>();
        while (true)
        {
            lock (_queueGate)
            {
                while (_queue.Count == 0 && !_stopping)
                {
                    var wait = TimeSpan.FromMilliseconds(Math.Clamp(_nextRetentionMs - NowMs(), 1, RetentionCheckInterval.TotalMilliseconds));
                    if (!Monitor.Wait(_queueGate, wait))
                    {
                        break;
                    }
                }

                if (_queue.Count == 0 && _stopping)
                {
                    return;
                }

                TakeBatch(batch);
            }

            if (batch.Count > 0)
            {
                Commit(batch);
                lock (_queueGate)
                {
                    _queuedRecords -= batch.Sum(p => p.Records);
                }

                batch.Clear();
            }

            if (NowMs() >= _nextRetentionMs)
            {
                _nextRetentionMs = NowMs() + (long)RetentionCheckInterval.TotalMilliseconds;
                TryApplyRetention();
            }
        }
    }

    /// <summary>What one commit takes from the queue (queue gate held): one append under <c>always</c>, else everything up to a size cap.</summary>
    private void TakeBatch(List<PendingAppend> batch)
    {
        if (_queue.Count == 0)
        {
            return;
        }

        var take = 0;
        if (_fsync == EventLogOptions.FsyncAlways)
        {
            take = 1;
        }
        else
        {
            long bytes = 0;
            while (take < _queue.Count && (take == 0 || bytes + _queue[take].Bytes <= MaxCommitBytes))
            {
                bytes += _queue[take].Bytes;
                take++;
            }
        }

        if (take == _queue.Count)
        {
            batch.AddRange(_queue);
            _queue = [];
        }
        else
        {
            batch.AddRange(_queue.GetRange(0, take));
            _queue.RemoveRange(0, take);
        }
    }

    private void Commit(List<PendingAppend> batch)
    {
        List<FilePartition> touched = [];
        var now = NowMs();
        var maxAge = (long)TimeSpan.FromHours(_options.RetentionHours).TotalMilliseconds;
        var rolled = false;
        try
        {
            foreach (var pending in batch)
            {
                foreach (var chunk in pending.Chunks)
                {
                    if (!chunk.Partition.InCommit)
                    {
                        touched.Add(chunk.Partition);
                        rolled |= chunk.Partition.BeginCommit(now, _options.SegmentBytes, maxAge);
                    }
                }
            }

            foreach (var pending in batch)
            {
                foreach (var chunk in pending.Chunks)
                {
                    chunk.Partition.Stage(chunk);
                }
            }

            foreach (var partition in touched)
            {
                partition.WriteStaged();
            }

            if (_fsync != EventLogOptions.FsyncOs)
            {
                if (touched.Count == 1)
                {
                    touched[0].Sync();
                }
                else
                {
                    // Files of different partitions are synced side by side: the journal commits them together.
                    Parallel.ForEach(touched, partition => partition.Sync());
                }
            }
        }
        catch (Exception ex) when (IsWriteFailure(ex))
        {
            var cause = ex is AggregateException aggregate ? aggregate.Flatten().InnerExceptions[0] : ex;
            foreach (var partition in touched)
            {
                try
                {
                    partition.Rollback();
                }
                catch (Exception rollback) when (IsWriteFailure(rollback))
                {
                    partition.Abandon();
                }
            }

            EventLogLog.WriteFailed(_logger, batch.Sum(p => p.Records), cause);
            var records = batch.Sum(p => p.Records);
            _metrics.Refused.Add(records);
            foreach (var pending in batch)
            {
                pending.ReturnBuffers();
                pending.Completion.TrySetException(new EventLogUnavailableException(
                    $"the event log could not write to {Root}: {cause.Message}", RetryAfterFailure, cause));
            }

            return;
        }

        HashSet<string> topics = new(StringComparer.Ordinal);
        foreach (var partition in touched)
        {
            partition.Publish();
            topics.Add(partition.Topic);
        }

        foreach (var pending in batch)
        {
            pending.ReturnBuffers();
            pending.Completion.TrySetResult();
        }

        foreach (var topic in topics)
        {
            _groups.Notify(topic);
        }

        if (rolled)
        {
            TryApplyRetention();
        }
    }

    private void TryApplyRetention()
    {
        try
        {
            ApplyRetention();
        }
        catch (Exception ex) when (IsWriteFailure(ex))
        {
            EventLogLog.RetentionFailed(_logger, ex);
        }
    }

    private static bool IsWriteFailure(Exception ex) => ex switch
    {
        IOException or UnauthorizedAccessException => true,
        AggregateException aggregate => aggregate.Flatten().InnerExceptions.All(IsWriteFailure),
        _ => false,
    };

    private bool TryGetTopic(string name, out FileTopic topic)
    {
        if (_topics.TryGetValue(name, out topic!))
        {
            return true;
        }

        return !_writable ? false : Directory.Exists(TopicFolder(name)) && (topic = Topic(name)) is not null;
    }

    private FileTopic Topic(string name)
    {
        if (_topics.TryGetValue(name, out var topic))
        {
            return topic;
        }

        if (!TopicName().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a valid topic name (letters, digits, '.', '_' and '-', at most 249)", nameof(name));
        }

        lock (_topicsGate)
        {
            if (_topics.TryGetValue(name, out topic))
            {
                return topic;
            }

            if (!_writable)
            {
                throw new InvalidOperationException($"topic {name} does not exist in {Root}");
            }

            var folder = TopicFolder(name);
            var countFile = Path.Combine(folder, PartitionsFileName);
            if (!File.Exists(countFile))
            {
                Directory.CreateDirectory(folder);
                var temporary = countFile + ".tmp";

                // Opening a named pipe there to write would wait for a reader for good: refused naming it.
                UserFiles.RefuseUnlessRegular(temporary);
                using (var handle = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write))
                {
                    RandomAccess.Write(handle, System.Text.Encoding.ASCII.GetBytes(_options.Partitions.ToString(CultureInfo.InvariantCulture)), 0);
                    RandomAccess.FlushToDisk(handle);
                }

                File.Move(temporary, countFile);
                DirectorySync.Flush(folder);
                DirectorySync.Flush(Path.GetDirectoryName(folder)!);
            }

            topic = OpenTopic(name, folder);
            _topics[name] = topic;
            return topic;
        }
    }

    private string TopicFolder(string name) => Path.Combine(Root, TopicsFolder, name);

    private void OpenTopics()
    {
        var folder = Path.Combine(Root, TopicsFolder);
        if (_writable)
        {
            Directory.CreateDirectory(folder);
        }
        else if (!Directory.Exists(folder))
        {
            return;
        }

        foreach (var topicFolder in Directory.GetDirectories(folder))
        {
            var name = Path.GetFileName(topicFolder);
            // Anything named so, not only a file: a folder or a pipe there is refused naming it, not a topic skipped unsaid.
            if (TopicName().IsMatch(name) && Path.Exists(Path.Combine(topicFolder, PartitionsFileName)))
            {
                _topics[name] = OpenTopic(name, topicFolder);
            }
        }
    }

    private FileTopic OpenTopic(string name, string folder)
    {
        var text = UserFiles.ReadText(Path.Combine(folder, PartitionsFileName), MaxPartitionsFileBytes).Trim();
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1)
        {
            throw new InvalidDataException($"{Path.Combine(folder, PartitionsFileName)} does not hold a partition count ('{text}')");
        }

        var partitions = new FilePartition[count];
        try
        {
            for (var i = 0; i < count; i++)
            {
                // Under fsync os an acknowledged record may go with the machine, and a consumer may have read past what survived.
                var readUpTo = _fsync == EventLogOptions.FsyncOs ? 0 : _offsets.ReadUpTo(name, i);
                partitions[i] = FilePartition.Open(name, i, Path.Combine(folder, i.ToString(CultureInfo.InvariantCulture)), _writable, TornTail, _logger, _writable ? _options.TailBytes : 0, _direct, readUpTo);
            }
        }
        catch
        {
            foreach (var partition in partitions)
            {
                partition?.Dispose();
            }

            throw;
        }

        return new FileTopic(name, partitions);
    }

    /// <summary>A segment's or the offsets journal's last frame torn by a crash: cut off by the owner, skipped by a read-only view.</summary>
    private void TornTail(string path, long kept, long dropped)
    {
        if (_writable)
        {
            EventLogLog.TornTailTruncated(_logger, path, kept, dropped);
        }
        else
        {
            EventLogLog.TornTailIgnored(_logger, path, kept, dropped);
        }
    }

    private void DisposeTopics()
    {
        foreach (var topic in _topics.Values)
        {
            foreach (var partition in topic.Partitions)
            {
                partition.Dispose();
            }
        }
    }

    /// <summary>
    /// Creates the log's folder readable by its owner alone (0700), like the store's file (0600): the segments hold every
    /// event as its source sent it — subjects, token ids, addresses, the source's own object. A folder that exists is
    /// left as the operator made it.
    /// </summary>
    private static void CreateOwnerOnly(string root)
    {
        if (Directory.Exists(root))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(root);
            return;
        }

        var parent = Path.GetDirectoryName(root);
        if (!string.IsNullOrEmpty(parent))
        {
            Directory.CreateDirectory(parent);
        }

        Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>
    /// One process per folder: an exclusive lock (flock, released by the kernel when the process dies, also on SIGKILL)
    /// on <c>lock</c>; <c>lock.pid</c> names the owner in the error a second process gets.
    /// </summary>
    private static FileStream TakeLock(string root)
    {
        var path = Path.Combine(root, LockFileName);

        // Opening a named pipe there to write would wait for a reader for good; a folder would be "access denied".
        UserFiles.RefuseUnlessRegular(path);
        UserFiles.RefuseUnlessRegular(path + ".pid");
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex) when (HeldByAnother(ex))
        {
            string owner;
            try
            {
                owner = UserFiles.ReadText(path + ".pid", MaxPidFileBytes).Trim();
            }
            catch (IOException)
            {
                owner = "?";
            }

            throw new EventLogLockedException(root, owner, ex);
        }

        // Beside the lock file, not in it: the lock keeps other processes from opening the lock file itself.
        File.WriteAllText(path + ".pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        return stream;
    }

    /// <summary>
    /// The lock is another process's (EWOULDBLOCK from flock on Linux, a sharing violation on Windows), not a disk that
    /// refuses the lock file (read-only, no permission), which is a different answer to give the operator.
    /// </summary>
    private static bool HeldByAnother(IOException ex) => ex.HResult is 11 or unchecked((int)0x80070020);

    [GeneratedRegex("^(?!\\.\\.?$)[A-Za-z0-9._-]{1,249}$")]
    private static partial Regex TopicName();

    private sealed class FileTopic(string name, FilePartition[] partitions)
    {
        public string Name { get; } = name;

        public FilePartition[] Partitions { get; } = partitions;
    }

    private sealed class PendingAppend(EncodedChunk[] chunks, int records)
    {
        public EncodedChunk[] Chunks { get; } = chunks;

        public int Records { get; } = records;

        public long Bytes { get; } = chunks.Sum(c => (long)c.Length);

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Lets go of the append's hold on its chunks; a committed chunk stays in its partition's tail.</summary>
        public void ReturnBuffers()
        {
            foreach (var chunk in Chunks)
            {
                chunk.Release();
            }
        }
    }
}

/// <summary>Another process holds the event log's folder.</summary>
internal sealed class EventLogLockedException(string root, string owner, Exception inner)
    : IOException($"the event log at {root} is in use by another process (pid {owner}); one process owns an event log folder at a time", inner);
