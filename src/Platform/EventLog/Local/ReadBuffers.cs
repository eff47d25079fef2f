namespace ZtStream.Platform.EventLog.Local;

/// <summary>
/// The memory one consumer batch's records are slices of. A record's <see cref="ConsumedRecord.Value"/> is valid only
/// until its handler returns (see <see cref="IRecordHandler.HandleAsync"/>), so a member reading a log it keeps rents
/// the read's arrays here, or holds the log's own buffers it reads from memory, and hands both back once every record
/// of the batch was handled or dropped, instead of leaving a fresh array per read to the GC.
/// </summary>
internal sealed class ReadBuffers
{
    private readonly List<byte[]> _rented = [];
    private readonly List<ILentBytes> _lent = [];

    /// <summary>An array of at least <paramref name="size"/> bytes, its contents undefined, held until <see cref="ReturnAll"/>.</summary>
    public byte[] Rent(int size)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        _rented.Add(buffer);
        return buffer;
    }

    /// <summary>Keeps memory the log lent (already held for this batch) until <see cref="ReturnAll"/> releases it.</summary>
    public void Keep(ILentBytes lent) => _lent.Add(lent);

    /// <summary>Gives every array back and releases every lent buffer; no record sliced from them may be read after this.</summary>
    public void ReturnAll()
    {
        foreach (var buffer in _rented)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        foreach (var lent in _lent)
        {
            lent.Release();
        }

        _rented.Clear();
        _lent.Clear();
    }
}

/// <summary>A log's buffer that a consumer batch holds slices of: released once, when the batch is done with it.</summary>
internal interface ILentBytes
{
    void Release();
}
