using ZtStream.Contracts.Events;

namespace ZtStream.Platform.Hosting;

/// <summary>One input item of a recorded file that gave no event: where it was, which field, and why.</summary>
/// <param name="Where">"item 3" (the 0-based item index across the file) or "line 7".</param>
internal sealed record SkippedItem(string Where, string Field, string Reason);

/// <summary>
/// Reads one recorded source file for <c>ztstream replay</c> through the same adapter live ingestion uses: the events it
/// maps, and every input item it could not, reported to <paramref name="skipped"/> (never dropped silently). Items the
/// source does not date take the previous event's time, or <paramref name="readAt"/> before the first dated one. The
/// adapter keeps to the bounds <paramref name="configuration"/> sets for live ingestion (its <c>Ingest</c> section), or to
/// the defaults without one.
/// </summary>
internal delegate IEnumerable<AccessEvent> SourceFileReader(Stream file, DateTimeOffset readAt, Action<SkippedItem> skipped, IConfiguration? configuration = null);

/// <summary>Attributes the source adapters set that replay also reads.</summary>
internal static class SourceAttributes
{
    /// <summary>Where an event's time came from when not from the source's own primary timestamp (stageTimestamp, received, previous_event, read).</summary>
    public const string TimeSource = "ingest.time_source";
}
