namespace ZtStream.Platform.EventLog.FileLog;

/// <summary>
/// One segment file of a partition (<c>{base offset:D20}.log</c>): frames of consecutive offsets from
/// <see cref="BaseOffset"/>, a sparse in-memory index (one entry per <see cref="IndexInterval"/> bytes) to find an
/// offset without scanning, and once sealed a <c>.index</c> file beside it so opening the log need not scan it again.
/// <see cref="Size"/> and <see cref="NextOffset"/> cover acknowledged frames only; the writer appends past them and
/// publishes under the partition's gate, which also guards the index.
/// <para>
/// The active segment is written directly (<see cref="DirectFile"/>) where the filesystem allows it, in whole blocks:
/// the file may then run past <see cref="Size"/> by zero padding (less than a block), cut off when the segment is sealed
/// or the log closes, and taken for padding, not a torn tail, when a crash left it. While it is written so it is also
/// read so: a buffered read would bring the partial last block into the page cache, and a direct write that cannot
/// invalidate that page (a read holding it at that moment) leaves a stale copy that later buffered reads would return.
/// Once sealed it is read through the page cache again, as segments opened sealed always are.
/// </para>
/// </summary>
internal sealed class Segment : IDisposable
{
    public const int IndexInterval = 4096;
    private const uint IndexMagic = 0x5A54_4958; // "ZTIX"
    private const int IndexVersion = 1;
    private const int IndexHeaderSize = 4 + 4 + 8 + 8 + 8 + 8 + 4;

    private readonly List<long> _indexOffsets = [];
    private readonly List<long> _indexPositions = [];
    private long _lastIndexedPosition = -IndexInterval;
    private SafeFileHandle? _directWrite;
    private SafeFileHandle? _directRead;
    private volatile bool _readsDirect;
    private bool _writtenDirect;

    private Segment(string logPath, long baseOffset, SafeFileHandle handle)
    {
        LogPath = logPath;
        BaseOffset = baseOffset;
        NextOffset = baseOffset;
        Handle = handle;
    }

    public string LogPath { get; }

    public string IndexPath => Path.ChangeExtension(LogPath, ".index");

    public long BaseOffset { get; }

    public SafeFileHandle Handle { get; }

    /// <summary>The handle appends go through directly, or null when they go through <see cref="Handle"/> (writer thread).</summary>
    public SafeFileHandle? DirectWriteHandle => _directWrite;

    /// <summary>Bytes of acknowledged frames.</summary>
    public long Size { get; private set; }

    /// <summary>The offset after the last acknowledged frame.</summary>
    public long NextOffset { get; private set; }

    /// <summary>Unix ms of the first and the newest record; -1 while empty.</summary>
    public long FirstTimestampMs { get; private set; } = -1;

    public long MaxTimestampMs { get; private set; } = -1;

    public static string FileName(long baseOffset) => $"{baseOffset:D20}.log";

    public static Segment Create(string folder, long baseOffset, DirectWrites? direct = null)
    {
        var path = Path.Combine(folder, FileName(baseOffset));

        // A leftover empty file of the same name (a crash right after creating it) is simply reused.
        var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        RandomAccess.SetLength(handle, 0);
        var segment = new Segment(path, baseOffset, handle);
        if (direct is not null)
        {
            segment.UseDirect(direct, writable: true);
        }

        return segment;
    }

    /// <summary>
    /// Opens a segment file: from its <c>.index</c> when <paramref name="trustIndex"/> and the index matches the file,
    /// else by scanning every frame (length, CRC and offset sequence). A scan stops at the first frame that is not
    /// whole and intact; <see cref="OpenResult.TrailingBytes"/> says how much follows it (a torn tail after a crash), and
    /// <see cref="OpenResult.IndexProblem"/> why an index that was to be trusted was not. Less than a block of zeros that
    /// ends the file at a block boundary is the padding of a direct write (<see cref="OpenResult.PaddingBytes"/>), not a
    /// torn tail. With <paramref name="direct"/> (the newest segment) the file is read, and when
    /// <paramref name="writable"/> written, directly where that is allowed.
    /// </summary>
    public static OpenResult Open(string path, bool writable, bool trustIndex, DirectWrites? direct = null)
    {
        if (!long.TryParse(Path.GetFileNameWithoutExtension(path), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var baseOffset))
        {
            throw new InvalidDataException($"'{path}' is no segment of the log: a segment is named by its first offset ({FileName(0)})");
        }

        UserFiles.RefuseUnlessRegular(path);
        var handle = File.OpenHandle(path, FileMode.Open, writable ? FileAccess.ReadWrite : FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var segment = new Segment(path, baseOffset, handle);
        if (direct is not null)
        {
            segment.UseDirect(direct, writable);
        }

        var length = RandomAccess.GetLength(handle);
        var problem = trustIndex ? segment.LoadIndex(length) : null;
        if (trustIndex && problem is null)
        {
            return new OpenResult(segment, 0, null, 0);
        }

        segment.Scan(length);
        var trailing = length - segment.Size;
        return segment.IsPadding(length)
            ? new OpenResult(segment, 0, problem, trailing)
            : new OpenResult(segment, trailing, problem, 0);
    }

    /// <summary>
    /// Reads exactly <paramref name="destination"/>'s length from <paramref name="position"/>: directly while the segment
    /// is written so, else through the page cache.
    /// </summary>
    public void ReadExactly(Span<byte> destination, long position)
    {
        var done = 0;
        while (done < destination.Length)
        {
            var n = ReadUpTo(destination[done..], position + done);
            if (n == 0)
            {
                throw new IOException($"{LogPath} ended at {position + done}, before its acknowledged size");
            }

            done += n;
        }
    }

    /// <summary>
    /// Makes appends go directly to the file, and reads with them, once the file takes direct handles (when
    /// <paramref name="writable"/> and <paramref name="direct"/> is on); a read-only view reads the newest segment
    /// directly whenever it can, since the process that owns the log may be writing it so.
    /// </summary>
    public void UseDirect(DirectWrites direct, bool writable)
    {
        if (writable && !direct.Enabled)
        {
            return;
        }

        var read = direct.TryOpen(LogPath, write: false, out var reason);
        var write = read is not null && writable ? direct.TryOpen(LogPath, write: true, out reason) : null;
        if (read is null || (writable && write is null))
        {
            read?.Dispose();
            if (writable)
            {
                direct.Refused(LogPath, reason!);
            }

            return;
        }

        (_directRead, _directWrite, _readsDirect) = (read, write, true);
    }

    /// <summary>Notes that a direct write was made, after which a refusal is a failure, not a filesystem without direct I/O (writer).</summary>
    public void WroteDirect() => _writtenDirect = true;

    /// <summary>
    /// Goes back to writing and reading through the page cache after the filesystem refused the first direct write
    /// (writer thread); true when it did, false when direct writes had already been made (the refusal is then a failure).
    /// </summary>
    public bool FallBack(DirectWrites direct, string reason)
    {
        if (_writtenDirect || _directWrite is null)
        {
            return false;
        }

        direct.Refused(LogPath, reason);
        StopDirect();
        return true;
    }

    /// <summary>
    /// Seals a directly written segment, or closes the log with it: the zero padding past <see cref="Size"/> is cut and
    /// the cut made durable, and reads go through the page cache from here on (writer thread, no write in flight).
    /// </summary>
    public void CutPadding()
    {
        if (_directWrite is null)
        {
            return;
        }

        StopDirect();
        TruncateToSize();
    }

    /// <summary>Cuts the file back to its last whole frame (after <see cref="Open"/> found a torn tail).</summary>
    public void TruncateToSize()
    {
        RandomAccess.SetLength(Handle, Size);
        RandomAccess.FlushToDisk(Handle);
    }

    /// <summary>Makes frames <see cref="Size"/>.. up to <paramref name="size"/> acknowledged (writer, partition gate held).</summary>
    public void Publish(long size, long nextOffset, long firstTimestampMs, long maxTimestampMs)
    {
        Size = size;
        NextOffset = nextOffset;
        if (FirstTimestampMs < 0)
        {
            FirstTimestampMs = firstTimestampMs;
        }

        MaxTimestampMs = Math.Max(MaxTimestampMs, maxTimestampMs);
    }

    /// <summary>Notes where <paramref name="offset"/> starts when it is far enough from the last entry (partition gate held).</summary>
    public void Index(long offset, long position)
    {
        if (position - _lastIndexedPosition >= IndexInterval)
        {
            _indexOffsets.Add(offset);
            _indexPositions.Add(position);
            _lastIndexedPosition = position;
        }
    }

    /// <summary>The nearest indexed frame at or before <paramref name="offset"/> (partition gate held).</summary>
    public (long Offset, long Position) Floor(long offset)
    {
        var at = _indexOffsets.BinarySearch(offset);
        if (at < 0)
        {
            at = ~at - 1;
        }

        return at < 0 ? (BaseOffset, 0) : (_indexOffsets[at], _indexPositions[at]);
    }

    /// <summary>
    /// Writes the <c>.index</c> file of a sealed segment (its data is already on disk): beside it as <c>.index.tmp</c>, synced,
    /// renamed over it. What is in place of the <c>.tmp</c> must be a regular file: opening a named pipe there to write would
    /// wait for a reader for good (an <see cref="IOException"/> naming it instead).
    /// </summary>
    public void WriteIndex()
    {
        var count = _indexOffsets.Count;
        var bytes = new byte[IndexHeaderSize + (count * 16) + 4];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, IndexMagic);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], IndexVersion);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], NextOffset);
        BinaryPrimitives.WriteInt64LittleEndian(span[16..], Size);
        BinaryPrimitives.WriteInt64LittleEndian(span[24..], FirstTimestampMs);
        BinaryPrimitives.WriteInt64LittleEndian(span[32..], MaxTimestampMs);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..], count);
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[(IndexHeaderSize + (i * 16))..], _indexOffsets[i]);
            BinaryPrimitives.WriteInt64LittleEndian(span[(IndexHeaderSize + (i * 16) + 8)..], _indexPositions[i]);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(span[^4..], RecordFrame.Crc32C(span[..^4]));
        var temporary = IndexPath + ".tmp";
        UserFiles.RefuseUnlessRegular(temporary);
        using (var handle = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write))
        {
            RandomAccess.Write(handle, bytes, 0);
            RandomAccess.FlushToDisk(handle);
        }

        File.Move(temporary, IndexPath, overwrite: true);
    }

    public void Delete()
    {
        Dispose();
        File.Delete(LogPath);
        File.Delete(IndexPath);
    }

    public void Dispose()
    {
        StopDirect();
        Handle.Dispose();
    }

    private void StopDirect()
    {
        _readsDirect = false;
        _directWrite?.Dispose();
        _directRead?.Dispose();
        _directWrite = _directRead = null;
    }

    /// <summary>Whether what follows <see cref="Size"/> up to <paramref name="length"/> is the zero padding of a direct write.</summary>
    private bool IsPadding(long length)
    {
        var trailing = length - Size;
        if (trailing <= 0 || trailing >= DirectFile.Block || length % DirectFile.Block != 0)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[(int)trailing];
        return ReadUpTo(bytes, Size) == bytes.Length && !bytes.ContainsAnyExcept((byte)0);
    }

    /// <summary>Up to <paramref name="destination"/>'s length from <paramref name="position"/>, less only where the file ends.</summary>
    private int ReadUpTo(Span<byte> destination, long position)
    {
        if (_readsDirect && _directRead is { } direct)
        {
            return DirectFile.Read(direct, destination, position);
        }

        return RandomAccess.Read(Handle, destination, position);
    }

    /// <summary>Loads the segment's <c>.index</c>; why it is no index of this segment (and nothing was loaded), or null.</summary>
    private string? LoadIndex(long fileLength)
    {
        if (!Path.Exists(IndexPath))
        {
            return "it is missing";
        }

        // No larger than the index of a segment of this length: a folder, a pipe or a file larger than that is no index of
        // it, and the segment is scanned instead (read without waiting and within that bound).
        ReadOnlyMemory<byte> bytes;
        try
        {
            bytes = UserFiles.ReadBytes(IndexPath, (int)Math.Min(int.MaxValue - 1, IndexHeaderSize + (16 * ((fileLength / IndexInterval) + 1)) + 4));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ex.Message;
        }

        var span = bytes.Span;
        if (bytes.Length < IndexHeaderSize + 4
            || BinaryPrimitives.ReadUInt32LittleEndian(span) != IndexMagic
            || BinaryPrimitives.ReadInt32LittleEndian(span[4..]) != IndexVersion
            || BinaryPrimitives.ReadUInt32LittleEndian(span[^4..]) != RecordFrame.Crc32C(span[..^4]))
        {
            return "it is damaged (not an index, or its checksum does not match)";
        }

        var size = BinaryPrimitives.ReadInt64LittleEndian(span[16..]);
        var count = BinaryPrimitives.ReadInt32LittleEndian(span[40..]);
        if (size != fileLength || count < 1 || bytes.Length != IndexHeaderSize + (count * 16) + 4)
        {
            return "it was written when the segment had another length";
        }

        var nextOffset = BinaryPrimitives.ReadInt64LittleEndian(span[8..]);
        var offsets = new long[count];
        var positions = new long[count];
        for (var i = 0; i < count; i++)
        {
            offsets[i] = BinaryPrimitives.ReadInt64LittleEndian(span[(IndexHeaderSize + (i * 16))..]);
            positions[i] = BinaryPrimitives.ReadInt64LittleEndian(span[(IndexHeaderSize + (i * 16) + 8)..]);
        }

        // Intact and of this length, but perhaps another segment's (copied or restored over it): its entries must start at
        // this segment's first frame and climb, and the frames after its last entry must lead to its end and next offset.
        if (!Ascending(offsets, positions, nextOffset, size) || !EndsAt(offsets[^1], positions[^1], nextOffset, size))
        {
            return "it does not describe this segment's records";
        }

        NextOffset = nextOffset;
        Size = size;
        FirstTimestampMs = BinaryPrimitives.ReadInt64LittleEndian(span[24..]);
        MaxTimestampMs = BinaryPrimitives.ReadInt64LittleEndian(span[32..]);
        _indexOffsets.AddRange(offsets);
        _indexPositions.AddRange(positions);
        _lastIndexedPosition = positions[^1];
        return null;
    }

    /// <summary>Entries from (<see cref="BaseOffset"/>, 0) up, each offset and position past the one before and inside the segment.</summary>
    private bool Ascending(long[] offsets, long[] positions, long nextOffset, long size)
    {
        if (offsets[0] != BaseOffset || positions[0] != 0)
        {
            return false;
        }

        for (var i = 1; i < offsets.Length; i++)
        {
            if (offsets[i] <= offsets[i - 1] || positions[i] <= positions[i - 1])
            {
                return false;
            }
        }

        return offsets[^1] < nextOffset && positions[^1] < size;
    }

    /// <summary>
    /// Whether the frames from the one at <paramref name="position"/> (offset <paramref name="offset"/>) to the end are whole,
    /// intact and in sequence, ending at <paramref name="size"/> with <paramref name="nextOffset"/> next: what follows an
    /// index's last entry (less than <see cref="IndexInterval"/> bytes of frames, and the last one's length), read once.
    /// </summary>
    private bool EndsAt(long offset, long position, long nextOffset, long size)
    {
        if (size - position > IndexInterval + RecordFrame.MaxSize)
        {
            return false;
        }

        var tail = new byte[size - position];
        var read = 0;
        while (read < tail.Length && ReadUpTo(tail.AsSpan(read), position + read) is var n and > 0)
        {
            read += n;
        }

        var at = 0;
        while (at < read)
        {
            var length = RecordFrame.LengthOf(tail.AsSpan(at, read - at));
            if (length < RecordFrame.MinSize || length > read - at
                || !RecordFrame.IsIntact(tail.AsSpan(at, length)) || RecordFrame.OffsetOf(tail.AsSpan(at, length)) != offset)
            {
                return false;
            }

            at += length;
            offset++;
        }

        return read == tail.Length && offset == nextOffset;
    }

    /// <summary>Reads every frame from the start, keeping those that are whole, intact and in sequence.</summary>
    private void Scan(long fileLength)
    {
        var buffer = new byte[1024 * 1024];
        long bufferStart = 0;
        var bufferLength = 0;
        long position = 0;
        var expected = BaseOffset;
        while (position < fileLength)
        {
            var at = (int)(position - bufferStart);
            if (at + RecordFrame.HeaderSize > bufferLength)
            {
                (bufferStart, bufferLength, at) = Refill(buffer, position, fileLength);
            }

            var length = RecordFrame.LengthOf(buffer.AsSpan(at, bufferLength - at));
            if (length < RecordFrame.MinSize || length > RecordFrame.MaxSize || position + length > fileLength)
            {
                break;
            }

            if (at + length > bufferLength)
            {
                if (length > buffer.Length)
                {
                    buffer = new byte[length];
                }

                (bufferStart, bufferLength, at) = Refill(buffer, position, fileLength);
            }

            var frame = buffer.AsSpan(at, length);
            if (!RecordFrame.IsIntact(frame) || RecordFrame.OffsetOf(frame) != expected)
            {
                break;
            }

            Index(expected, position);
            var timestamp = RecordFrame.TimestampOf(frame);
            Publish(position + length, expected + 1, timestamp, timestamp);
            position += length;
            expected++;
        }
    }

    private (long Start, int Length, int At) Refill(byte[] buffer, long position, long fileLength)
    {
        var wanted = (int)Math.Min(buffer.Length, fileLength - position);
        var read = 0;
        while (read < wanted)
        {
            var n = ReadUpTo(buffer.AsSpan(read, wanted - read), position + read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return (position, read, 0);
    }

    /// <param name="IndexProblem">Why the index was not used when it was to be (the segment was scanned), or null.</param>
    /// <param name="PaddingBytes">Zero padding of a direct write after the last frame (not counted in <paramref name="TrailingBytes"/>).</param>
    internal readonly record struct OpenResult(Segment Segment, long TrailingBytes, string? IndexProblem, long PaddingBytes);
}
