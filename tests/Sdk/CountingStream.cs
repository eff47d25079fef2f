namespace ZtStream.Sdk.Tests;

/// <summary>
/// A read-only body of <c>length</c> bytes, <c>data</c>'s or zeros made as they are read, handed out at most
/// <c>piece</c> bytes a read; <see cref="BytesRead"/> says how far a reader went.
/// </summary>
internal sealed class CountingStream(byte[]? data, long length, int piece = 81920) : Stream
{
    public CountingStream(byte[] data, int piece = 81920)
        : this(data, data.Length, piece)
    {
    }

    public long BytesRead { get; private set; }
    public override long Length => length;
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = (int)Math.Min(Math.Min(count, piece), length - BytesRead);
        if (data is null)
        {
            buffer.AsSpan(offset, n).Clear();
        }
        else
        {
            data.AsSpan((int)BytesRead, n).CopyTo(buffer.AsSpan(offset));
        }

        BytesRead += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
