using System.Collections.Concurrent;

namespace ZtStream.Platform.EventLog.FileLog;

/// <summary>
/// Consumer groups' committed offsets in <c>offsets.log</c> in the log's folder: a header (u32 magic "ZTOF" | i32 version,
/// little-endian like a segment index's) and then an append-only journal of frames (u32 length | u32 CRC-32C | entries),
/// each holding the offsets that changed since the previous one; the last entry for a group, topic and partition wins. A
/// file of another kind or of a version this one does not read is refused naming the file, never read as damage. A
/// journal of an earlier version has no header: it is read when it starts with an intact frame, and gets the header when
/// compaction rewrites it. <see cref="Flush"/> appends and fsyncs one frame, so a crash can tear
/// only the last one: at open a torn last frame is cut off (reported through the torn-tail callback, like a segment's),
/// and a frame that is not intact with more after it is damage a crash cannot make — <see cref="InvalidDataException"/>
/// naming the file, never a silent cut that would forget every offset after it. Past <see cref="CompactAbove"/> bytes the journal is rewritten with one frame of current
/// values (written beside it, synced, renamed over it).
/// </summary>
internal sealed class FileGroupOffsets : IGroupOffsets, IDisposable
{
    public const string FileName = "offsets.log";
    private const long CompactAbove = 4 * 1024 * 1024;
    private const uint Magic = 0x5A54_4F46; // "ZTOF"
    private const int Version = 1;
    private const int HeaderSize = 8;

    /// <summary>The most the journal can hold: it is rewritten past <see cref="CompactAbove"/>, by one frame of every offset.</summary>
    private const long MaxFileBytes = 64 * 1024 * 1024;

    private readonly string _path;
    private readonly bool _writable;
    private readonly ConcurrentDictionary<Key, long> _committed = new();
    private readonly ConcurrentDictionary<Key, long> _dirty = new();
    private readonly Lock _fileGate = new();
    private SafeFileHandle? _handle;
    private long _length;

    /// <param name="tornTail">Told the file, the bytes kept and the bytes after them when the last frame is torn.</param>
    public FileGroupOffsets(string folder, bool writable, Action<string, long, long> tornTail)
    {
        _path = Path.Combine(folder, FileName);
        _writable = writable;
        if (writable)
        {
            // Compaction writes there: a named pipe would hold it, and every commit after it, for good. Said at start,
            // as for the journal itself, rather than at the first compaction, days later.
            UserFiles.RefuseUnlessRegular(TemporaryPath);
        }

        if (!Path.Exists(_path))
        {
            if (writable)
            {
                _handle = File.OpenHandle(_path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
                WriteHeader();
                DirectorySync.Flush(folder);
            }

            return;
        }

        UserFiles.RefuseUnlessRegular(_path);
        _handle = File.OpenHandle(_path, FileMode.Open, writable ? FileAccess.ReadWrite : FileAccess.Read, FileShare.ReadWrite);
        var length = RandomAccess.GetLength(_handle);
        if (length > MaxFileBytes)
        {
            _handle.Dispose();
            throw new InvalidDataException($"{UserFiles.TooLarge(_path, MaxFileBytes)} (a consumer-offsets journal is rewritten past {CompactAbove}): move it aside");
        }

        var bytes = new byte[length];
        var read = 0;
        while (read < bytes.Length)
        {
            var n = RandomAccess.Read(_handle, bytes.AsSpan(read), read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        var data = bytes.AsSpan(0, read);
        var start = FramesStart(data);
        if (start < 0)
        {
            // Nothing was ever committed (created, then a crash before its first bytes landed): written afresh.
            if (read > 0)
            {
                tornTail(_path, 0, read);
            }

            if (writable)
            {
                RandomAccess.SetLength(_handle, 0);
                WriteHeader();
            }

            return;
        }

        _length = Load(data, start);
        if (_length < read)
        {
            tornTail(_path, _length, read - _length);
        }

        if (writable && _length < read)
        {
            RandomAccess.SetLength(_handle, _length); // a torn last frame: the offsets before it still hold
            RandomAccess.FlushToDisk(_handle);
        }

        if (!writable)
        {
            _handle.Dispose();
            _handle = null;
        }
    }

    /// <summary>Where compaction writes the journal before renaming it over <c>offsets.log</c>.</summary>
    private string TemporaryPath => _path + ".tmp";

    public bool TryGet(string group, string topic, int partition, out long offset) =>
        _committed.TryGetValue(new Key(group, topic, partition), out offset);

    /// <summary>The furthest any group has read <paramref name="topic"/>'s <paramref name="partition"/>: every record before it was handed to a consumer.</summary>
    public long ReadUpTo(string topic, int partition) =>
        _committed.Where(kv => kv.Key.Partition == partition && string.Equals(kv.Key.Topic, topic, StringComparison.Ordinal)).Select(kv => kv.Value).DefaultIfEmpty(0).Max();

    public void Commit(string group, string topic, int partition, long offset)
    {
        var key = new Key(group, topic, partition);
        if (_committed.TryGetValue(key, out var current) && current == offset)
        {
            return;
        }

        _committed[key] = offset;
        _dirty[key] = offset;
    }

    public void Flush()
    {
        if (!_writable || _dirty.IsEmpty)
        {
            return;
        }

        lock (_fileGate)
        {
            var handle = _handle ?? throw new ObjectDisposedException(nameof(FileGroupOffsets));
            List<KeyValuePair<Key, long>> changed = [];
            foreach (var key in _dirty.Keys)
            {
                if (_dirty.TryRemove(key, out var value))
                {
                    changed.Add(new(key, value));
                }
            }

            if (changed.Count == 0)
            {
                return;
            }

            try
            {
                var frame = Encode(changed);
                RandomAccess.Write(handle, frame, _length);
                RandomAccess.FlushToDisk(handle);
                _length += frame.Length;
            }
            catch
            {
                // Written again at the next flush (unless a newer value replaced it meanwhile).
                foreach (var (key, value) in changed)
                {
                    _dirty.TryAdd(key, value);
                }

                RandomAccess.SetLength(handle, _length);
                throw;
            }

            if (_length > CompactAbove)
            {
                Compact();
            }
        }
    }

    public void Dispose()
    {
        lock (_fileGate)
        {
            _handle?.Dispose();
            _handle = null;
        }
    }

    /// <summary>Rewrites the journal as its header and one frame of the current values; a header-less journal of an earlier version gets its header here.</summary>
    private void Compact()
    {
        var temporary = TemporaryPath;
        UserFiles.RefuseUnlessRegular(temporary);
        var frame = Encode([.. _committed]);
        using (var handle = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write))
        {
            RandomAccess.Write(handle, Header(), 0);
            RandomAccess.Write(handle, frame, HeaderSize);
            RandomAccess.FlushToDisk(handle);
        }

        _handle!.Dispose();
        File.Move(temporary, _path, overwrite: true);
        DirectorySync.Flush(Path.GetDirectoryName(_path)!);
        _handle = File.OpenHandle(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        _length = HeaderSize + frame.Length;
    }

    private static byte[] Header()
    {
        var header = new byte[HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), Version);
        return header;
    }

    /// <summary>Writes the header of an empty journal (a new file, or one whose header never landed) and syncs it.</summary>
    private void WriteHeader()
    {
        RandomAccess.Write(_handle!, Header(), 0);
        RandomAccess.FlushToDisk(_handle!);
        _length = HeaderSize;
    }

    /// <summary>
    /// Where the frames of <paramref name="data"/> start: after this version's header, or at 0 in a header-less journal of an
    /// earlier version (it starts with an intact frame); -1 for a journal that holds nothing (empty, a torn header, or only
    /// zeros: grown, but its first bytes never landed). Any other start is a file this version does not read.
    /// </summary>
    private int FramesStart(ReadOnlySpan<byte> data)
    {
        var header = Header();
        if ((data.Length < HeaderSize && header.AsSpan().StartsWith(data)) || !data.ContainsAnyExcept((byte)0))
        {
            return -1;
        }

        if (data.Length >= HeaderSize && BinaryPrimitives.ReadUInt32LittleEndian(data) == Magic)
        {
            var version = BinaryPrimitives.ReadInt32LittleEndian(data[4..]);
            return version == Version ? HeaderSize : throw new InvalidDataException(
                $"{_path} is a consumer-offsets journal of version {version}, and this ZtStream reads version {Version}: run the " +
                $"ZtStream that wrote it, or {MoveAside}");
        }

        if (IsIntact(data, out _))
        {
            return 0;
        }

        throw new InvalidDataException(
            $"{_path} is not a consumer-offsets journal (it starts with neither the \"ZTOF\" header nor an intact entry of an " +
            $"earlier version's journal): put the journal back if another file replaced it, or {MoveAside}");
    }

    /// <summary>
    /// Reads every whole, intact frame and returns where they end. A frame that fails its length or CRC check is the torn
    /// tail of an interrupted flush when it is the last thing in the file: it claims to reach the end (or only zeros
    /// follow: the file grew but the bytes never landed) and no intact frame starts after it. Anything else was damaged
    /// some other way.
    /// </summary>
    private long Load(ReadOnlySpan<byte> data, int start)
    {
        var at = start;
        while (at < data.Length)
        {
            var rest = data[at..];
            if (!IsIntact(rest, out var length))
            {
                var reachesEnd = rest.Length < 8 || length >= rest.Length || !rest.ContainsAnyExcept((byte)0);
                if (reachesEnd && !IntactFrameAfter(rest))
                {
                    return at;
                }

                throw Damaged(at, $"the entry there is not intact and {rest.Length} byte(s) follow it, while a crash tears only the last entry");
            }

            try
            {
                ReadEntries(rest[8..length]);
            }
            catch (ArgumentOutOfRangeException)
            {
                throw Damaged(at, "the entry there has a valid checksum but entries that do not fit in it");
            }

            at += length;
        }

        return at;
    }

    /// <summary>Whether a whole frame with a matching CRC starts at the beginning of <paramref name="data"/>; its declared length either way.</summary>
    private static bool IsIntact(ReadOnlySpan<byte> data, out int length)
    {
        length = data.Length >= 8 ? BinaryPrimitives.ReadInt32LittleEndian(data) : 0;
        return length >= 12 && length <= data.Length
            && BinaryPrimitives.ReadUInt32LittleEndian(data[4..]) == RecordFrame.Crc32C(data[8..length]);
    }

    private static bool IntactFrameAfter(ReadOnlySpan<byte> data)
    {
        for (var i = 1; i + 12 <= data.Length; i++)
        {
            if (IsIntact(data[i..], out _))
            {
                return true;
            }
        }

        return false;
    }

    private void ReadEntries(ReadOnlySpan<byte> body)
    {
        var count = BinaryPrimitives.ReadInt32LittleEndian(body);
        var p = 4;
        for (var i = 0; i < count; i++)
        {
            var group = RecordFrame.ReadString(body, ref p);
            var topic = RecordFrame.ReadString(body, ref p);
            var partition = BinaryPrimitives.ReadInt32LittleEndian(body[p..]);
            var offset = BinaryPrimitives.ReadInt64LittleEndian(body[(p + 4)..]);
            p += 12;
            _committed[new Key(group, topic, partition)] = offset;
        }
    }

    private const string MoveAside =
        "move it aside to have every consumer group read its topics again from the earliest retained record (the Verifier resumes from its checkpoints in the store)";

    private InvalidDataException Damaged(int at, string what) => new($"{_path} is damaged at byte {at}: {what}. Restore it from a backup, or {MoveAside}");

    private static byte[] Encode(IReadOnlyList<KeyValuePair<Key, long>> entries)
    {
        var size = 8 + 4;
        foreach (var (key, _) in entries)
        {
            size += 8 + Encoding.UTF8.GetByteCount(key.Group) + Encoding.UTF8.GetByteCount(key.Topic) + 12;
        }

        var frame = new byte[size];
        var span = frame.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(span, size);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], entries.Count);
        var at = 12;
        foreach (var (key, offset) in entries)
        {
            at += RecordFrame.WriteString(span[at..], key.Group);
            at += RecordFrame.WriteString(span[at..], key.Topic);
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], key.Partition);
            BinaryPrimitives.WriteInt64LittleEndian(span[(at + 4)..], offset);
            at += 12;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], RecordFrame.Crc32C(span[8..]));
        return frame;
    }

    private readonly record struct Key(string Group, string Topic, int Partition);
}
