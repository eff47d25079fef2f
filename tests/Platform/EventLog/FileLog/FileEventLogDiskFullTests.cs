using static ZtStream.Platform.Tests.EventLog.FileLog.FileLogFolder;

namespace ZtStream.Platform.Tests.EventLog.FileLog;

/// <summary>The file log on a filesystem that really runs out of space (a small tmpfs): refuse, keep, recover.</summary>
public sealed class FileEventLogDiskFullTests
{
    private const string Topic = "zt.full.v1";

    [Theory]
    [InlineData(EventLogOptions.FsyncGroup)]
    [InlineData(EventLogOptions.FsyncOs)]
    public async Task Append_DiskFull_RefusesAsUnavailableKeepsEveryAcknowledgedRecordAndRecoversOnceFreed(string fsync)
    {
        await using var disk = await SmallDisk.MountAsync(512 * 1024);
        disk.Reserve(64 * 1024);
        var folder = Path.Combine(disk.Path, "eventlog");
        var acknowledged = new List<string>();
        var options = new EventLogOptions { Kind = EventLogOptions.File, Path = folder, Fsync = fsync, SegmentBytes = 64 * 1024 };
        using (var log = new FileEventLog(options, TimeProvider.System, NullLogger.Instance))
        {
            EventLogUnavailableException? refused = null;
            for (var batch = 0; refused is null && batch < 1000; batch++)
            {
                var values = Enumerable.Range(0, 20).Select(i => $"{batch}-{i}-{new string('v', 200)}").ToList();
                try
                {
                    await log.AppendAsync(Topic, [.. values.Select((v, i) => new LogRecord($"principal-{i % 7}", Encoding.UTF8.GetBytes(v)))], Ct);
                    acknowledged.AddRange(values);
                }
                catch (EventLogUnavailableException ex)
                {
                    refused = ex;
                }
            }

            Assert.NotNull(refused);
            Assert.True(refused.RetryAfter > TimeSpan.Zero);
            Assert.Contains("No space left", refused.InnerException?.Message ?? refused.Message, StringComparison.OrdinalIgnoreCase);
            Assert.NotEmpty(acknowledged);

            // Still full: refused again, and what was acknowledged stays readable. The refused batch's rollback may have
            // given pages back; filling them makes "full" not depend on where the log's files happened to end.
            disk.Fill();
            await Assert.ThrowsAsync<EventLogUnavailableException>(() => log.AppendAsync(Topic, [new LogRecord("principal-0", new byte[4096])], Ct));
            Assert.Equal(acknowledged.Order(), (await ReadAllAsync(log, Topic)).Select(Value).Order());

            disk.Free();
        }

        // Reopened: exactly the acknowledged records (nothing from the refused batches, no torn bytes), and appends go on.
        using var reopened = new FileEventLog(options, TimeProvider.System, NullLogger.Instance);
        Assert.Equal(acknowledged.Order(), (await ReadAllAsync(reopened, Topic)).Select(Value).Order());
        await reopened.AppendAsync(Topic, [new LogRecord("principal-0", "after"u8.ToArray())], Ct);
        var partition = Murmur2Partitioner.PartitionFor("principal-0", 3);
        var records = await reopened.ReadAsync(Topic, partition, 0, int.MaxValue, Ct);
        Assert.Equal("after", Encoding.UTF8.GetString(records[^1].Value.Span));
        Assert.Equal(Enumerable.Range(0, records.Count).Select(i => (long)i), records.Select(r => r.Offset));
    }
}
