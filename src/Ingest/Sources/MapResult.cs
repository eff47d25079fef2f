using ZtStream.Contracts.Events;

namespace ZtStream.Ingest.Sources;

/// <summary>One canonical event and the position of the input item it came from.</summary>
/// <param name="Json">
/// The item's own UTF-8 JSON when it already is this event exactly as the contract reads it (a canonical event with no
/// fields moved to attributes and no <c>source</c> of its own): Ingest forwards these bytes with the stamped source
/// spliced in instead of serialising the event again.
/// </param>
internal sealed record MappedEvent(int Index, AccessEvent Event, byte[]? Json = null);

/// <summary>What a source adapter made of a payload: the events it could map and an error for each item it could not.</summary>
internal sealed record MapResult(IReadOnlyList<MappedEvent> Items, IReadOnlyList<ItemError> Errors)
{
    public IReadOnlyList<AccessEvent> Events => [.. Items.Select(i => i.Event)];

    /// <summary>Input items seen (mapped plus rejected).</summary>
    public int ItemCount => Items.Count + Errors.Count;
}

/// <summary>Bounds an adapter keeps to, so one hostile payload cannot balloon an event.</summary>
/// <param name="MaxObjectBytes">Embedded objects (a request or response object, Falco's output fields) above this are replaced by a summary.</param>
internal sealed record SourceMapOptions(int MaxObjectBytes = 32 * 1024)
{
    public static SourceMapOptions Default { get; } = new();
}
