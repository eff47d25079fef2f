using System.Buffers;
using Microsoft.Extensions.Configuration;
using ZtStream.Ingest.Options;
using ZtStream.Ingest.Sources.Identity;
using ZtStream.Ingest.Validation;

namespace ZtStream.Ingest.Sources;

/// <summary>
/// Reads recorded source output from a file through the same adapters and event validator Ingest's endpoints use, so
/// offline replay scores exactly what live ingestion would have accepted. A file is either one payload (a k8s
/// EventList, one Event, a Falco alert, an Okta event hook delivery, an Entra <c>records</c> export, an Auth0 log-stream
/// array) or one payload per line (bare identity-provider records, one per line); canonical events are one per line.
/// Every item that maps to no event, or that the validator refuses, is reported.
/// </summary>
internal static class SourceFileReaders
{
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
                    return Read(s, readAt, skipped, adapter.Map, SourceMapOptions.For(options, adapter.Idp), new RecordedEventCheck(options, now));
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
        var check = new RecordedEventCheck(Configured(configuration), now);
        return ReadLines(Lines(stream), readAt, skipped, Map, SourceMapOptions.Default, check);

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

    /// <summary>The events of the file, each failed sign-in followed by its address twin, as Ingest appends them (<see cref="AddressTwins"/>).</summary>
    private static List<AccessEvent> Read(
        Stream stream, DateTimeOffset readAt, Action<SkippedItem> skipped, SourceMap map, SourceMapOptions configured, RecordedEventCheck check) =>
        [.. AddressTwins.With(ReadMapped(stream, readAt, skipped, map, configured, check))];

    private static List<AccessEvent> ReadMapped(
        Stream stream, DateTimeOffset readAt, Action<SkippedItem> skipped, SourceMap map, SourceMapOptions configured, RecordedEventCheck check)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var bytes = buffer.ToArray();
        var whole = map(bytes, configured with { Clock = new SourceClock(readAt) });
        if (!Unreadable(whole) || bytes.AsSpan().TrimEnd("\r\n"u8).IndexOf((byte)'\n') < 0)
        {
            return check.Admit(whole, error => skipped(new SkippedItem($"item {error.Index}", error.Field, error.Reason)));
        }

        // Not one payload and not JSON Lines the reader recognised (its first line is broken): map line by line, so one bad
        // line costs that line only.
        return [.. ReadLines(Lines(new MemoryStream(bytes, writable: false)), readAt, skipped, map, configured, check)];
    }

    /// <summary>Maps and admits each line on its own, items numbered across the file and named with their line.</summary>
    private static IEnumerable<AccessEvent> ReadLines(
        IEnumerable<byte[]> lines, DateTimeOffset readAt, Action<SkippedItem> skipped, SourceMap map, SourceMapOptions configured, RecordedEventCheck check)
    {
        var options = configured with { Clock = new SourceClock(readAt) };
        var lineNumber = 0;
        var index = 0;
        foreach (var line in lines)
        {
            lineNumber++;
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

    /// <summary>The lines of <paramref name="stream"/> (split at '\n'), read as they are asked for, each in an array of its own.</summary>
    private static IEnumerable<byte[]> Lines(Stream stream)
    {
        var buffer = new byte[64 * 1024];
        var line = new ArrayBufferWriter<byte>();
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            var start = 0;
            int newline;
            while ((newline = buffer.AsSpan(start, read - start).IndexOf((byte)'\n')) >= 0)
            {
                line.Write(buffer.AsSpan(start, newline));
                yield return line.WrittenSpan.ToArray();
                line.ResetWrittenCount();
                start += newline + 1;
            }

            line.Write(buffer.AsSpan(start, read - start));
        }

        if (line.WrittenCount > 0)
        {
            yield return line.WrittenSpan.ToArray();
        }
    }
}
