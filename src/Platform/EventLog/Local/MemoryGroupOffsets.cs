using System.Collections.Concurrent;

namespace ZtStream.Platform.EventLog.Local;

/// <summary>Committed offsets kept in memory only (the in-process log).</summary>
internal sealed class MemoryGroupOffsets : IGroupOffsets
{
    private readonly ConcurrentDictionary<(string Group, string Topic, int Partition), long> _committed = new();

    public bool TryGet(string group, string topic, int partition, out long offset) => _committed.TryGetValue((group, topic, partition), out offset);

    public void Commit(string group, string topic, int partition, long offset) => _committed[(group, topic, partition)] = offset;

    public void Flush()
    {
    }
}
