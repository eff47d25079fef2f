namespace ZtStream.Platform.EventLog.FileLog;

/// <summary>
/// One partition of a file topic: a folder of segment files, the newest one active. Readers take a consistent view
/// under <see cref="_gate"/> and read the file outside it; the writer thread alone appends, rolls and removes
/// segments, and makes appended frames visible (<see cref="End"/>) only once they are acknowledged.
/// <para>
/// The newest acknowledged frames also stay in memory, in the buffers they were encoded into (the tail, at most
/// <see cref="EventLogOptions.TailBytes"/>): a consumer that keeps up reads them from there instead of reading back
/// through the file what was written a moment ago. The tail grows only where the file's visible end moves (after the
/// commit's fsync), so it never shows a record the file would not.
/// </para>
/// </summary>
internal sealed class FilePartition : IDisposable
{
    private const int ReadChunk = 64 * 1024; // below the large-object heap threshold: one short-lived array per read

    private readonly Lock _gate = new();
    private readonly string _folder;
    private readonly long _tailBytes;
    private Segment[] _segments;

    // The tail: acknowledged chunks, oldest first, each linked to the next once that one is published.
    private TailChunk? _tailFirst;
    private TailChunk? _tailLast;
    private long _tailHeld;

    // Writer-thread state of the commit in progress.
    private readonly List<ReadOnlyMemory<byte>> _staged = [];
    private readonly List<(long Offset, long Position)> _stagedIndex = [];
    private readonly List<TailChunk> _stagedTail = [];
    private long _writeOffset;
    private long _writePosition;
    private long _stagedFirstTimestamp = -1;
    private long _stagedMaxTimestamp = -1;
    private bool _inCommit;
    private bool _dirtyTail;

    private FilePartition(string topic, int index, string folder, Segment[] segments, long tailBytes)
    {
        Topic = topic;
        Index = index;
        _folder = folder;
        _segments = segments;
        _tailBytes = tailBytes;
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
    /// that is missing); the newest is always scanned, and a torn tail is cut off when <paramref name="writable"/>.
    /// Up to <paramref name="tailBytes"/> of the frames acknowledged from now on are kept in memory for readers.
    /// </summary>
    public static FilePartition Open(string topic, int index, string folder, bool writable, Action<string, long, long> tornTail, long tailBytes = 0)
    {
        Directory.CreateDirectory(folder);
        var paths = Directory.GetFiles(folder, "*.log").Order(StringComparer.Ordinal).ToArray();
        var segments = new List<Segment>(paths.Length);
        try
        {
            for (var i = 0; i < paths.Length; i++)
            {
                var newest = i == paths.Length - 1;
                var (segment, trailing) = Segment.Open(paths[i], writable, trustIndex: !newest);
                if (trailing > 0)
                {
                    tornTail(segment.LogPath, segment.Size, trailing);
                    if (writable)
                    {
                        segment.TruncateToSize();
                    }
                }

                segments.Add(segment);
            }
        }
        catch
        {
            segments.ForEach(s => s.Dispose());
            throw;
        }

        return new FilePartition(topic, index, folder, [.. segments], tailBytes);
    }

    /// <summary>Adds up to <paramref name="max"/> acknowledged records from <paramref name="from"/> on to <paramref name="batch"/>.</summary>
    public void Read(long from, int max, List<ConsumedRecord> batch)
    {
        var added = 0;
        for (var round = 0; added < max && round < 64; round++)
        {
            Segment? segment = null;
            TailChunk? tail;
            long position, limit, tailEnd;
            lock (_gate)
            {
                var (start, end) = BoundsUnlocked();
                from = Math.Max(from, start);
                if (from >= end)
                {
                    return;
                }

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

                tail = TailChunkHolding(from);
                position = segment.Floor(from).Position;
                limit = segment.Size;
                tailEnd = end;
            }

            if (tail is not null)
            {
                // Every frame from here to the end is in memory: no read of the file.
                ReadTail(tail, from, tailEnd, max - added, batch);
                return;
            }

            int read;
            try
            {
                read = ReadFrom(segment, position, limit, from, max - added, batch);
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
        if (_tailBytes > 0)
        {
            _stagedTail.Add(new TailChunk(chunk, _writeOffset));
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

    /// <summary>Writes everything staged with one (vectored) write at the end of the active segment.</summary>
    public void WriteStaged()
    {
        var active = Active!;
        _dirtyTail = true;
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
            foreach (var segment in _segments)
            {
                segment.Dispose();
            }
        }
    }

    private Segment? Active => _segments.Length > 0 ? _segments[^1] : null;

    private (long Start, long End) BoundsUnlocked() =>
        _segments.Length == 0 ? (0, 0) : (_segments[0].BaseOffset, _segments[^1].NextOffset);

    /// <summary>Adds the commit's chunks to the tail and lets go of the oldest past the bound (gate held, writer thread).</summary>
    private void KeepInTail()
    {
        foreach (var chunk in _stagedTail)
        {
            if (_tailLast is null)
            {
                _tailFirst = chunk;
            }
            else
            {
                Volatile.Write(ref _tailLast.Next, chunk);
            }

            _tailLast = chunk;
            _tailHeld += chunk.Chunk.Length;
        }

        while (_tailFirst is not null && _tailHeld > _tailBytes)
        {
            _tailHeld -= _tailFirst.Chunk.Length;
            _tailFirst = _tailFirst.Next;
        }

        if (_tailFirst is null)
        {
            _tailLast = null;
            _tailHeld = 0;
        }
    }

    /// <summary>The tail's chunk that holds offset <paramref name="from"/>, or null when the tail does not reach back to it (gate held).</summary>
    private TailChunk? TailChunkHolding(long from)
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

    /// <summary>
    /// Adds the frames from <paramref name="from"/> to <paramref name="end"/> (acknowledged when the gate was held) from
    /// the tail, starting in <paramref name="chunk"/>; a record's value is a slice of the chunk's buffer, which nobody
    /// writes again.
    /// </summary>
    private void ReadTail(TailChunk chunk, long from, long end, int max, List<ConsumedRecord> batch)
    {
        var headers = new RecordFrame.HeaderCache();
        var read = 0;
        for (TailChunk? at = chunk; at is not null && read < max && from < end; at = Volatile.Read(ref at.Next))
        {
            var encoded = at.Chunk;
            for (var i = (int)(from - at.FirstOffset); i < encoded.FrameCount && read < max && from < end; i++)
            {
                var start = encoded.FrameStarts[i];
                batch.Add(RecordFrame.Decode(Topic, Index, encoded.Buffer, start, RecordFrame.LengthOf(encoded.Buffer.AsSpan(start)), headers));
                read++;
                from++;
            }
        }
    }

    private void EndCommit()
    {
        _staged.Clear();
        _stagedIndex.Clear();
        _stagedTail.Clear();
        _stagedFirstTimestamp = -1;
        _stagedMaxTimestamp = -1;
        _inCommit = false;
    }

    /// <summary>Seals the active segment (on disk, with its index) and starts the next one at the next offset.</summary>
    private void Roll(Segment? active)
    {
        if (active is not null)
        {
            RandomAccess.FlushToDisk(active.Handle);
            active.WriteIndex();
        }

        var next = Segment.Create(_folder, _writeOffset);
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

    private int ReadFrom(Segment segment, long position, long limit, long from, int max, List<ConsumedRecord> batch)
    {
        var read = 0;
        var headers = new RecordFrame.HeaderCache();
        while (read < max && position < limit)
        {
            var size = (int)Math.Min(ReadChunk, limit - position);
            var buffer = new byte[size];
            Fill(segment, buffer, position);
            var first = RecordFrame.LengthOf(buffer);
            if (first < RecordFrame.MinSize || first > RecordFrame.MaxSize || position + first > limit)
            {
                break; // acknowledged data never looks like this
            }

            if (first > size)
            {
                // One record larger than a chunk: read exactly that frame.
                buffer = new byte[first];
                Fill(segment, buffer, position);
                size = first;
            }

            var at = 0;
            while (read < max)
            {
                var length = RecordFrame.LengthOf(buffer.AsSpan(at));
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
            }

            position += at;
        }

        return read;
    }

    private static void Fill(Segment segment, byte[] buffer, long position)
    {
        var done = 0;
        while (done < buffer.Length)
        {
            var n = RandomAccess.Read(segment.Handle, buffer.AsSpan(done), position + done);
            if (n == 0)
            {
                throw new IOException($"{segment.LogPath} ended at {position + done}, before its acknowledged size");
            }

            done += n;
        }
    }

    /// <summary>A published chunk of the tail: its frames hold offsets <see cref="FirstOffset"/> on.</summary>
    private sealed class TailChunk(EncodedChunk chunk, long firstOffset)
    {
        public readonly EncodedChunk Chunk = chunk;
        public readonly long FirstOffset = firstOffset;

        /// <summary>The chunk published after this one; set once, by the writer, under the gate.</summary>
        public TailChunk? Next;
    }
}
