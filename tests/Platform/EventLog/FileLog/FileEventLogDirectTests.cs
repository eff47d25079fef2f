using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using static ZtStream.Platform.Tests.EventLog.FileLog.FileLogFolder;

namespace ZtStream.Platform.Tests.EventLog.FileLog;

/// <summary>
/// The active segment written without the page cache (<c>O_DIRECT</c>): whole blocks with zero padding past the frames,
/// readers that see exactly the frames, padding cut on seal and close and taken for padding after a crash, and the
/// page cache again where direct writes are off or refused.
/// </summary>
public sealed class FileEventLogDirectTests : IDisposable
{
    private const string Topic = "zt.direct.v1";
    private const int Block = DirectFile.Block;
    private readonly FileLogFolder _folder = new("zt-direct-");

    [Fact]
    public async Task Append_CommitsEndingMidBlock_ReadersSeeExactlyTheFramesWhileTheWriterAppends()
    {
        SkipUnlessDirect(_folder.Path);
        using var log = Open();
        var appended = new List<string>();
        using var done = new CancellationTokenSource();

        // Tail off: every read goes to the file, through the direct read of the block the writer is rewriting.
        var reader = Task.Run(async () =>
        {
            var reads = 0;
            while (!done.IsCancellationRequested || reads == 0)
            {
                var seen = await log.ReadAsync(Topic, PartitionOf("alice"), 0, int.MaxValue, Ct);
                Assert.Equal(Enumerable.Range(0, seen.Count).Select(i => (long)i), seen.Select(r => r.Offset));
                Assert.All(seen, r => Assert.Equal($"{r.Offset}|{new string('x', ValueBytes(r.Offset))}", Value(r)));
                reads++;
            }

            return reads;
        });

        for (var batch = 0; batch < 120; batch++)
        {
            // 1-3 records of 37-1,200 bytes: commits end anywhere in a block, and some cross one.
            var records = Enumerable.Range(appended.Count, 1 + (batch % 3)).Select(i => Record("alice", $"{i}", ValueBytes(i))).ToList();
            await log.AppendAsync(Topic, records, Ct);
            appended.AddRange(records.Select(r => Encoding.UTF8.GetString(r.Value.Span)));
        }

        await done.CancelAsync();
        Assert.True(await reader > 0);

        // On disk, while open: the frames, then zeros to the next whole block.
        var bytes = ReadShared(ActiveSegment("alice"));
        var end = FramesEnd(bytes, appended);
        Assert.Equal(0, bytes.Length % Block);
        Assert.InRange(bytes.Length - end, 0, Block - 1);
        Assert.DoesNotContain(bytes.AsSpan(end).ToArray(), b => b != 0);
    }

    [Fact]
    public async Task Dispose_AfterDirectAppends_CutsThePaddingAndTheLogReopensAndAppends()
    {
        SkipUnlessDirect(_folder.Path);
        var values = new List<string>();
        using (var log = Open())
        {
            values.AddRange(await AppendAsync(log, 0, 7));
            Assert.Equal(0, new FileInfo(ActiveSegment("alice")).Length % Block);
        }

        var segment = ActiveSegment("alice");
        Assert.Equal(FramesEnd(File.ReadAllBytes(segment), values), new FileInfo(segment).Length);

        using var reopened = Open();
        values.AddRange(await AppendAsync(reopened, values.Count, 5));
        Assert.Equal(values, (await ReadAllAsync(reopened, Topic)).Select(Value));
        Assert.Equal(Enumerable.Range(0, values.Count).Select(i => (long)i), (await ReadAllAsync(reopened, Topic)).Select(r => r.Offset));
    }

    [Fact]
    public async Task Open_AfterCrashLeftZeroPadding_CutsItWithoutATornTailWarning()
    {
        var values = await AppendAndCloseAsync(9);
        var segment = ActiveSegment("alice");
        var length = new FileInfo(segment).Length;
        PadToBlock(segment, []);

        using var captured = new CapturedLog();
        using var reopened = new FileEventLog(Options(), TimeProvider.System, captured.CreateLogger("log"));

        Assert.DoesNotContain(captured.Lines, l => l.Id.Id == 1029);
        Assert.Equal(length, new FileInfo(segment).Length);
        Assert.Equal(values, (await ReadAllAsync(reopened, Topic)).Select(Value));
        await reopened.AppendAsync(Topic, [Record("alice", "after")], Ct);
        Assert.Equal([.. values, "after"], (await ReadAllAsync(reopened, Topic)).Select(Value));
    }

    [Fact]
    public async Task Open_AfterCrashLeftATornFrameBeforeThePadding_ReportsTheTornTailAndKeepsTheWholeFrames()
    {
        var values = await AppendAndCloseAsync(9);
        var segment = ActiveSegment("alice");
        var length = new FileInfo(segment).Length;
        var frame = new byte[RecordFrame.SizeOf(Record("alice", "torn"))];
        RecordFrame.Write(frame, Record("alice", "torn"), 0);
        RecordFrame.StampOffset(frame, values.Count);
        PadToBlock(segment, frame[..(frame.Length / 2)]);

        using var captured = new CapturedLog();
        using var reopened = new FileEventLog(Options(), TimeProvider.System, captured.CreateLogger("log"));

        var warning = Assert.Single(captured.Lines, l => l.Id.Id == 1029);
        Assert.Contains(segment, warning.Message, StringComparison.Ordinal);
        Assert.Equal(length, new FileInfo(segment).Length);
        Assert.Equal(values, (await ReadAllAsync(reopened, Topic)).Select(Value));
    }

    [Fact]
    public async Task Append_PastSegmentSize_RollsAndCutsEachSealedSegmentToItsFrames()
    {
        SkipUnlessDirect(_folder.Path);
        var values = new List<string>();
        using (var log = Open(segmentBytes: 16 * 1024))
        {
            for (var batch = 0; batch < 40; batch++)
            {
                values.AddRange(await AppendAsync(log, values.Count, 3));
            }

            var segments = Segments("alice");
            Assert.True(segments.Length >= 3, $"{segments.Length} segment(s)");
            foreach (var sealedSegment in segments[..^1])
            {
                // Sealed: no padding left, and its index describes exactly that length.
                var length = new FileInfo(sealedSegment).Length;
                Assert.True(File.Exists(Path.ChangeExtension(sealedSegment, ".index")), sealedSegment);
                Assert.Equal(length, FramesEnd(File.ReadAllBytes(sealedSegment), null));
            }

            Assert.Equal(0, new FileInfo(segments[^1]).Length % Block);
            Assert.Equal(values, (await ReadAllAsync(log, Topic)).Select(Value));
        }

        using var reopened = Open(segmentBytes: 16 * 1024);
        var all = await ReadAllAsync(reopened, Topic);
        Assert.Equal(values, all.Select(Value));
        Assert.Equal(Enumerable.Range(0, values.Count).Select(i => (long)i), all.Select(r => r.Offset));
    }

    [Fact]
    public async Task Append_DirectWritesOff_WritesThroughThePageCacheExactlyTheFrames()
    {
        using var captured = new CapturedLog();
        using var log = new FileEventLog(Options() with { DirectWrites = false }, TimeProvider.System, captured.CreateLogger("log"));
        var values = await AppendAsync(log, 0, 7);

        // Open, yet no padding: the file ends where the frames do.
        var segment = ActiveSegment("alice");
        Assert.Equal(FramesEnd(ReadShared(segment), values), new FileInfo(segment).Length);
        Assert.DoesNotContain(captured.Lines, l => l.Id.Id == 1037);
    }

    [Fact]
    public async Task Append_OnAFilesystemThatRefusesDirectIo_WritesThroughThePageCacheAndSaysSoOnce()
    {
        // What a filesystem without O_DIRECT answers (EINVAL at open: tmpfs before Linux 6.6, some overlay and network
        // filesystems); no filesystem on a current kernel's test machine refuses it, so the refusal is the opener's.
        var asked = 0;
        SafeFileHandle? Refuse(string path, bool write, out string? reason)
        {
            Interlocked.Increment(ref asked);
            reason = "the filesystem refuses O_DIRECT";
            return null;
        }

        await AssertFallsBackToThePageCacheAsync(Refuse, "refuses O_DIRECT");
        Assert.True(asked > 2, $"every segment asks for direct I/O ({asked} asked)");
    }

    [Fact]
    public async Task Append_FirstDirectWriteRefused_WritesThroughThePageCacheAndSaysSoOnce()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "direct I/O and eventfd are Linux's");

        // Some filesystems take O_DIRECT at open and answer the first write EINVAL. An eventfd answers any write that is
        // not of 8 bytes so, with the same IOException: given as the segments' direct write handle, it is that filesystem.
        var refusing = 0;
        SafeFileHandle? RefuseWrites(string path, bool write, out string? reason)
        {
            if (!write)
            {
                return DirectFile.TryOpen(path, write: false, out reason);
            }

            Interlocked.Increment(ref refusing);
            reason = null;
            return new SafeFileHandle(EventFd(0, 0), ownsHandle: true);
        }

        await AssertFallsBackToThePageCacheAsync(RefuseWrites, "Invalid argument");
        Assert.True(refusing > 2, $"every segment is tried directly ({refusing} tried)");
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>
    /// Appends enough through a log whose direct I/O <paramref name="open"/> refuses to roll the partition, and checks
    /// that every record is read back, the files hold the frames with no padding, the refusal is said once (naming
    /// <paramref name="reason"/>), and the log reopens on what it wrote.
    /// </summary>
    private async Task AssertFallsBackToThePageCacheAsync(DirectFile.Opener open, string reason)
    {
        using var captured = new CapturedLog();
        List<string> values;
        using (var log = new FileEventLog(Options() with { SegmentBytes = 16 * 1024 }, TimeProvider.System, captured.CreateLogger("log"), null, true, open))
        {
            // Enough to roll: every new segment is tried again, and refused again, without a second log line.
            values = await AppendAsync(log, 0, 60);
            await log.AppendAsync("zt.other.v1", [Record("bob", "b")], Ct);
            Assert.Equal(values, (await ReadAllAsync(log, Topic)).Select(Value));

            // Written through the page cache: the open segment's file ends where its frames do, with no padding.
            Assert.True(Segments("alice").Length > 2, "the appends rolled the partition");
            var segment = ActiveSegment("alice");
            Assert.Equal(FramesEnd(ReadShared(segment), null), new FileInfo(segment).Length);
        }

        var refused = Assert.Single(captured.Lines, l => l.Id.Id == 1037);
        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);

        using var reopened = Open(segmentBytes: 16 * 1024);
        Assert.Equal(values, (await ReadAllAsync(reopened, Topic)).Select(Value));
    }

    /// <summary>37 to 1,236 bytes: frames of every length modulo a block.</summary>
    private static int ValueBytes(long i) => 37 + (int)(i * 379 % 1200);

    private static void SkipUnlessDirect(string folder)
    {
        var probe = Path.Combine(folder, "direct-probe");
        File.WriteAllBytes(probe, []);
        try
        {
            using var handle = DirectFile.TryOpen(probe, write: true, out var reason);
            Assert.SkipWhen(handle is null, $"direct writes are not available here: {reason}");
        }
        finally
        {
            File.Delete(probe);
        }
    }

    /// <summary>Appends <paramref name="count"/> records of "alice" numbered from <paramref name="first"/>, one append each; their values.</summary>
    private static async Task<List<string>> AppendAsync(FileEventLog log, int first, int count)
    {
        var values = new List<string>();
        for (var i = first; i < first + count; i++)
        {
            var record = Record("alice", $"{i}", ValueBytes(i));
            await log.AppendAsync(Topic, [record], Ct);
            values.Add(Encoding.UTF8.GetString(record.Value.Span));
        }

        return values;
    }

    private async Task<List<string>> AppendAndCloseAsync(int count)
    {
        using var log = Open();
        return await AppendAsync(log, 0, count);
    }

    /// <summary>What a crash in the middle of a direct write leaves: <paramref name="partial"/>, then zeros to the next whole block.</summary>
    private static void PadToBlock(string segment, byte[] partial)
    {
        using var file = new FileStream(segment, FileMode.Append);
        file.Write(partial);
        var length = file.Length;
        file.Write(new byte[(Block - (length % Block)) % Block]);
        Assert.True(file.Length > length || partial.Length > 0, "the frames happened to end at a block boundary");
    }

    /// <summary>
    /// Where the whole, intact, consecutive frames at the start of <paramref name="bytes"/> end; with
    /// <paramref name="values"/>, asserts that they are exactly those records.
    /// </summary>
    private static int FramesEnd(byte[] bytes, List<string>? values)
    {
        var at = 0;
        var count = 0;
        long? previous = null;
        while (RecordFrame.LengthOf(bytes.AsSpan(at)) is var length and >= RecordFrame.MinSize && at + length <= bytes.Length)
        {
            var frame = bytes.AsSpan(at, length);
            Assert.True(RecordFrame.IsIntact(frame), $"the frame at {at} is intact");
            var offset = RecordFrame.OffsetOf(frame);
            Assert.True(previous is null || offset == previous + 1, $"offset {offset} follows {previous}");
            previous = offset;
            if (values is not null)
            {
                Assert.Equal(values[count], Value(RecordFrame.Decode(Topic, 0, bytes, at, length)));
            }

            at += length;
            count++;
        }

        if (values is not null)
        {
            Assert.Equal(values.Count, count);
        }

        return at;
    }

    /// <summary>A file the log holds open, read beside it.</summary>
    private static byte[] ReadShared(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var bytes = new byte[file.Length];
        file.ReadExactly(bytes);
        return bytes;
    }

    private EventLogOptions Options(long segmentBytes = 64 * 1024 * 1024) => new()
    {
        Kind = EventLogOptions.File,
        Path = _folder.Path,
        SegmentBytes = segmentBytes,
        RetentionBytes = 0,
        TailBytes = 0,
        ShutdownDrainTimeout = TimeSpan.FromSeconds(2),
    };

    private FileEventLog Open(long segmentBytes = 64 * 1024 * 1024) =>
        new(Options(segmentBytes), TimeProvider.System, NullLogger.Instance);

    private static int PartitionOf(string key) => Murmur2Partitioner.PartitionFor(key, 3);

    private string[] Segments(string key) =>
        [.. Directory.GetFiles(Path.Combine(_folder.Path, "topics", Topic, $"{PartitionOf(key)}"), "*.log").Order(StringComparer.Ordinal)];

    private string ActiveSegment(string key) => Segments(key)[^1];

    [DllImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static extern int EventFd(uint initialValue, int flags);
}
