namespace ZtStream.Platform.Tests.EventLog.FileLog;

/// <summary>
/// A test's own file-log folder and the consumer groups it starts on it, all stopped before the folder is removed;
/// with the records the file-log tests append and read back.
/// </summary>
internal sealed class FileLogFolder(string prefix) : IDisposable
{
    private readonly TempFolder _folder = new(prefix);
    private readonly ConsumerGroups _groups = new();

    public string Path => _folder.Path;

    /// <summary>Starts <paramref name="group"/> on <paramref name="topic"/>; it runs until it is stopped or the folder is disposed.</summary>
    public (CancellationTokenSource Stop, Task Running) Consume(IEventLog log, string topic, string group, RecordingHandler handler) =>
        _groups.Start(log, topic, group, handler);

    public void Dispose()
    {
        _groups.Dispose();
        _folder.Dispose();
    }

    /// <summary>Every record of <paramref name="topic"/> still held, partition by partition in offset order.</summary>
    public static async Task<List<ConsumedRecord>> ReadAllAsync(IEventLogBrowser log, string topic)
    {
        var all = new List<ConsumedRecord>();
        foreach (var partition in await log.PartitionsAsync(topic, Ct))
        {
            all.AddRange(await log.ReadAsync(topic, partition.Partition, partition.Start, int.MaxValue, Ct));
        }

        return all;
    }

    /// <summary>
    /// A record whose value is <paramref name="value"/>, padded with <c>|</c> and that many <c>x</c> when
    /// <paramref name="valueBytes"/> is positive; its headers name it, so a test that compares everything records carry
    /// tells one record's headers from another's.
    /// </summary>
    public static LogRecord Record(string key, string value, int valueBytes = 0) =>
        new(key, Encoding.UTF8.GetBytes(valueBytes > 0 ? value + "|" + new string('x', valueBytes) : value), new Dictionary<string, string> { ["kind"] = "test", ["n"] = value });

    public static string Value(ConsumedRecord record) => Encoding.UTF8.GetString(record.Value.Span);
}
