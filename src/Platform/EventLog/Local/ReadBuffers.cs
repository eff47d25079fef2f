using System.Buffers;

namespace ZtStream.Platform.EventLog.Local;

/// <summary>
/// The pooled arrays one consumer batch's records are slices of. A record's <see cref="ConsumedRecord.Value"/> is
/// valid only until its handler returns (see <see cref="IRecordHandler.HandleAsync"/>), so a member reading a log it
/// keeps rents the read's arrays here and hands them back once every record of the batch was handled or dropped,
/// instead of leaving a fresh array per read to the GC.
/// </summary>
internal sealed class ReadBuffers
{
    private readonly List<byte[]> _rented = [];

    /// <summary>An array of at least <paramref name="size"/> bytes, its contents undefined, held until <see cref="ReturnAll"/>.</summary>
    public byte[] Rent(int size)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        _rented.Add(buffer);
        return buffer;
    }

    /// <summary>Gives every array back; no record sliced from them may be read after this.</summary>
    public void ReturnAll()
    {
        foreach (var buffer in _rented)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _rented.Clear();
    }
}
