using ZtStream.Contracts.Events;

namespace ZtStream.Platform.Hosting;

/// <summary>One input item of a recorded file that gave no event: where it was, which field, and why.</summary>
/// <param name="Where">"item 3" (the 0-based item index across the file) or "line 7".</param>
internal sealed record SkippedItem(string Where, string Field, string Reason);

/// <summary>
/// Reads one recorded file for <c>ztstream replay</c> (and a rule test's input) through the same adapter and validator
/// live ingestion uses: the events live ingestion would have accepted, and every input item it would have refused
/// (not mapped, or refused by Ingest's event validator), reported to <paramref name="skipped"/> (never dropped silently).
/// Items the source does not date take the previous event's time, or <paramref name="readAt"/> before the first dated
/// one. Adapter and validator keep to the bounds <paramref name="configuration"/> sets for live ingestion (its
/// <c>Ingest</c> section), or to the defaults without one. The time window is checked as the events would have arrived:
/// too old beside an event before it in the file, or, when <paramref name="now"/> is given, dated after it.
/// </summary>
internal delegate IEnumerable<AccessEvent> SourceFileReader(
    Stream file, DateTimeOffset readAt, Action<SkippedItem> skipped, IConfiguration? configuration = null, DateTimeOffset? now = null);

/// <summary>The format names of <see cref="SourceFileReader"/>s besides the source adapters' own.</summary>
internal static class SourceFileFormats
{
    /// <summary>Canonical events, one per line, as <c>POST /v1/events</c> takes them.</summary>
    public const string Canonical = "ndjson";
}

/// <summary>Attributes Ingest sets on the source adapters' events, which replay sets alike.</summary>
internal static class SourceAttributes
{
    /// <summary>Where an event's time came from when not from the source's own primary timestamp (stageTimestamp, received, previous_event, read).</summary>
    public const string TimeSource = "ingest.time_source";

    /// <summary>The fields (dotted paths, <c>subject.id</c>) whose hidden characters were written as visible escapes.</summary>
    public const string Escaped = "ingest.escaped";
}

/// <summary>
/// A recorded input that is not what its format is written in at all (a compressed or binary file, CSV, a text log):
/// told from its first line, before anything is read as records, so the command stops with one line instead of reading
/// the input to its bounds and skipping every line of it. The message reads after "is": <c>not NDJSON: …</c>.
/// </summary>
internal sealed class InputNotJsonException(string message) : FormatException(message);
