namespace ZtStream.Ingest.Sources;

/// <summary>
/// Whether the first line of an input can start the JSON a recorded file is written in — canonical events one per line,
/// a source's payload or its records one per line are all JSON objects or arrays — told from that line alone, so a
/// compressed file, a binary one, CSV or a text log is named at once. JSON text (RFC 8259) is UTF-8 and holds no control
/// byte but white space, inside strings or out. A first line that starts as JSON and breaks later is no such input: it
/// is one bad record, reported as the records are. Nor is a first line that ends as a JSON object or array ends when the
/// line after it starts one: the input was cut inside a record (read from an offset, <c>tail -c</c>, a rotated file), and
/// that line is one bad record; the line after it is judged instead.
/// </summary>
internal static class JsonTextStart
{
    /// <summary>
    /// What a first line that cannot start JSON is; null when it can, or when <paramref name="head"/> does not yet tell
    /// (nothing but white space yet, or a line that may be a record's cut end and has not ended).
    /// </summary>
    /// <param name="head">The input's first bytes, as many as were read.</param>
    /// <param name="complete">False when <paramref name="head"/> was cut at a bound: a character cut there is not invalid.</param>
    /// <param name="final">True when no more bytes will be added to <paramref name="head"/> (the input ended, or the bound was reached).</param>
    public static string? Problem(ReadOnlySpan<byte> head, bool complete, bool final)
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
        return LineProblem(head[bom..], bom, linesBefore: 0, complete, final, mayBeCut: true);
    }

    /// <summary>
    /// Whether <paramref name="head"/> holds the line that decides: the first line that is not blank has ended and, when
    /// it may be a record's cut end, the line after it too.
    /// </summary>
    public static bool Judged(ReadOnlySpan<byte> head)
    {
        var text = head.StartsWith(Encoding.UTF8.Preamble) ? head[Encoding.UTF8.Preamble.Length..] : head;
        return NextLine(text, out var line, out var rest)
            && (line[0] is (byte)'{' or (byte)'[' || !CutRecordEnd(line) || NextLine(rest, out _, out _));
    }

    private static string? LineProblem(ReadOnlySpan<byte> text, int offset, int linesBefore, bool complete, bool final, bool mayBeCut)
    {
        var start = text.IndexOfAnyExcept(" \t\r\n"u8);
        if (start < 0)
        {
            return null;
        }

        var end = text[start..].IndexOf((byte)'\n');
        var line = end < 0 ? text[start..] : text.Slice(start, end);
        var lineNumber = linesBefore + text[..start].Count((byte)'\n') + 1;

        // A cut may fall inside a character too: the continuation bytes before the first whole one are the cut's.
        var cut = mayBeCut ? line[..Math.Min(line.Length, 3)].IndexOfAnyExceptInRange((byte)0x80, (byte)0xBF) : 0;
        cut = cut < 0 ? line.Length : cut;
        if (NotText(line[cut..], complete || end >= 0) is { } inside)
        {
            return NotTextProblem(line, lineNumber, offset + start, cut + inside);
        }

        if (cut == 0 && line[0] is (byte)'{' or (byte)'[')
        {
            return null;
        }

        if (mayBeCut && end < 0 && !final)
        {
            // Whether it ends as a record ends is told by its end.
            return null;
        }

        if (mayBeCut && CutRecordEnd(line))
        {
            // The input starts inside a record: the line after it says what the input is (a log line with a prefix also
            // ends with '}', and its next line has the prefix again).
            if (end < 0 || LineProblem(text[(start + end + 1)..], offset + start + end + 1, lineNumber, complete, final, mayBeCut: false) is null)
            {
                return null;
            }
        }

        return cut > 0
            ? NotTextProblem(line, lineNumber, offset + start, 0)
            : $"line {lineNumber} starts with '{Quote(line)}', not with a JSON object or array";
    }

    private static string NotTextProblem(ReadOnlySpan<byte> line, int lineNumber, int lineOffset, int at) =>
        string.Create(CultureInfo.InvariantCulture,
            $"line {lineNumber} holds {Describe(line, at)} at byte {lineOffset + at + 1}, which JSON text never holds: it is not text");

    /// <summary>Whether a line that does not start JSON ends as a JSON object or array does: a record cut at its start.</summary>
    private static bool CutRecordEnd(ReadOnlySpan<byte> line) => line.TrimEnd(" \t\r"u8) is [.., (byte)'}' or (byte)']'];

    /// <summary>The first line of <paramref name="text"/> that is not blank and has ended, and what follows it.</summary>
    private static bool NextLine(ReadOnlySpan<byte> text, out ReadOnlySpan<byte> line, out ReadOnlySpan<byte> rest)
    {
        line = default;
        rest = default;
        var start = text.IndexOfAnyExcept(" \t\r\n"u8);
        var end = start < 0 ? -1 : text[start..].IndexOf((byte)'\n');
        if (end < 0)
        {
            return false;
        }

        line = text.Slice(start, end);
        rest = text[(start + end + 1)..];
        return true;
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
