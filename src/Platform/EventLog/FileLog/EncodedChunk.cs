namespace ZtStream.Platform.EventLog.FileLog;

/// <summary>An append's records for one partition, encoded on the caller's thread into a pooled buffer.</summary>
internal sealed class EncodedChunk(FilePartition partition, byte[] buffer, int length, int[] frameStarts, int frameCount, long minTimestampMs, long maxTimestampMs)
{
    public FilePartition Partition { get; } = partition;

    public byte[] Buffer { get; } = buffer;

    public int Length { get; } = length;

    public int[] FrameStarts { get; } = frameStarts;

    public int FrameCount { get; } = frameCount;

    public long MinTimestampMs { get; } = minTimestampMs;

    public long MaxTimestampMs { get; } = maxTimestampMs;
}
