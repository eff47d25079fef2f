using ZtStream.Platform.EventLog.Local;
using static ZtStream.Platform.Tests.EventLog.FileLog.FileLogFolder;

namespace ZtStream.Platform.Tests.EventLog.FileLog;

/// <summary>
/// The file log's in-memory tail: a consumer that keeps up reads the newest acknowledged records from the buffers they
/// were written from, sees exactly what a restart reads from the files, and holds those buffers for as long as its
/// batch needs them, however far the tail has moved on.
/// </summary>
public sealed class FileEventLogTailTests : IDisposable
{
    private const string Topic = "zt.filetail.v1";
    private readonly FileLogFolder _folder = new("zt-filetail-");

    [Fact]
    public async Task Consume_RecordsInTheTail_AreTheRecordsARestartReadsFromTheFiles()
    {
        List<ConsumedRecord> consumed;
        using (var log = Open())
        {
            for (var batch = 0; batch < 10; batch++)
            {
                await log.AppendAsync(Topic, [.. Enumerable.Range(0, 30).Select(i => Record($"principal-{i % 7}", $"{batch}:{i}", i * 11))], Ct);
            }

            var handler = new RecordingHandler();
            Consume(log, "tail", handler);
            await Eventually.HoldsAsync(() => handler.Handled.Count == 300, "the group handled every record");
            consumed = [.. handler.Handled];
        }

        using var reopened = Open();
        var fromFiles = await ReadAllAsync(reopened, Topic);

        Assert.Equal(300, fromFiles.Count);
        Assert.Equal(Describe(fromFiles), Describe(consumed));
    }

    [Fact]
    public async Task Consume_SegmentBlankedBehindTheLogAfterTheCommit_HandsTheRecordsFromMemory()
    {
        using var log = Open();
        await log.AppendAsync(Topic, [.. Enumerable.Range(0, 40).Select(i => Record("alice", $"{i}", 100))], Ct);
        var partition = Murmur2Partitioner.PartitionFor("alice", 3);
        var segment = Directory.GetFiles(Path.Combine(_folder.Path, "topics", Topic, $"{partition}"), "*.log").Single();
        await File.WriteAllBytesAsync(segment, new byte[new FileInfo(segment).Length], Ct);

        // The file now holds nothing a read could take for a record...
        Assert.Empty(await log.ReadAsync(Topic, partition, 0, 100, Ct));

        // ...yet the group gets every record, with its bytes: it never read the file.
        var handler = new RecordingHandler();
        Consume(log, "tail", handler);
        await Eventually.HoldsAsync(() => handler.Handled.Count == 40, "the group handled every record");
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (long)i), handler.Handled.Select(r => r.Offset));
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"{i}|{new string('x', 100)}"), handler.Handled.Select(Value));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(40 * 1024)]
    [InlineData(4L * 1024 * 1024)]
    public async Task Consume_FromTheStartAcrossTheFilesAndTheTail_HandsEveryRecordOnceInOrder(long tailBytes)
    {
        using var log = Open(tailBytes, segmentBytes: 16 * 1024);
        for (var batch = 0; batch < 20; batch++)
        {
            await log.AppendAsync(Topic, [.. Enumerable.Range(0, 30).Select(i => Record("alice", $"{(batch * 30) + i}", 200))], Ct);
        }

        var handler = new RecordingHandler();
        Consume(log, "across", handler);
        await Eventually.HoldsAsync(() => handler.Handled.Count >= 600, "the group handled every record");
        await log.AppendAsync(Topic, [Record("alice", "600", 200)], Ct);
        await Eventually.HoldsAsync(() => handler.Handled.Count >= 601, "the group handled the record appended while it waited");

        Assert.Equal(Enumerable.Range(0, 601).Select(i => (long)i), handler.Handled.Select(r => r.Offset));
        Assert.Equal(Enumerable.Range(0, 601).Select(i => $"{i}|{new string('x', 200)}"), handler.Handled.Select(Value));
    }

    [Fact]
    public async Task Consume_HandlerHoldsARecordWhileNewerAppendsPushItsChunkOutOfTheTail_ValueUnchangedUntilItReturns()
    {
        // A tail of one chunk's buffer (five records of ≈ 390 bytes: 2 KiB from the pool): every append pushes the one
        // before it out, and a buffer let go goes back to the pool that the next appends rent theirs from.
        using var log = Open(tailBytes: 2048);
        await log.AppendAsync(Topic, [.. Enumerable.Range(0, 5).Select(i => Record("alice", $"first-{i}", 300))], Ct);

        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string? seenAfterwards = null;
        var handler = new RecordingHandler
        {
            OnRecord = async (record, _, cancellationToken) =>
            {
                if (record.Offset == 0)
                {
                    await release.Task.WaitAsync(cancellationToken);
                    seenAfterwards = Value(record);
                }
            },
        };
        Consume(log, "holder", handler);
        await Eventually.HoldsAsync(() => handler.AttemptsFor(Murmur2Partitioner.PartitionFor("alice", 3), 0) == 1, "the handler holds the first record");

        for (var batch = 0; batch < 50; batch++)
        {
            await log.AppendAsync(Topic, [.. Enumerable.Range(0, 5).Select(i => Record("alice", $"later-{batch}-{i}", 300))], Ct);
        }

        release.SetResult();
        await Eventually.HoldsAsync(() => handler.Handled.Count == 255, "the group handled every record");
        Assert.Equal($"first-0|{new string('x', 300)}", seenAfterwards);
        Assert.Equal(Enumerable.Range(0, 255).Select(i => (long)i), handler.Handled.Select(r => r.Offset));
    }

    public void Dispose() => _folder.Dispose();

    private FileEventLog Open(long tailBytes = 4L * 1024 * 1024, long segmentBytes = 64 * 1024 * 1024) => new(new EventLogOptions
    {
        Kind = EventLogOptions.File,
        Path = _folder.Path,
        SegmentBytes = segmentBytes,
        TailBytes = tailBytes,
        RetentionBytes = 0,
        RetryBackoff = TimeSpan.FromMilliseconds(10),
        ShutdownDrainTimeout = TimeSpan.FromSeconds(2),
    }, TimeProvider.System, NullLogger.Instance);

    private void Consume(IEventLog log, string group, RecordingHandler handler) => _folder.Consume(log, Topic, group, handler);

    /// <summary>Everything a record carries, per partition in offset order.</summary>
    private static IEnumerable<string> Describe(IEnumerable<ConsumedRecord> records) => records
        .OrderBy(r => r.Partition)
        .ThenBy(r => r.Offset)
        .Select(r => $"{r.Topic}/{r.Partition}/{r.Offset}/{r.Key}/{r.Timestamp.ToUnixTimeMilliseconds()}/"
            + string.Join(',', r.Headers.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Key}={h.Value}"))
            + "/" + Convert.ToHexString(r.Value.Span));
}
