namespace ZtStream.Sdk.Revocations;

/// <summary>A feed limit was exceeded: the feed is hostile or broken, and what was read so far is not applied.</summary>
internal sealed class FeedLimitExceededException(string message, bool listFull = false) : IOException(message)
{
    /// <summary>The limit was <c>MaxEntries</c>: more revocations are in force than the list may hold.</summary>
    public bool ListFull => listFull;
}

/// <summary>A read-only pass-through stream that sees every chunk read, for the feed's watches and bounds.</summary>
internal abstract class ReadWatch(Stream inner) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Seen(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        return Seen(buffer.Span[..read]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>Called with the bytes of each read (empty at the end of the stream); returns their count or throws.</summary>
    protected abstract int Seen(ReadOnlySpan<byte> data);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}

/// <summary>Re-arms the idle timer on every read, so only a silent connection trips it.</summary>
internal sealed class IdleWatch(Stream inner, CancellationTokenSource idle, TimeSpan timeout) : ReadWatch(inner)
{
    /// <summary>Whether the stream carried anything at all (an entry, a keep-alive, part of either).</summary>
    public bool SawData { get; private set; }

    protected override int Seen(ReadOnlySpan<byte> data)
    {
        if (data.Length > 0)
        {
            SawData = true;
            idle.CancelAfter(timeout);
        }

        return data.Length;
    }
}

/// <summary>Stops reading a snapshot body past <c>MaxSnapshotBytes</c>, whatever its <c>Content-Length</c> said.</summary>
internal sealed class SnapshotCap(Stream inner, long max) : ReadWatch(inner)
{
    private long _total;

    protected override int Seen(ReadOnlySpan<byte> data)
    {
        _total += data.Length;
        return _total > max ? throw TooLarge(max) : data.Length;
    }

    public static FeedLimitExceededException TooLarge(long max) =>
        new($"the revocation snapshot is larger than {ZtStreamOptions.SectionName}:Revocations:MaxSnapshotBytes ({max} bytes); the list held is kept");
}

/// <summary>
/// Bounds what the SSE parser buffers: the bytes of one event (its field lines together, up to the blank line that
/// ends it) and of any single line, comments included, at <c>MaxEventBytes</c>. Line ends are CR, LF or CRLF
/// (WHATWG HTML, "Parsing an event stream").
/// </summary>
internal sealed class SseEventCap(Stream inner, int max) : ReadWatch(inner)
{
    private int _line;
    private int _event;
    private bool _comment;
    private bool _afterCr;

    protected override int Seen(ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            if (b == (byte)'\n' && _afterCr)
            {
                _afterCr = false;
                continue;
            }

            _afterCr = b == (byte)'\r';
            if (b is (byte)'\r' or (byte)'\n')
            {
                // A blank line dispatches the event; a comment adds nothing to it.
                _event = _line == 0 ? 0 : _event;
                _line = 0;
                _comment = false;
                continue;
            }

            _comment = _line == 0 ? b == (byte)':' : _comment;
            _line++;
            _event += _comment ? 0 : 1;
            if (_line > max || _event > max)
            {
                throw new FeedLimitExceededException(
                    $"a revocation feed event or line is longer than {ZtStreamOptions.SectionName}:Revocations:MaxEventBytes ({max} bytes); the list held is kept");
            }
        }

        return data.Length;
    }
}
