using System.Buffers;
using System.Globalization;
using System.Text;

namespace ZtStream.Ingest.Sources;

/// <summary>
/// Whether the first line of an input can start the JSON a recorded file is written in — canonical events one per line,
/// a source's payload or its records one per line are all JSON objects or arrays — told from that line alone, so a
/// compressed file, a binary one, CSV or a text log is named at once. JSON text (RFC 8259) is UTF-8 and holds no control
/// byte but white space, inside strings or out. A first line that starts as JSON and breaks later is no such input: it
/// is one bad record, reported as the records are.
/// </summary>
internal static class JsonTextStart
{
    /// <summary>What a first line that cannot start JSON is, or null when it can (or holds nothing but white space yet).</summary>
    /// <param name="head">The input's first bytes, up to and past the end of its first line that is not blank, or as many as were read.</param>
    /// <param name="complete">False when <paramref name="head"/> was cut at a bound: a character cut there is not invalid.</param>
    public static string? Problem(ReadOnlySpan<byte> head, bool complete)
    {
        if (head.StartsWith(Utf16LittleEndian) || head.StartsWith(Utf16BigEndian))
        {
            return "it is UTF-16 (it starts with a UTF-16 byte order mark): save it as UTF-8";
        }

        if (Compressed(head) is { } format)
        {
            return $"it is {format}-compressed: decompress it first";
        }

        var bom = head.StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
        var text = head[bom..];
        var start = text.IndexOfAnyExcept(" \t\r\n"u8);
        if (start < 0)
        {
            return null;
        }

        var end = text[start..].IndexOf((byte)'\n');
        var line = end < 0 ? text[start..] : text.Slice(start, end);
        var lineNumber = text[..start].Count((byte)'\n') + 1;
        if (NotText(line, complete || end >= 0) is { } at)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"line {lineNumber} holds {Describe(line, at)} at byte {bom + start + at + 1}, which JSON text never holds: it is not text");
        }

        return line[0] is (byte)'{' or (byte)'[' ? null : $"line {lineNumber} starts with '{Quote(line)}', not with a JSON object or array";
    }

    /// <summary>The index of the first byte of <paramref name="line"/> that no JSON text holds, or null.</summary>
    private static int? NotText(ReadOnlySpan<byte> line, bool complete)
    {
        var at = 0;
        while (at < line.Length)
        {
            var status = Rune.DecodeFromUtf8(line[at..], out var rune, out var consumed);
            if (status == OperationStatus.NeedMoreData && !complete)
            {
                return null;
            }

            if (status != OperationStatus.Done || (rune.Value < 0x20 && rune.Value is not (0x09 or 0x0D)))
            {
                return at;
            }

            at += consumed;
        }

        return null;
    }

    private static string Describe(ReadOnlySpan<byte> line, int at) =>
        line[at] < 0x20 ? $"the control byte 0x{line[at]:X2}" : $"the byte 0x{line[at]:X2}, not UTF-8,";

    /// <summary>The start of a text line as the user would recognise it, no longer than a terminal line needs.</summary>
    private static string Quote(ReadOnlySpan<byte> line)
    {
        var text = Encoding.UTF8.GetString(line[..Math.Min(line.Length, 40)]).TrimEnd('\r');
        return line.Length > 40 ? text + "…" : text;
    }

    private static ReadOnlySpan<byte> Utf16LittleEndian => [0xFF, 0xFE];

    private static ReadOnlySpan<byte> Utf16BigEndian => [0xFE, 0xFF];

    private static ReadOnlySpan<byte> Gzip => [0x1F, 0x8B];

    private static ReadOnlySpan<byte> Zstd => [0x28, 0xB5, 0x2F, 0xFD];

    private static ReadOnlySpan<byte> Xz => [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00];

    private static ReadOnlySpan<byte> Zip => [0x50, 0x4B, 0x03, 0x04];

    /// <summary>The compressed formats a recording is often kept in, by their magic bytes.</summary>
    private static string? Compressed(ReadOnlySpan<byte> head) =>
        head.StartsWith(Gzip) ? "gzip"
        : head.StartsWith(Zstd) ? "zstd"
        : head.StartsWith(Xz) ? "xz"
        : head.StartsWith("BZh"u8) ? "bzip2"
        : head.StartsWith(Zip) ? "zip"
        : null;
}
