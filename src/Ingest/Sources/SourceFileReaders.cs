namespace ZtStream.Ingest.Sources;

/// <summary>
/// Reads recorded source output from a file through the same adapters and event validator Ingest's endpoints use, so
/// offline replay scores exactly what live ingestion would have accepted. A file is either one payload (a k8s
/// EventList, one Event, a Falco alert, an Okta event hook delivery, an Entra <c>records</c> export, an Auth0 log-stream
/// array) or one payload per line (bare identity-provider records, one per line); canonical events are one per line.
/// Every item that maps to no event, or that the validator refuses, is reported. The file is read as a stream: a record
/// (a line) is held in memory only up to <c>Ingest:MaxBodyBytes</c>, the largest body Ingest takes in one request, and a
/// source's file is mapped whole only up to <see cref="WholePayloadBytes"/> (an export is one JSON document, often larger
/// than one request); a longer line is reported with its number and skipped, and a longer file is read one record per
/// line, so a never-ending input or a multi-gigabyte line costs no more memory than those bounds.
/// </summary>
internal static class SourceFileReaders
{
    /// <summary>
    /// The most of a source's file mapped as one payload: a vendor's export (an Okta System Log API answer, an Entra
    /// <c>records</c> file, a k8s EventList) is one JSON document, often larger than one request body, that cannot be
    /// read line by line. A file longer than this is read one record per line.
    /// </summary>
    public const int WholePayloadBytes = 64 * 1024 * 1024;

    /// <summary>The most read of an input's first line to tell it is not JSON at all, before anything is read as records.</summary>
    public const int FirstLineBytes = 64 * 1024;

    /// <summary>
    /// Format name → reader, as <c>ztstream replay --format</c> takes them: canonical events (<see cref="SourceFileFormats.Canonical"/>)
    /// and one per <see cref="SourceAdapters.All"/>. Each maps and validates with the bounds and naming of the configuration's
    /// <c>Ingest</c> section, as the live endpoint does (the defaults without one); a section that fails its validator is an
    /// <see cref="OptionsValidationException"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, SourceFileReader> All { get; } =
        new Dictionary<string, SourceFileReader>(
            [
                KeyValuePair.Create(SourceFileFormats.Canonical, (SourceFileReader)ReadCanonical),
                .. SourceAdapters.All.Select(adapter => KeyValuePair.Create(adapter.Name, (SourceFileReader)((s, readAt, skipped, configuration, now) =>
                {
                    var options = Configured(configuration);
                    return AddressTwins.With(ReadMapped(
                        s, readAt, skipped, adapter.Map, SourceMapOptions.For(options, adapter.Idp), new RecordedEventCheck(options, now, escapeNames: true), options.MaxBodyBytes,
                        Math.Max(options.MaxBodyBytes, WholePayloadBytes)));
                }))),
            ],
            StringComparer.Ordinal);

    private static IngestOptions Configured(IConfiguration? configuration)
    {
        var options = configuration?.GetSection(IngestOptions.Section).Get<IngestOptions>() ?? new IngestOptions();
        var problems = IngestOptionsValidator.Validate(options);
        return problems.Count == 0 ? options : throw new OptionsValidationException(IngestOptions.Section, typeof(IngestOptions), problems);
    }

    /// <summary>
    /// Canonical events, one per line (a line may also hold an array of them), read as <c>POST /v1/events</c> reads its
    /// items, with the same messages, a line at a time as they are scored (a recording can be large). A recorded
    /// <c>source</c> is kept (live, Ingest stamps the key's), and no address twin is added: a recording of the log holds
    /// the twins already.
    /// </summary>
    private static IEnumerable<AccessEvent> ReadCanonical(Stream stream, DateTimeOffset readAt, Action<SkippedItem> skipped, IConfiguration? configuration, DateTimeOffset? now)
    {
        var options = Configured(configuration);
        var check = new RecordedEventCheck(options, now);
        return ReadLines(Lines(FirstLine(stream, "NDJSON"), stream, options.MaxBodyBytes), readAt, skipped, Map, SourceMapOptions.Default, check, options.MaxBodyBytes);

        MapResult Map(ReadOnlySpan<byte> json, SourceMapOptions _) =>
            JsonPayload.MapItems(json, (element, index, items, errors) =>
            {
                if (check.Read(element, index, errors) is { } e)
                {
                    items.Add(new MappedEvent(index, e));
                }
            });
    }

    /// <summary>The whole file failed to parse as JSON (one error for item 0, nothing mapped).</summary>
    private static bool Unreadable(MapResult result) =>
        result.Items.Count == 0 && result.Errors is [{ Index: 0, Field: "$" } only]
        && only.Reason.StartsWith(JsonPayload.MalformedJson, StringComparison.Ordinal);

    /// <summary>
    /// The events of one payload file, or, when the file is longer than <paramref name="wholeBytes"/> or its first line
    /// is broken, of each line on its own, a line bounded by one request body (<paramref name="maxBytes"/>). Only the
    /// first <paramref name="wholeBytes"/> + 1 bytes are held to tell which.
    /// </summary>
    private static IEnumerable<AccessEvent> ReadMapped(
        Stream stream, DateTimeOffset readAt, Action<SkippedItem> skipped, SourceMap map, SourceMapOptions configured, RecordedEventCheck check, int maxBytes, int wholeBytes)
    {
        var head = UserFiles.ReadUpTo(FirstLine(stream, "JSON"), stream, wholeBytes + 1);
        if (head.Length <= wholeBytes)
        {
            var bytes = UserFiles.WithoutBom(head);
            var whole = map(bytes.Span, configured with { Clock = new SourceClock(readAt) });
            if (!Unreadable(whole) || bytes.Span.TrimEnd("\r\n"u8).IndexOf((byte)'\n') < 0)
            {
                return check.Admit(whole, error => skipped(new SkippedItem($"item {error.Index}", error.Field, error.Reason)));
            }
        }

        // Not one payload and not JSON Lines the reader recognised (its first line is broken), or larger than a payload
        // file is read whole: map line by line, so one bad line costs that line only.
        return ReadLines(Lines(head, stream, maxBytes), readAt, skipped, map, configured, check, maxBytes);
    }

    /// <summary>
    /// The first line of <paramref name="stream"/> that holds anything but white space (with the blank lines before it), or
    /// its first <see cref="FirstLineBytes"/> when no such line ends there, read as it comes: a pipe's writer need not write
    /// more. An <see cref="InputNotJsonException"/> when that line cannot start <paramref name="expected"/>, whichever
    /// format it is read as (every source's payload and record, every canonical line, is a JSON object or array): it is not
    /// text (RFC 8259 text is UTF-8 and holds no control byte but white space) or starts with anything but '{' or '['.
    /// </summary>
    private static ReadOnlyMemory<byte> FirstLine(Stream stream, string expected)
    {
        var buffer = new byte[FirstLineBytes];
        var length = 0;
        while (true)
        {
            var read = length < buffer.Length ? stream.Read(buffer, length, buffer.Length - length) : 0;
            length += read;
            var head = buffer.AsMemory(0, length);

            // Judged at every read, not only once the line ends: a pipe's writer may hold it open after a compressed file's
            // first bytes, which have no line end in sight.
            if (JsonTextStart.Problem(head.Span, complete: read == 0 && length < buffer.Length, final: read == 0) is { } problem)
            {
                throw new InputNotJsonException($"not {expected}: {problem}");
            }

            if (read == 0 || JsonTextStart.Judged(head.Span))
            {
                return head;
            }
        }
    }

    /// <summary>Maps and admits each line on its own, items numbered across the file and named with their line.</summary>
    private static IEnumerable<AccessEvent> ReadLines(
        IEnumerable<byte[]?> lines, DateTimeOffset readAt, Action<SkippedItem> skipped, SourceMap map, SourceMapOptions configured, RecordedEventCheck check, int maxBytes)
    {
        var options = configured with { Clock = new SourceClock(readAt) };
        var lineNumber = 0;
        var index = 0;
        foreach (var line in lines)
        {
            lineNumber++;
            if (line is null)
            {
                // Reported when the bound is passed, before the rest of the line is read past: a line that never ends is
                // named at once, not after the input runs out.
                skipped(new SkippedItem($"line {lineNumber}", "$", string.Create(
                    CultureInfo.InvariantCulture, $"the line is longer than {maxBytes} bytes (Ingest:MaxBodyBytes, the most Ingest takes in one request); it was skipped")));
                index++;
                continue;
            }

            if (line.AsSpan().Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }

            var result = map(line, options);
            var (first, at) = (index, lineNumber);
            foreach (var e in check.Admit(result, error => skipped(new SkippedItem($"item {first + error.Index} (line {at})", error.Field, error.Reason))))
            {
                yield return e;
            }

            index += result.ItemCount;
        }
    }

    /// <summary>
    /// The lines of <paramref name="head"/> followed by the rest of <paramref name="stream"/> (split at '\n', a leading byte
    /// order mark dropped), read as they are asked for, each in an array of its own; a line longer than
    /// <paramref name="maxBytes"/> is null, given as soon as it is known, and its bytes are read past without being kept.
    /// </summary>
    private static IEnumerable<byte[]?> Lines(ReadOnlyMemory<byte> head, Stream stream, int maxBytes)
    {
        var line = new ArrayBufferWriter<byte>();
        var overLong = false;
        var first = true;
        foreach (var chunk in Chunks(head, stream))
        {
            var start = 0;
            while (start < chunk.Length)
            {
                var newline = chunk.Span[start..].IndexOf((byte)'\n');
                var end = newline < 0 ? chunk.Length : start + newline;
                if (!overLong && line.WrittenCount + (end - start) > maxBytes)
                {
                    overLong = true;
                    first = false;
                    line.ResetWrittenCount();
                    yield return null;
                }
                else if (!overLong)
                {
                    line.Write(chunk.Span[start..end]);
                }

                if (newline < 0)
                {
                    break;
                }

                if (!overLong)
                {
                    yield return (first ? UserFiles.WithoutBom(line.WrittenMemory) : line.WrittenMemory).ToArray();
                    first = false;
                }

                overLong = false;
                line.ResetWrittenCount();
                start = end + 1;
            }
        }

        if (!overLong && line.WrittenCount > 0)
        {
            yield return (first ? UserFiles.WithoutBom(line.WrittenMemory) : line.WrittenMemory).ToArray();
        }
    }

    private static IEnumerable<ReadOnlyMemory<byte>> Chunks(ReadOnlyMemory<byte> head, Stream stream)
    {
        if (!head.IsEmpty)
        {
            yield return head;
        }

        var buffer = new byte[64 * 1024];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            yield return buffer.AsMemory(0, read);
        }
    }
}
