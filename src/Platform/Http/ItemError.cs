namespace ZtStream.Platform.Http;

/// <summary>
/// Why one input item was not accepted. <paramref name="Index"/> is the item's position in the request (0 for a
/// request of one item); <paramref name="Field"/> is a dotted path in that item ("$" for the item itself).
/// Problem documents list these under <c>errors</c>, and the SDK reads them to drop exactly the refused items.
/// </summary>
internal sealed record ItemError(int Index, string Field, string Reason)
{
    /// <summary><c>current_version</c> of an item refused as stale, as <see cref="Problem.CurrentVersion"/> is for a request of one.</summary>
    public long? CurrentVersion { get; init; }

    /// <summary>
    /// At most <paramref name="max"/> characters of a value the sender gave, to quote in a reason: enough to recognise
    /// it, without echoing a whole oversized field back.
    /// </summary>
    public static string Clip(string s, int max = 64)
    {
        ArgumentNullException.ThrowIfNull(s);
        return s.Length <= max ? s : string.Concat(s.AsSpan(0, max), "…");
    }
}
