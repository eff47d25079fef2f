namespace ZtStream.Platform.EventLog.FileLog;

/// <summary>
/// One partition of a file topic: a folder of segment files, the newest one active. Readers take a consistent view
/// under <see cref="_gate"/> and read the file outside it; the writer thread alone appends, rolls and removes
/// segments, and makes appended frames visible (<see cref="End"/>) only once they are acknowledged.
/// <para>
/// The newest acknowledged frames also stay in memory, in the pooled buffers they were encoded into and written from
/// (the tail, at most <see cref="EventLogOptions.TailBytes"/> of buffers): a consumer that keeps up reads them there
/// instead of reading back through the file what was written a moment ago. The tail grows only where the file's visible
/// end moves, under the same gate and after the commit's fsync, so it never shows a record the file would not, and its
/// bytes are the very bytes the file holds. A buffer goes back to the pool once the tail and every batch reading it let go
/// (<see cref="EncodedChunk.Release"/>).
/// </para>
/// </summary>
internal sealed class FilePartition : IDisposable
{
    private const int ReadChunk = 64 * 1024; // below the large-object heap threshold, and a size the shared pool keeps

    private readonly Lock _gate = new();
    private readonly string _folder;
    private readonly ILogger _logger;
    private readonly long _tailBytes;
    private readonly DirectWrites? _direct;
    private Segment[] _segments;

    // The tail: published chunks, oldest first, linked through EncodedChunk.Next; each holds one hold of the tail's.
    private EncodedChunk? _tailFirst;
    private EncodedChunk? _tailLast;
    private long _tailHeld;

    // Writer-thread state of the commit in progress.
    private readonly List<ReadOnlyMemory<byte>> _staged = [];
    private readonly List<(long Offset, long Position)> _stagedIndex = [];
    private readonly List<EncodedChunk> _stagedChunks = [];
    private long _writeOffset;
    private long _writePosition;
    private long _stagedFirstTimestamp = -1;
    private long _stagedMaxTimestamp = -1;
    private bool _inCommit;
    private bool _dirtyTail;
    private DirectStaging? _staging;

    private FilePartition(string topic, int index, string folder, Segment[] segments, ILogger logger, long tailBytes, DirectWrites? direct)
    {
        _tailBytes = tailBytes;
        _direct = direct;
        Topic = topic;
        Index = index;
        _folder = folder;
        _logger = logger;
        _segments = segments;
        var active = segments.Length > 0 ? segments[^1] : null;
        _writeOffset = active?.NextOffset ?? 0;
        _writePosition = active?.Size ?? 0;
    }

    public string Topic { get; }

    public int Index { get; }

    /// <summary>True while the writer has staged frames of the current commit here.</summary>
    public bool InCommit => _inCommit;

    public (long Start, long End) Bounds
    {
        get
        {
            lock (_gate)
            {
                return BoundsUnlocked();
            }
        }
    }

    /// <summary>Bytes held on disk by acknowledged frames.</summary>
    public long SizeInBytes
    {
        get
        {
            lock (_gate)
            {
                return _segments.Sum(s => s.Size);
            }
        }
    }

    /// <summary>
    /// Opens the partition's folder. Every segment but the newest is trusted through its index file (or scanned when
    /// that is missing or is no index of it, and the index written again when <paramref name="writable"/>); the newest is
    /// always scanned, and a torn tail is cut off when <paramref name="writable"/>. Up to <paramref name="tailBytes"/> of
    /// the chunks acknowledged from now on are kept in memory for consumers. With <paramref name="direct"/> the active
    /// segment is written (and read) without the page cache where the filesystem allows it (<see cref="DirectFile"/>);
    /// the zero padding such writes leave after a crash is cut without a word. Consumers were handed every record before
    /// <paramref name="readUpTo"/>, so those were acknowledged: bytes that are no whole record before it are damage, not
    /// the torn tail of a crash, and the partition is refused rather than cut (pass 0 where acknowledged records may
    /// be lost with the machine, <c>Fsync</c> <c>os</c>).
    /// </summary>
    public static FilePartition Open(string topic, int index, string folder, bool writable, Action<string, long, long> tornTail, ILogger logger, long tailBytes = 0, DirectWrites? direct = null, long readUpTo = 0)
    {
        Directory.CreateDirectory(folder);
        // Every entry named as a segment, so one that is not a file is refused naming it rather than its records left out unsaid.
        var paths = Directory.GetFileSystemEntries(folder, "*.log").Order(StringComparer.Ordinal).ToArray();
        var segments = new List<Segment>(paths.Length);
        try
        {
            for (var i = 0; i < paths.Length; i++)
            {
                var newest = i == paths.Length - 1;
                var (segment, trailing, indexProblem, padding) = Segment.Open(paths[i], writable, trustIndex: !newest, newest ? direct : null);
                segments.Add(segment);
                if (padding > 0 && writable)
                {
                    segment.TruncateToSize();
                }

                if (trailing > 0 && writable && readUpTo > segment.NextOffset)
                {
                    throw new InvalidDataException(
                        $"{segment.LogPath} is damaged at byte {segment.Size}: the record with offset {segment.NextOffset} is not whole and intact, and consumers had read up to offset {readUpTo}, so it was acknowledged — "
                        + "this is no torn tail of a crash, and cutting it off would lose acknowledged records. It is left as it is: restore the folder from a backup, or move this segment and those after it aside to go on without their records");
                }

                if (trailing > 0)
                {
                    tornTail(segment.LogPath, segment.Size, trailing);
                    if (writable)
                    {
                        segment.TruncateToSize();
                    }
                }

                if (indexProblem is not null && writable && TryWriteIndex(segment, logger))
                {
                    EventLogLog.IndexRewritten(logger, segment.IndexPath, indexProblem);
                }
            }
        }
        catch
        {
            segments.ForEach(s => s.Dispose());
            throw;
        }

        return new FilePartition(topic, index, folder, [.. segments], logger, tailBytes, direct);
    }

    /// <summary>
    /// Adds up to <paramref name="max"/> acknowledged records from <paramref name="from"/> on to <paramref name="batch"/>.
    /// Their values are slices of the arrays read into: rented from <paramref name="buffers"/> when given (the records are
    /// then valid until those are returned), else arrays of their own that live as long as the records. With
    /// <paramref name="buffers"/>, records still in the tail are slices of its chunks instead, held in
    /// <paramref name="buffers"/> likewise; the file is not read for them.
    /// </summary>
    public void Read(long from, int max, List<ConsumedRecord> batch, ReadBuffers? buffers = null)
    {
        var added = 0;
        for (var round = 0; added < max && round < 64; round++)
        {
            Segment? segment = null;
            EncodedChunk? tail = null;
            long position = 0, limit = 0, tailStop = 0;
            lock (_gate)
            {
                var (start, end) = BoundsUnlocked();
                from = Math.Max(from, start);
                if (from >= end)
                {
                    return;
                }

                if (buffers is not null && TailChunkHolding(from) is { } first)
                {
                    tail = first;
                    tailStop = Math.Min(end, from + (max - added));
                    HoldTail(first, tailStop, buffers);
                }
                else
                {
                    for (var i = _segments.Length - 1; i >= 0; i--)
                    {
                        if (_segments[i].BaseOffset <= from)
                        {
                            segment = _segments[i];
                            if (from >= segment.NextOffset && i + 1 < _segments.Length)
                            {
                                // A gap between segments (a damaged segment was cut short): go on with the next one.
                                segment = _segments[i + 1];
                                from = segment.BaseOffset;
                            }

                            break;
                        }
                    }

                    if (segment is null || from >= segment.NextOffset)
                    {
                        return;
                    }

                    position = segment.Floor(from).Position;
                    limit = segment.Size;
                }
            }

            if (tail is not null)
            {
                // Every record from here to the stop is in memory: no read of the file.
                ReadTail(tail, from, tailStop, batch);
                return;
            }

            int read;
            try
            {
                read = ReadFrom(segment!, position, limit, from, max - added, batch, buffers);
            }
            catch (ObjectDisposedException)
            {
                continue; // retention removed the segment meanwhile: look again
            }

            if (read == 0)
            {
                return;
            }

            added += read;
            from = batch[^1].Offset + 1;
        }
    }

    /// <summary>Starts a commit here (writer thread): rolls the segment if it is full or too old; true when it rolled.</summary>
    public bool BeginCommit(long nowMs, long segmentBytes, long maxAgeMs)
    {
        if (_dirtyTail)
        {
            // A failed commit could not cut its partial frames off: do it before anything is appended after them.
            Rollback();
        }

        var active = Active;
        if (active is null
            || active.Size >= segmentBytes
            || (active.Size > 0 && active.FirstTimestampMs >= 0 && nowMs - active.FirstTimestampMs >= maxAgeMs))
        {
            Roll(active);
            _inCommit = true;
            return true;
        }

        _inCommit = true;
        return false;
    }

    /// <summary>Assigns offsets to a chunk's frames and queues them for this commit's write (writer thread).</summary>
    public void Stage(EncodedChunk chunk)
    {
        chunk.FirstOffset = _writeOffset;
        if (_tailBytes > 0)
        {
            _stagedChunks.Add(chunk);
        }

        var buffer = chunk.Buffer.AsSpan();
        for (var i = 0; i < chunk.FrameCount; i++)
        {
            var start = chunk.FrameStarts[i];
            RecordFrame.StampOffset(buffer[start..], _writeOffset);
            _stagedIndex.Add((_writeOffset, _writePosition + start));
            _writeOffset++;
        }

        _staged.Add(chunk.Buffer.AsMemory(0, chunk.Length));
        _writePosition += chunk.Length;
        _stagedFirstTimestamp = _stagedFirstTimestamp < 0 ? chunk.MinTimestampMs : Math.Min(_stagedFirstTimestamp, chunk.MinTimestampMs);
        _stagedMaxTimestamp = Math.Max(_stagedMaxTimestamp, chunk.MaxTimestampMs);
    }

    /// <summary>
    /// Writes everything staged at the end of the active segment: directly, as whole blocks from the staging buffer,
    /// where the segment is written so; else with one (vectored) write through the page cache.
    /// </summary>
    public void WriteStaged()
    {
        var active = Active!;
        _dirtyTail = true;
        if (active.DirectWriteHandle is { } direct)
        {
            try
            {
                (_staging ??= new DirectStaging()).Append(active, direct, _staged, active.Size);
                active.WroteDirect();
                return;
            }
            catch (IOException ex) when (ex.HResult == DirectFile.Refused && active.FallBack(_direct!, ex.Message))
            {
                // Some filesystems take O_DIRECT at open and refuse it at the first write: through the page cache, as before.
            }
        }

        RandomAccess.Write(active.Handle, _staged, active.Size);
    }

    public void Sync() => RandomAccess.FlushToDisk(Active!.Handle);

    /// <summary>Makes the commit's frames visible to readers (writer thread).</summary>
    public void Publish()
    {
        var active = Active!;
        lock (_gate)
        {
            foreach (var (offset, position) in _stagedIndex)
            {
                active.Index(offset, position);
            }

            active.Publish(_writePosition, _writeOffset, _stagedFirstTimestamp, _stagedMaxTimestamp);
            KeepInTail();
        }

        _dirtyTail = false;
        EndCommit();
    }

    /// <summary>Undoes a failed commit: cuts the active segment back to its acknowledged size (writer thread).</summary>
    public void Rollback()
    {
        var active = Active;
        if (active is not null)
        {
            _writeOffset = active.NextOffset;
            _writePosition = active.Size;
            RandomAccess.SetLength(active.Handle, active.Size);
        }

        _dirtyTail = false;
        EndCommit();
    }

    /// <summary>Forgets what was staged after a failure whose rollback itself failed; the next commit retries it.</summary>
    public void Abandon()
    {
        _dirtyTail = true;
        var active = Active;
        _writeOffset = active?.NextOffset ?? _writeOffset;
        _writePosition = active?.Size ?? 0;
        EndCommit();
    }

    /// <summary>
    /// Removes whole segments, oldest first, whose newest record is older than <paramref name="maxAgeMs"/> or while
    /// the partition is over <paramref name="maxBytes"/> (0: no size limit). The active segment always stays.
    /// </summary>
    public int ApplyRetention(long nowMs, long maxAgeMs, long maxBytes)
    {
        List<Segment> removed = [];
        lock (_gate)
        {
            var total = _segments.Sum(s => s.Size);
            var keepFrom = 0;
            while (keepFrom < _segments.Length - 1)
            {
                var oldest = _segments[keepFrom];
                var expired = oldest.MaxTimestampMs >= 0 && nowMs - oldest.MaxTimestampMs > maxAgeMs;
                var oversize = maxBytes > 0 && total > maxBytes;
                if (!expired && !oversize)
                {
                    break;
                }

                total -= oldest.Size;
                removed.Add(oldest);
                keepFrom++;
            }

            if (keepFrom > 0)
            {
                _segments = _segments[keepFrom..];
            }
        }

        foreach (var segment in removed)
        {
            segment.Delete();
        }

        return removed.Count;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            try
            {
                Active?.CutPadding();
            }
            catch (IOException)
            {
                // Left as a crash would leave it: the next open takes the padding for what it is and cuts it.
            }

            foreach (var segment in _segments)
            {
                segment.Dispose();
            }

            for (var chunk = _tailFirst; chunk is not null; chunk = chunk.Next)
            {
                chunk.Release();
            }

            _tailFirst = _tailLast = null;
            _tailHeld = 0;
        }
    }

    private Segment? Active => _segments.Length > 0 ? _segments[^1] : null;

    private (long Start, long End) BoundsUnlocked() =>
        _segments.Length == 0 ? (0, 0) : (_segments[0].BaseOffset, _segments[^1].NextOffset);

    /// <summary>
    /// Adds the commit's chunks to the tail, each with a hold of the tail's, and lets go of the oldest while the tail
    /// holds more than its bound (gate held, writer thread, the append's own hold still alive).
    /// </summary>
    private void KeepInTail()
    {
        foreach (var chunk in _stagedChunks)
        {
            chunk.Hold();
            if (_tailLast is null)
            {
                _tailFirst = chunk;
            }
            else
            {
                _tailLast.Next = chunk;
            }

            _tailLast = chunk;
            _tailHeld += chunk.Buffer.Length;
        }

        while (_tailFirst is not null && _tailHeld > _tailBytes)
        {
            var oldest = _tailFirst;
            _tailHeld -= oldest.Buffer.Length;
            _tailFirst = oldest.Next;
            oldest.Release();
        }

        if (_tailFirst is null)
        {
            _tailLast = null;
        }
    }

    /// <summary>The tail's chunk holding offset <paramref name="from"/>, or null when the tail does not reach back to it (gate held).</summary>
    private EncodedChunk? TailChunkHolding(long from)
    {
        if (_tailFirst is null || from < _tailFirst.FirstOffset)
        {
            return null;
        }

        // A reader that keeps up asks for the newest chunks: the walk is short, and bounded by the tail's size.
        var chunk = _tailFirst;
        while (chunk.Next is { } next && next.FirstOffset <= from)
        {
            chunk = next;
        }

        return chunk;
    }

    /// <summary>Holds every tail chunk from <paramref name="first"/> with records below <paramref name="stop"/> for the batch of <paramref name="buffers"/> (gate held).</summary>
    private static void HoldTail(EncodedChunk first, long stop, ReadBuffers buffers)
    {
        for (var chunk = first; chunk is not null && chunk.FirstOffset < stop; chunk = chunk.Next)
        {
            chunk.Hold();
            buffers.Keep(chunk);
        }
    }

    /// <summary>
    /// Adds the records from <paramref name="from"/> up to <paramref name="stop"/> from the tail, starting in
    /// <paramref name="chunk"/> (outside the gate: every chunk they are in is held, and nobody writes a published chunk).
    /// </summary>
    private void ReadTail(EncodedChunk chunk, long from, long stop, List<ConsumedRecord> batch)
    {
        var headers = new RecordFrame.HeaderCache();
        for (EncodedChunk? at = chunk; at is not null && from < stop; at = at.Next)
        {
            for (var i = (int)(from - at.FirstOffset); i < at.FrameCount && from < stop; i++, from++)
            {
                var start = at.FrameStarts[i];
                batch.Add(RecordFrame.Decode(Topic, Index, at.Buffer, start, RecordFrame.LengthOf(at.Buffer.AsSpan(start, at.Length - start)), headers));
            }
        }
    }

    private void EndCommit()
    {
        _staged.Clear();
        _stagedIndex.Clear();
        _stagedChunks.Clear();
        _stagedFirstTimestamp = -1;
        _stagedMaxTimestamp = -1;
        _inCommit = false;
    }

    /// <summary>Seals the active segment (on disk, with its index) and starts the next one at the next offset.</summary>
    private void Roll(Segment? active)
    {
        if (active is not null)
        {
            if (active.DirectWriteHandle is not null)
            {
                active.CutPadding(); // to its logical size, synced, and read through the page cache from now on
            }
            else
            {
                RandomAccess.FlushToDisk(active.Handle);
            }

            TryWriteIndex(active, _logger);
        }

        var next = Segment.Create(_folder, _writeOffset, _direct);
        try
        {
            RandomAccess.FlushToDisk(next.Handle);
            DirectorySync.Flush(_folder);
        }
        catch
        {
            next.Dispose();
            throw;
        }

        lock (_gate)
        {
            _segments = [.. _segments, next];
        }

        _writePosition = 0;
    }

    /// <summary>
    /// Writes a sealed segment's index; one that cannot be written (a named pipe or a folder in place of its <c>.tmp</c>, a
    /// full disk) is said and left out: an index is a shortcut, and a segment without one is scanned when the log opens.
    /// </summary>
    private static bool TryWriteIndex(Segment segment, ILogger logger)
    {
        try
        {
            segment.WriteIndex();
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            EventLogLog.IndexNotWritten(logger, segment.IndexPath, ex.Message);
            return false;
        }
    }

    private int ReadFrom(Segment segment, long position, long limit, long from, int max, List<ConsumedRecord> batch, ReadBuffers? buffers)
    {
        var read = 0;
        long scannedBytes = 0, scannedFrames = 0;
        var headers = new RecordFrame.HeaderCache();
        while (read < max && position < limit)
        {
            var size = (int)Math.Min(ChunkFor(max - read, scannedBytes, scannedFrames), limit - position);
            var buffer = Filled(segment, position, size, buffers);
            var first = RecordFrame.LengthOf(buffer.AsSpan(0, size));
            if (first < RecordFrame.MinSize || first > RecordFrame.MaxSize || position + first > limit)
            {
                break; // acknowledged data never looks like this
            }

            if (first > size)
            {
                // One record larger than the chunk: read exactly that frame.
                buffer = Filled(segment, position, first, buffers);
                size = first;
            }

            var at = 0;
            while (read < max)
            {
                // Bounded by size, not the array: a rented array is longer, and its tail holds an earlier read's bytes.
                var length = RecordFrame.LengthOf(buffer.AsSpan(at, size - at));
                if (length < RecordFrame.MinSize || at + length > size)
                {
                    break;
                }

                if (RecordFrame.OffsetOf(buffer.AsSpan(at)) >= from)
                {
                    batch.Add(RecordFrame.Decode(Topic, Index, buffer, at, length, headers));
                    read++;
                }

                at += length;
                scannedFrames++;
            }

            scannedBytes += at;
            position += at;
        }

        return read;
    }

    /// <summary>
    /// How many bytes to read for <paramref name="wanted"/> more records: a whole <see cref="ReadChunk"/> until frames
    /// were seen, then what that many frames of the average size seen take, plus one, so that the last chunk of a read
    /// that stops at its <c>max</c> is not mostly frames it drops (and reads again next time). A short guess costs one
    /// more, smaller read: the loop reads on until it has <paramref name="wanted"/> records.
    /// </summary>
    internal static int ChunkFor(int wanted, long scannedBytes, long scannedFrames)
    {
        if (scannedFrames == 0)
        {
            return ReadChunk;
        }

        var average = (scannedBytes + scannedFrames - 1) / scannedFrames;
        return (int)Math.Clamp((wanted + 1) * average, RecordFrame.MinSize, ReadChunk);
    }

    /// <summary>The <paramref name="size"/> bytes at <paramref name="position"/>, at the start of an array at least that long.</summary>
    private static byte[] Filled(Segment segment, long position, int size, ReadBuffers? buffers)
    {
        var buffer = buffers?.Rent(size) ?? new byte[size];
        segment.ReadExactly(buffer.AsSpan(0, size), position);
        return buffer;
    }
}
