namespace ZtStream.Platform.EventLog.FileLog;

/// <summary>
/// An append's records for one partition, encoded on the caller's thread into a pooled buffer. Once committed, the
/// same buffer is the partition's in-memory tail (see <see cref="FilePartition"/>), so the buffer goes back to the pool
/// only when its last holder lets go: the append until it completes, the tail until newer chunks push it out, and each
/// consumer batch whose records are slices of it until the batch is done.
/// </summary>
internal sealed class EncodedChunk(FilePartition partition, byte[] buffer, int length, int[] frameStarts, int frameCount, long minTimestampMs, long maxTimestampMs)
    : ILentBytes
{
    private int _holders = 1; // the append's own hold

    public FilePartition Partition { get; } = partition;

    public byte[] Buffer { get; } = buffer;

    public int Length { get; } = length;

    public int[] FrameStarts { get; } = frameStarts;

    public int FrameCount { get; } = frameCount;

    public long MinTimestampMs { get; } = minTimestampMs;

    public long MaxTimestampMs { get; } = maxTimestampMs;

    /// <summary>The offset of the first frame; set by the writer when it stages the chunk.</summary>
    public long FirstOffset { get; set; }

    /// <summary>The chunk published after this one in the partition's tail; set once, by the writer, under the partition's gate.</summary>
    public EncodedChunk? Next { get; set; }

    /// <summary>One more holder; only while another hold is known to be alive (the tail's, under the partition's gate).</summary>
    public void Hold() => Interlocked.Increment(ref _holders);

    /// <summary>Lets go of one hold; the last one gives the buffer back to the pool, after which no slice of it may be read.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _holders) == 0)
        {
            ArrayPool<byte>.Shared.Return(Buffer);
        }
    }
}
