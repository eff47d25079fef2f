namespace ZtStream.Platform.EventLog.Local;

/// <summary>The partitions of a log kept by this process (in memory or in files), as its consumer groups read them.</summary>
internal interface ILocalPartitions
{
    /// <summary>Partitions of <paramref name="topic"/>, creating the topic when it does not exist yet.</summary>
    int PartitionCount(string topic);

    /// <summary>The first retained offset and the offset the next record will get (records below it are readable).</summary>
    (long Start, long End) Bounds(string topic, int partition);

    /// <summary>
    /// Adds up to <paramref name="max"/> records at or after <paramref name="from"/> to <paramref name="batch"/>, in offset
    /// order. A log that reads the records' bytes into memory of its own takes it from <paramref name="buffers"/>: the
    /// records are valid until the caller returns those.
    /// </summary>
    void Read(string topic, int partition, long from, int max, List<ConsumedRecord> batch, ReadBuffers buffers);
}
