using Microsoft.Extensions.Configuration;
using ZtStream.Ingest.Options;
using ZtStream.Ingest.Sources.Identity;

namespace ZtStream.Ingest.Sources;

/// <summary>
/// Reads recorded source output from a file through the same adapters Ingest's endpoints use, so offline
/// replay scores exactly what live ingestion would have produced. A file is either one payload (a k8s
/// EventList, one Event, a Falco alert, an Okta event hook delivery, an Entra <c>records</c> export, an Auth0 log-stream
/// array) or one payload per line (bare identity-provider records, one per line). Every item that maps to no event is
/// reported.
/// </summary>
internal static class SourceFileReaders
{
    /// <summary>
    /// Format name → reader, as <c>ztstream replay --format</c> takes them: one per <see cref="SourceAdapters.All"/>. Each
    /// maps with the bounds and naming of the configuration's <c>Ingest</c> section, as the live endpoint does (the
    /// defaults without one); a section that fails its validator is an <see cref="OptionsValidationException"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, SourceFileReader> All { get; } =
        SourceAdapters.All.ToDictionary(
            adapter => adapter.Name,
            adapter => (SourceFileReader)((s, readAt, skipped, configuration) =>
                Read(s, readAt, skipped, adapter.Map, SourceMapOptions.For(Configured(configuration), adapter.Idp))),
            StringComparer.Ordinal);

    private static IngestOptions Configured(IConfiguration? configuration)
    {
        var options = configuration?.GetSection(IngestOptions.Section).Get<IngestOptions>() ?? new IngestOptions();
        var problems = IngestOptionsValidator.Validate(options);
        return problems.Count == 0 ? options : throw new OptionsValidationException(IngestOptions.Section, typeof(IngestOptions), problems);
    }

    /// <summary>The whole file failed to parse as JSON (one error for item 0, nothing mapped).</summary>
    private static bool Unreadable(MapResult result) =>
        result.Items.Count == 0 && result.Errors is [{ Index: 0, Field: "$" } only]
        && only.Reason.StartsWith(JsonPayload.MalformedJson, StringComparison.Ordinal);

    /// <summary>The events of the file, each failed sign-in followed by its address twin, as Ingest appends them (<see cref="AddressTwins"/>).</summary>
    private static List<AccessEvent> Read(Stream stream, DateTimeOffset readAt, Action<SkippedItem> skipped, SourceMap map, SourceMapOptions configured) =>
        [.. AddressTwins.With(ReadMapped(stream, readAt, skipped, map, configured))];

    private static List<AccessEvent> ReadMapped(Stream stream, DateTimeOffset readAt, Action<SkippedItem> skipped, SourceMap map, SourceMapOptions configured)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var bytes = buffer.ToArray();
        var options = configured with { Clock = new SourceClock(readAt) };
        var whole = map(bytes, options);
        if (!Unreadable(whole) || bytes.AsSpan().TrimEnd("\r\n"u8).IndexOf((byte)'\n') < 0)
        {
            foreach (var error in whole.Errors)
            {
                skipped(new SkippedItem($"item {error.Index}", error.Field, error.Reason));
            }

            return [.. whole.Events];
        }

        // Not one payload and not JSON Lines the reader recognised (its first line is broken): map line by line, so one
        // bad line costs that line only. Items are numbered across the file.
        options = configured with { Clock = new SourceClock(readAt) };
        var events = new List<AccessEvent>();
        var span = bytes.AsSpan();
        var lineNumber = 0;
        var index = 0;
        while (!span.IsEmpty)
        {
            var newline = span.IndexOf((byte)'\n');
            var line = newline < 0 ? span : span[..newline];
            span = newline < 0 ? [] : span[(newline + 1)..];
            lineNumber++;
            if (line.Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }

            var result = map(line, options);
            events.AddRange(result.Events);
            foreach (var error in result.Errors)
            {
                skipped(new SkippedItem($"item {index + error.Index} (line {lineNumber})", error.Field, error.Reason));
            }

            index += result.ItemCount;
        }

        return events;
    }
}
