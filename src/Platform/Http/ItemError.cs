namespace ZtStream.Platform.Http;

/// <summary>
/// Why one input item was not accepted. <paramref name="Index"/> is the item's position in the request (0 for a
/// request of one item); <paramref name="Field"/> is a dotted path in that item ("$" for the item itself).
/// Problem documents list these under <c>errors</c>, and the SDK reads them to drop exactly the refused items.
/// </summary>
internal sealed record ItemError(int Index, string Field, string Reason);
