namespace ZtStream.Ingest.Sources;

/// <summary>
/// A change to an event's bytes as they are forwarded: <see cref="Removed"/> bytes at <see cref="Offset"/> (from the
/// event's first byte) replaced by <see cref="Inserted"/>. The default changes nothing.
/// </summary>
internal readonly record struct ByteSplice(int Offset, int Removed, byte[]? Inserted)
{
    /// <summary>How many bytes longer the event becomes.</summary>
    public int Growth => (Inserted?.Length ?? 0) - Removed;

    /// <summary>
    /// Writes <paramref name="item"/> with this splice made to the start of <paramref name="destination"/>, its first
    /// <paramref name="skip"/> bytes left out (the splice's offset still counts from the item's first byte); returns the length.
    /// </summary>
    public int Write(ReadOnlySpan<byte> item, int skip, Span<byte> destination)
    {
        if (Inserted is null)
        {
            item[skip..].CopyTo(destination);
            return item.Length - skip;
        }

        var head = item[skip..Offset];
        head.CopyTo(destination);
        Inserted.CopyTo(destination[head.Length..]);
        var tail = item[(Offset + Removed)..];
        tail.CopyTo(destination[(head.Length + Inserted.Length)..]);
        return head.Length + Inserted.Length + tail.Length;
    }
}
