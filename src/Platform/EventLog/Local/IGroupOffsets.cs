namespace ZtStream.Platform.EventLog.Local;

/// <summary>Committed offsets of the consumer groups of a local log.</summary>
internal interface IGroupOffsets
{
    bool TryGet(string group, string topic, int partition, out long offset);

    /// <summary>Records <paramref name="offset"/> as the next one <paramref name="group"/> reads; cheap, may be made durable later.</summary>
    void Commit(string group, string topic, int partition, long offset);

    /// <summary>Makes every committed offset durable (a no-op where nothing outlives the process).</summary>
    void Flush();
}
