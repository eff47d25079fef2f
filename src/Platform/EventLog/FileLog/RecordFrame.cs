using System.Collections.ObjectModel;
using System.Numerics;

namespace ZtStream.Platform.EventLog.FileLog;

/// <summary>
/// How one record sits in a segment file, little-endian:
/// <code>
/// u32 frame length (these 16 header bytes included) | u32 CRC-32C of the body | i64 offset | body:
///   i64 timestamp (Unix ms) | i32 key length | key | i32 header count | (i32 name length | name | i32 value length | value)* | i32 value length | value
/// </code>
/// The CRC covers the body and not the offset, so an append is encoded (and checksummed) on the caller's thread and
/// the writer only stamps the offset; a frame whose offset is not the one expected is caught by the sequence check
/// when a segment is scanned. A torn or corrupt frame fails the length or CRC check.
/// </summary>
internal static class RecordFrame
{
    public const int HeaderSize = 16;
    public const int MinSize = HeaderSize + 8 + 4 + 4 + 4;

    /// <summary>A frame longer than this is taken for garbage (a torn length field), not a record.</summary>
    public const int MaxSize = 256 * 1024 * 1024;

    public static int SizeOf(LogRecord record)
    {
        var size = MinSize + Encoding.UTF8.GetByteCount(record.Key ?? string.Empty) + record.Value.Length;
        if (record.Headers is { Count: > 0 } headers)
        {
            if (headers is Dictionary<string, string> dictionary)
            {
                // Its struct enumerator: an append encodes every record's headers twice, without allocating.
                foreach (var (name, value) in dictionary)
                {
                    size += 8 + Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value ?? string.Empty);
                }
            }
            else
            {
                foreach (var (name, value) in headers)
                {
                    size += 8 + Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value ?? string.Empty);
                }
            }
        }

        return size;
    }

    /// <summary>Writes <paramref name="record"/> at the start of <paramref name="destination"/> (offset left 0); returns its size.</summary>
    public static int Write(Span<byte> destination, LogRecord record, long timestampMs)
    {
        var body = destination[HeaderSize..];
        BinaryPrimitives.WriteInt64LittleEndian(body, timestampMs);
        var at = 8;
        at += WriteString(body[at..], record.Key ?? string.Empty);
        var headers = record.Headers;
        BinaryPrimitives.WriteInt32LittleEndian(body[at..], headers?.Count ?? 0);
        at += 4;
        if (headers is Dictionary<string, string> { Count: > 0 } dictionary)
        {
            foreach (var (name, value) in dictionary)
            {
                at += WriteHeader(body[at..], name, value);
            }
        }
        else if (headers is { Count: > 0 })
        {
            foreach (var (name, value) in headers)
            {
                at += WriteHeader(body[at..], name, value);
            }
        }

        BinaryPrimitives.WriteInt32LittleEndian(body[at..], record.Value.Length);
        at += 4;
        record.Value.Span.CopyTo(body[at..]);
        at += record.Value.Length;
        var size = HeaderSize + at;
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)size);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Crc32C(body[..at]));
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], 0);
        return size;
    }

    public static void StampOffset(Span<byte> frame, long offset) => BinaryPrimitives.WriteInt64LittleEndian(frame[8..], offset);

    public static long OffsetOf(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadInt64LittleEndian(frame[8..]);

    /// <summary>The frame's declared length, or 0 when <paramref name="data"/> is too short to hold a header.</summary>
    public static int LengthOf(ReadOnlySpan<byte> data) => data.Length < HeaderSize ? 0 : (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(data), int.MaxValue);

    /// <summary>True when <paramref name="frame"/> (exactly one frame) has a sane length and a matching CRC.</summary>
    public static bool IsIntact(ReadOnlySpan<byte> frame)
    {
        var length = LengthOf(frame);
        return length >= MinSize && length <= MaxSize && length == frame.Length
            && BinaryPrimitives.ReadUInt32LittleEndian(frame[4..]) == Crc32C(frame[HeaderSize..]);
    }

    /// <summary>
    /// Decodes one intact frame; <see cref="ConsumedRecord.Value"/> is a slice of <paramref name="owner"/>, not a copy.
    /// With <paramref name="headerCache"/>, a record whose headers are byte for byte those of the record decoded before it
    /// shares that record's (read-only) headers.
    /// </summary>
    public static ConsumedRecord Decode(string topic, int partition, byte[] owner, int start, int length, HeaderCache? headerCache = null)
    {
        var frame = owner.AsSpan(start, length);
        var offset = BinaryPrimitives.ReadInt64LittleEndian(frame[8..]);
        var body = frame[HeaderSize..];
        var timestamp = BinaryPrimitives.ReadInt64LittleEndian(body);
        var at = 8;
        var key = ReadString(body, ref at);
        var headerCount = BinaryPrimitives.ReadInt32LittleEndian(body[at..]);
        at += 4;
        IReadOnlyDictionary<string, string> headers = NoHeaders;
        if (headerCount > 0)
        {
            var encoded = body[at..];
            var end = 0;
            for (var i = 0; i < headerCount * 2; i++)
            {
                end += 4 + BinaryPrimitives.ReadInt32LittleEndian(encoded[end..]);
            }

            encoded = encoded[..end];
            if (headerCache?.Find(encoded) is { } shared)
            {
                headers = shared;
                at += end;
            }
            else
            {
                var read = new Dictionary<string, string>(headerCount, StringComparer.Ordinal);
                for (var i = 0; i < headerCount; i++)
                {
                    var name = ReadString(body, ref at);
                    read[name] = ReadString(body, ref at);
                }

                headers = headerCache is null ? read : headerCache.Keep(encoded, read);
            }
        }

        var valueLength = BinaryPrimitives.ReadInt32LittleEndian(body[at..]);
        at += 4;
        var value = owner.AsMemory(start + HeaderSize + at, valueLength);
        return new ConsumedRecord(topic, partition, offset, key, value, headers, DateTimeOffset.FromUnixTimeMilliseconds(timestamp));
    }

    /// <summary>The record's timestamp (Unix ms), read without decoding the rest.</summary>
    public static long TimestampOf(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadInt64LittleEndian(frame[HeaderSize..]);

    /// <summary>CRC-32C (Castagnoli), hardware-accelerated where the CPU has it.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (var word in words)
        {
            crc = BitOperations.Crc32C(crc, BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word));
        }

        foreach (var b in data[(words.Length * 8)..])
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>(0);

    private static int WriteHeader(Span<byte> destination, string name, string? value)
    {
        var at = WriteString(destination, name);
        return at + WriteString(destination[at..], value ?? string.Empty);
    }

    /// <summary>Writes i32 length + UTF-8 bytes; returns the bytes written.</summary>
    internal static int WriteString(Span<byte> destination, string value)
    {
        var length = Encoding.UTF8.GetBytes(value, destination[4..]);
        BinaryPrimitives.WriteInt32LittleEndian(destination, length);
        return 4 + length;
    }

    /// <summary>Reads what <see cref="WriteString"/> wrote at <paramref name="at"/> and moves past it.</summary>
    internal static string ReadString(ReadOnlySpan<byte> body, ref int at)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(body[at..]);
        at += 4;
        var value = length == 0 ? string.Empty : Encoding.UTF8.GetString(body.Slice(at, length));
        at += length;
        return value;
    }

    /// <summary>
    /// The encoded headers of the last record decoded and their dictionary: the records of one append carry the same
    /// headers (the source Ingest stamped, the batch's trace context), so a read decodes them once per run of records
    /// rather than once per record. Used by one reader at a time.
    /// </summary>
    internal sealed class HeaderCache
    {
        private byte[] _encoded = new byte[64];
        private int _length = -1;
        private IReadOnlyDictionary<string, string>? _headers;

        public IReadOnlyDictionary<string, string>? Find(ReadOnlySpan<byte> encoded) =>
            _length == encoded.Length && encoded.SequenceEqual(_encoded.AsSpan(0, _length)) ? _headers : null;

        public IReadOnlyDictionary<string, string> Keep(ReadOnlySpan<byte> encoded, Dictionary<string, string> headers)
        {
            if (encoded.Length > _encoded.Length)
            {
                _encoded = new byte[encoded.Length];
            }

            encoded.CopyTo(_encoded);
            _length = encoded.Length;

            // Shared by every record that has these headers: nobody may change them.
            _headers = new ReadOnlyDictionary<string, string>(headers);
            return _headers;
        }
    }
}
