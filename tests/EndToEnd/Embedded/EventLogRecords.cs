using Microsoft.Extensions.Logging.Abstractions;
using ZtStream.Contracts;
using ZtStream.Platform.EventLog;
using ZtStream.Platform.EventLog.FileLog;
using ZtStream.Platform.Options;

namespace ZtStream.EndToEnd.Embedded;

/// <summary>What a stopped <c>ztstream run</c> left in its file event log, read back through the log's own reader.</summary>
internal static class EventLogRecords
{
    /// <summary>
    /// Every record of the events topic in the file log at <paramref name="folder"/> (<see cref="ReadRecordsAsync"/>): the
    /// partition, id and kind of each event in log order, and where each partition ends.
    /// </summary>
    public static async Task<(List<(int Partition, string Id, string Kind)> Events, Dictionary<int, long> Ends)> ReadEventsAsync(string folder, CancellationToken ct)
    {
        var (records, ends) = await ReadRecordsAsync(folder, ct);
        return ([.. records.Select(r => (r.Partition, r.Event.GetProperty("id").GetString()!, r.Event.GetProperty("kind").GetString()!))], ends);
    }

    /// <summary>
    /// Every record of the events topic in the file log at <paramref name="folder"/>, read read-only (as <c>ztstream dlq</c>
    /// opens it) partition by partition from its first offset, each partition's offsets checked to be dense: each record's
    /// partition and value in log order, and where each partition ends. A record read twice or left out shows here.
    /// </summary>
    public static async Task<(List<(int Partition, JsonElement Event)> Records, Dictionary<int, long> Ends)> ReadRecordsAsync(string folder, CancellationToken ct)
    {
        using var log = new FileEventLog(new EventLogOptions { Kind = EventLogOptions.File, Path = folder }, TimeProvider.System, NullLogger.Instance, writable: false);
        List<(int, JsonElement)> events = [];
        Dictionary<int, long> ends = [];
        foreach (var partition in await log.PartitionsAsync(Topics.Events, ct))
        {
            var records = await log.ReadAsync(Topics.Events, partition.Partition, partition.Start, int.MaxValue, ct);
            Assert.Equal(Enumerable.Range(0, (int)(partition.End - partition.Start)).Select(i => partition.Start + i), records.Select(r => r.Offset));
            foreach (var record in records)
            {
                using var value = JsonDocument.Parse(record.Value);
                events.Add((partition.Partition, value.RootElement.Clone()));
            }

            ends[partition.Partition] = partition.End;
        }

        return (events, ends);
    }
}
