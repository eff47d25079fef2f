using ZtStream.Platform.EventLog.Local;
using ZtStream.Platform.Faults;
using static ZtStream.Platform.Tests.EventLog.FileLog.FileLogFolder;

namespace ZtStream.Platform.Tests.EventLog.FileLog;

/// <summary>
/// What only the durable file log has: records, offsets and partitions that outlive the log object, a torn tail cut
/// back to the last whole record, segments with their index, retention by size and age, one owner per folder.
/// </summary>
public sealed class FileEventLogTests : IDisposable
{
    private const string Topic = "zt.filelog.v1";
    private readonly FileLogFolder _folder = new("zt-filelog-");

    [Theory]
    [InlineData(EventLogOptions.FsyncGroup)]
    [InlineData(EventLogOptions.FsyncAlways)]
    [InlineData(EventLogOptions.FsyncOs)]
    public async Task Reopen_EveryFsyncPolicy_KeepsEveryAcknowledgedRecordInOrder(string fsync)
    {
        using (var log = Open(fsync: fsync))
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(writer =>
                log.AppendAsync(Topic, [.. Enumerable.Range(0, 25).Select(i => Record($"principal-{writer}", $"{writer}:{i}"))], Ct)));
        }

        using var reopened = Open(fsync: fsync);
        var all = await ReadAllAsync(reopened, Topic);

        Assert.Equal(200, all.Count);
        foreach (var writer in Enumerable.Range(0, 8))
        {
            var mine = all.Where(r => r.Key == $"principal-{writer}").ToList();
            Assert.Equal([.. Enumerable.Range(0, 25).Select(i => $"{writer}:{i}")], mine.Select(Value));
            Assert.All(mine, r => Assert.Equal(Murmur2Partitioner.PartitionFor($"principal-{writer}", 3), r.Partition));
        }

        foreach (var partition in all.GroupBy(r => r.Partition))
        {
            Assert.Equal(Enumerable.Range(0, partition.Count()).Select(i => (long)i), partition.Select(r => r.Offset));
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task NewLog_FolderIsTheOwnersAlone_AnExistingFolderKeepsItsMode()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes");
        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        var fresh = Path.Combine(_folder.Path, "state", "eventlog");
        using (var log = new FileEventLog(Options() with { Path = fresh }, TimeProvider.System, NullLogger.Instance))
        {
            await log.AppendAsync(Topic, [Record("alice", "a token id and an address")], Ct);
        }

        // The segments inherit nothing readable by others: the folder above them is closed to everyone but the owner.
        Assert.Equal(ownerOnly, File.GetUnixFileMode(fresh));
        Assert.NotEmpty(Directory.GetFiles(fresh, "*.log", SearchOption.AllDirectories));

        const UnixFileMode shared = ownerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
        File.SetUnixFileMode(fresh, shared);
        using (new FileEventLog(Options() with { Path = fresh }, TimeProvider.System, NullLogger.Instance))
        {
            Assert.Equal(shared, File.GetUnixFileMode(fresh));
        }
    }

    [Fact]
    public async Task Reopen_GroupThatConsumed_ResumesAfterWhatItHandled()
    {
        using (var log = Open())
        {
            await log.AppendAsync(Topic, [.. Enumerable.Range(0, 5).Select(i => Record("alice", $"{i}"))], Ct);
            var first = new RecordingHandler();
            var (stop, running) = Consume(log, "readers", first);
            await Eventually.HoldsAsync(() => first.Handled.Count == 5, "the first five were handled");
            await stop.CancelAsync();
            await running.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        }

        using var reopened = Open();
        await reopened.AppendAsync(Topic, [.. Enumerable.Range(5, 3).Select(i => Record("alice", $"{i}"))], Ct);
        var second = new RecordingHandler();
        Consume(reopened, "readers", second);
        await Eventually.HoldsAsync(() => second.Handled.Count >= 3, "the new records were handled");

        Assert.Equal(["5", "6", "7"], second.Handled.Select(Value));
        Assert.Equal([5L, 6, 7], second.Handled.Select(r => r.Offset));
    }

    [Fact]
    public async Task Open_TornLastRecord_CutsBackToTheLastWholeRecordAndAppendsAfterIt()
    {
        using (var log = Open())
        {
            await log.AppendAsync(Topic, [.. Enumerable.Range(0, 4).Select(i => Record("alice", $"{i}"))], Ct);
        }

        var segment = ActiveSegment("alice");
        var whole = new FileInfo(segment).Length;

        // A crash in the middle of writing a record: its frame is half there.
        var frame = new byte[RecordFrame.SizeOf(Record("alice", "torn"))];
        RecordFrame.Write(frame, Record("alice", "torn"), 0);
        RecordFrame.StampOffset(frame, 4);
        await using (var file = new FileStream(segment, FileMode.Append))
        {
            await file.WriteAsync(frame.AsMemory(0, frame.Length / 2), Ct);
        }

        using var reopened = Open();
        Assert.Equal(whole, new FileInfo(segment).Length);
        await reopened.AppendAsync(Topic, [Record("alice", "after")], Ct);

        var all = await ReadAllAsync(reopened, Topic);
        Assert.Equal(["0", "1", "2", "3", "after"], all.Select(Value));
        Assert.Equal([0L, 1, 2, 3, 4], all.Select(r => r.Offset));
    }

    [Fact]
    public async Task Open_LastRecordWithBadChecksum_IsCutOff()
    {
        using (var log = Open())
        {
            await log.AppendAsync(Topic, [.. Enumerable.Range(0, 3).Select(i => Record("alice", $"{i}"))], Ct);
        }

        // Flip one byte of the last record's value: its length is right, its CRC is not.
        var segment = ActiveSegment("alice");
        var bytes = await File.ReadAllBytesAsync(segment, Ct);
        bytes[^1] ^= 0xFF;
        await File.WriteAllBytesAsync(segment, bytes, Ct);

        using var reopened = Open();
        var all = await ReadAllAsync(reopened, Topic);

        Assert.Equal(["0", "1"], all.Select(Value));
        Assert.True(new FileInfo(segment).Length < bytes.Length);
    }

    /// <summary>
    /// A record changed on disk before what a consumer had read was acknowledged (consumers are handed only synced
    /// records): cutting there, as a torn tail, lost every acknowledged record after it, and said they "were not
    /// acknowledged before a crash". The log now refuses to open, naming the file, the byte and the offset, and leaves
    /// the segment as it is.
    /// </summary>
    [Theory]
    [InlineData(EventLogOptions.FsyncGroup)]
    [InlineData(EventLogOptions.FsyncAlways)]
    public async Task Open_RecordDamagedBeforeWhatAConsumerRead_RefusesNamingIt_LeavesTheSegment(string fsync)
    {
        var segment = await DamageThirdOfSixReadRecordsAsync(fsync);
        var damaged = await File.ReadAllBytesAsync(segment, Ct);

        var refused = Assert.Throws<StorageUnusableException>(() => Open(fsync: fsync));

        Assert.Contains($"{segment} is damaged at byte {2 * RecordFrame.SizeOf(Record("alice", "0"))}: the record with offset 2 is not whole and intact, and consumers had read up to offset 6", refused.Message, StringComparison.Ordinal);
        Assert.Equal(damaged, await File.ReadAllBytesAsync(segment, Ct));
    }

    /// <summary>Under <c>Fsync</c> <c>os</c> a consumer may have read records the machine then lost: a damaged record is cut off, as a torn tail.</summary>
    [Fact]
    public async Task Open_RecordDamagedBeforeWhatAConsumerRead_FsyncOs_IsCutOff()
    {
        await DamageThirdOfSixReadRecordsAsync(EventLogOptions.FsyncOs);

        using var reopened = Open(fsync: EventLogOptions.FsyncOs);

        Assert.Equal(["0", "1"], (await ReadAllAsync(reopened, Topic)).Select(Value));
    }

    /// <summary>Six records read by a group, then one byte of the third changed on disk: the active segment's path.</summary>
    private async Task<string> DamageThirdOfSixReadRecordsAsync(string fsync)
    {
        using (var log = Open(fsync: fsync))
        {
            await log.AppendAsync(Topic, [.. Enumerable.Range(0, 6).Select(i => Record("alice", $"{i}"))], Ct);
            var reader = new RecordingHandler();
            var (stop, running) = Consume(log, "readers", reader);
            await Eventually.HoldsAsync(() => reader.Handled.Count == 6, "the six records were handled");
            await stop.CancelAsync();
            await running.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        }

        var segment = ActiveSegment("alice");
        var bytes = await File.ReadAllBytesAsync(segment, Ct);
        bytes[(3 * RecordFrame.SizeOf(Record("alice", "0"))) - 1] ^= 0xFF;
        await File.WriteAllBytesAsync(segment, bytes, Ct);
        return segment;
    }

    [Fact]
    public async Task Open_OffsetsJournalWithTornLastEntry_ResumesAtTheEntryBeforeWithOneWarning()
    {
        var journal = await TwoOffsetEntriesAsync();

        // A crash in the middle of the second flush: its entry is half there.
        var bytes = await File.ReadAllBytesAsync(journal, Ct);
        var first = FirstEntryEnd(bytes);
        await File.WriteAllBytesAsync(journal, bytes[..(first + ((bytes.Length - first) / 2))], Ct);
        using var captured = new CapturedLog();

        using var reopened = new FileEventLog(Options(), TimeProvider.System, captured.CreateLogger("log"));
        var handler = new RecordingHandler();
        Consume(reopened, "readers", handler);

        // At least once: the two records the torn entry had committed are handed again, none is skipped.
        await Eventually.HoldsAsync(() => handler.Handled.Count >= 2, "the records after the last whole entry were handled again");
        Assert.Equal([2L, 3], handler.Handled.Select(r => r.Offset));
        var warning = Assert.Single(captured.Lines, l => l.Id.Id == 1029);
        Assert.Contains(journal, warning.Message, StringComparison.Ordinal);
        Assert.Equal(first, new FileInfo(journal).Length);
    }

    [Theory]
    [InlineData("a flipped byte in the first entry")]
    [InlineData("garbage between the entries")]
    [InlineData("a zeroed first entry")]
    public async Task Open_OffsetsJournalDamagedBeforeItsLastEntry_RefusesNamingTheFileAndLeavesIt(string damage)
    {
        var journal = await TwoOffsetEntriesAsync();
        var bytes = await File.ReadAllBytesAsync(journal, Ct);
        var first = FirstEntryEnd(bytes);
        byte[] damaged = damage switch
        {
            "a flipped byte in the first entry" => [.. bytes[..28], (byte)(bytes[28] ^ 0xFF), .. bytes[29..]],
            "garbage between the entries" => [.. bytes[..first], .. Encoding.ASCII.GetBytes("not an entry of the journal"), .. bytes[first..]],
            _ => [.. bytes[..JournalHeader], .. new byte[first - JournalHeader], .. bytes[first..]],
        };
        await File.WriteAllBytesAsync(journal, damaged, Ct);

        var refused = Assert.Throws<StorageUnusableException>(() => Open());

        Assert.Contains($"{journal} is damaged at byte", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Restore it from a backup", refused.Message, StringComparison.Ordinal);
        Assert.Equal(damaged, await File.ReadAllBytesAsync(journal, Ct));
    }

    [Fact]
    public async Task Append_PastSegmentSize_RollsSegmentsThatReopenFromTheirIndex()
    {
        using (var log = Open(segmentBytes: 4096))
        {
            for (var batch = 0; batch < 20; batch++)
            {
                await log.AppendAsync(Topic, [.. Enumerable.Range(0, 10).Select(i => Record("alice", $"{(batch * 10) + i}", valueBytes: 100))], Ct);
            }
        }

        var folder = Path.GetDirectoryName(ActiveSegment("alice"))!;
        var segments = Directory.GetFiles(folder, "*.log");
        Assert.True(segments.Length > 3, $"expected several segments, found {segments.Length}");
        Assert.Equal(segments.Length - 1, Directory.GetFiles(folder, "*.index").Length);

        using var reopened = Open(segmentBytes: 4096);
        var all = await ReadAllAsync(reopened, Topic);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"{i}"), all.Select(Value).Select(v => v.Split('|')[0]));

        // A read from the middle starts exactly at the asked offset, whichever segment holds it.
        var middle = await reopened.ReadAsync(Topic, all[0].Partition, 137, 5, Ct);
        Assert.Equal([137L, 138, 139, 140, 141], middle.Select(r => r.Offset));
    }

    /// <summary>
    /// Every guess of a read's size is wrong somewhere; and a consumer's reads go into pooled arrays handed back after
    /// each batch (<paramref name="pooled"/>), so a read gets arrays longer than it asked for whose tails still hold
    /// earlier frames: it must stop where its own bytes end.
    /// </summary>
    [Theory]
    [InlineData(1, false)]
    [InlineData(7, false)]
    [InlineData(256, false)]
    [InlineData(1, true)]
    [InlineData(7, true)]
    [InlineData(256, true)]
    public async Task Read_InStepsOverFramesThatGrowPastTheGuessAndPastAChunk_ReturnsEveryRecordOnceInOrder(int max, bool pooled)
    {
        using var log = Open();
        var sizes = await AppendFramesOfChangingSizeAsync(log);

        var partition = Murmur2Partitioner.PartitionFor("alice", 3);
        var buffers = new ReadBuffers();
        var offsets = new List<long>();
        var values = new List<string>();
        while (offsets.Count < sizes.Length)
        {
            var step = await StepAsync(offsets.Count);
            Assert.InRange(step.Count, 1, max);
            offsets.AddRange(step.Select(r => r.Offset));
            values.AddRange(step.Select(Value));
            buffers.ReturnAll();
        }

        Assert.Equal(Enumerable.Range(0, sizes.Length).Select(i => (long)i), offsets);
        Assert.Equal(Enumerable.Range(0, sizes.Length).Select(i => $"{i}|{new string('x', sizes[i])}"), values);
        Assert.Empty(await StepAsync(sizes.Length));

        async Task<IReadOnlyList<ConsumedRecord>> StepAsync(long from)
        {
            if (!pooled)
            {
                return await log.ReadAsync(Topic, partition, from, max, Ct);
            }

            var step = new List<ConsumedRecord>();
            ((ILocalPartitions)log).Read(Topic, partition, from, max, step, buffers);
            return step;
        }
    }

    [Theory]
    [InlineData(256, 0, 0, 64 * 1024)] // nothing seen yet: a whole chunk
    [InlineData(10, 10_000, 10, 11 * 1_000)] // ten more frames of 1,000 bytes, and one over
    [InlineData(1, 999, 2, 2 * 500)] // the average rounds up
    [InlineData(1_000, 1_000, 1, 64 * 1024)] // never more than a chunk
    [InlineData(1, 10, 1, RecordFrame.MinSize)] // never less than a frame's header and empty body
    public void ChunkFor_AfterFramesWereSeen_ReadsWhatTheRecordsStillWantedTake(int wanted, long bytes, long frames, int expected) =>
        Assert.Equal(expected, FilePartition.ChunkFor(wanted, bytes, frames));

    /// <summary>
    /// The index of another segment of the very same length and first offset (another log's, restored over it), intact and
    /// describing records that are not there: its length and checksum match, but the records after its last entry do not
    /// end where it says. Trusted, it said the segment ended half way: a consumer resuming in its second half was sent on
    /// to the next segment, past records it had not read.
    /// </summary>
    [Fact]
    public async Task Reopen_SealedSegmentHoldsAnotherSegmentsIndexOfItsLength_ScansItAndReadsEveryRecordOnce()
    {
        // Records of one size here, of twice that size there: a segment of 2k of these is as long as one of k of those.
        const int Small = 100, PerSegment = 10;
        long frame;
        using (var probe = new TempFolder("zt-filelog-frame-"))
        {
            using (var log = new FileEventLog(Options() with { Path = probe.Path }, TimeProvider.System, NullLogger.Instance))
            {
                await log.AppendAsync(Topic, [Record("alice", "000", valueBytes: Small)], Ct);
            }

            frame = new FileInfo(Directory.GetFiles(Path.Combine(probe.Path, "topics", Topic), "*.log", SearchOption.AllDirectories).Single(f => new FileInfo(f).Length > 0)).Length;
        }

        using var other = new TempFolder("zt-filelog-other-");
        using (var log = new FileEventLog(Options(segmentBytes: PerSegment * frame) with { Path = other.Path }, TimeProvider.System, NullLogger.Instance))
        {
            // One at a time: a segment is sealed when an append finds it full, so the one after the last seals it.
            for (var i = 0; i <= PerSegment / 2; i++)
            {
                await log.AppendAsync(Topic, [Record("alice", $"{i:D3}", valueBytes: Small + (int)frame)], Ct);
            }
        }

        using (var log = Open(segmentBytes: PerSegment * frame))
        {
            for (var i = 0; i <= PerSegment; i++)
            {
                await log.AppendAsync(Topic, [Record("alice", $"{i:D3}", valueBytes: Small)], Ct);
            }
        }

        var index = Path.ChangeExtension(Directory.GetFiles(Path.GetDirectoryName(ActiveSegment("alice"))!, "*.log").Order(StringComparer.Ordinal).First(), ".index");
        var replacement = Path.Combine(other.Path, Path.GetRelativePath(_folder.Path, index));
        Assert.Equal(new FileInfo(index).Length, new FileInfo(replacement).Length);
        Assert.NotEqual(await File.ReadAllBytesAsync(index, Ct), await File.ReadAllBytesAsync(replacement, Ct));
        File.Copy(replacement, index, overwrite: true);

        using var reopened = Open(segmentBytes: PerSegment * frame);
        var all = await ReadAllAsync(reopened, Topic);

        Assert.Equal(Enumerable.Range(0, PerSegment + 1).Select(i => $"{i:D3}"), all.Select(Value).Select(v => v.Split('|')[0]));
        Assert.Equal(Enumerable.Range(0, PerSegment + 1).Select(i => (long)i), all.Select(r => r.Offset));

        // A consumer resuming past where that index said the segment ended (as after a restart) reads on from there.
        var resumed = await reopened.ReadAsync(Topic, all[0].Partition, PerSegment - 2, PerSegment, Ct);
        Assert.Equal([PerSegment - 2L, PerSegment - 1, PerSegment], resumed.Select(r => r.Offset));
    }

    [Fact]
    public async Task Retention_BySize_RemovesOldestSegmentsAndALateGroupStartsAtWhatIsLeft()
    {
        using var log = Open(segmentBytes: 4096, retentionBytes: 12_000);
        for (var batch = 0; batch < 20; batch++)
        {
            await log.AppendAsync(Topic, [.. Enumerable.Range(0, 10).Select(i => Record("alice", $"{(batch * 10) + i}", valueBytes: 100))], Ct);
        }

        log.ApplyRetention();

        var partition = Murmur2Partitioner.PartitionFor("alice", 3);
        var bounds = (await log.PartitionsAsync(Topic, Ct)).Single(p => p.Partition == partition);
        Assert.True(bounds.Start > 0, "the oldest segments were removed");
        Assert.Equal(200, bounds.End);
        var kept = Directory.GetFiles(Path.GetDirectoryName(ActiveSegment("alice"))!, "*.log").Sum(f => new FileInfo(f).Length);
        Assert.True(kept <= 12_000 + 4096 + 2000, $"{kept} bytes kept");

        var late = new RecordingHandler();
        Consume(log, "late", late);
        await Eventually.HoldsAsync(() => late.Handled.Count == 200 - bounds.Start, "the late group read what is left");
        Assert.Equal(bounds.Start, late.Handled[0].Offset);
    }

    [Fact]
    public async Task Retention_ByAge_RemovesSegmentsWhoseNewestRecordIsOlderThanRetention()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-03-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        using var log = Open(segmentBytes: 4096, time: time, retentionHours: 1);
        for (var batch = 0; batch < 5; batch++)
        {
            await log.AppendAsync(Topic, [.. Enumerable.Range(0, 10).Select(i => Record("alice", $"old-{batch}-{i}", valueBytes: 100))], Ct);
        }

        time.Advance(TimeSpan.FromHours(2));
        await log.AppendAsync(Topic, [Record("alice", "new")], Ct);
        log.ApplyRetention();

        var all = await ReadAllAsync(log, Topic);
        Assert.Equal(["new"], all.Select(Value));
        Assert.Equal(50, all[0].Offset);
    }

    [Fact]
    public void Open_FolderInUse_FailsNamingTheOwner()
    {
        using var owner = Open();

        var error = Assert.Throws<EventLogLockedException>(() => Open());

        Assert.Contains(_folder.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains($"pid {Environment.ProcessId}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenReadOnly_BesideTheWriter_SeesAcknowledgedRecords()
    {
        using var writer = Open();
        await writer.AppendAsync(Topic, [Record("alice", "a"), Record("bob", "b")], Ct);

        using var reader = new FileEventLog(Options(), TimeProvider.System, NullLogger.Instance, writable: false);
        var all = await ReadAllAsync(reader, Topic);

        Assert.Equal(["a", "b"], all.Select(Value).Order());
        await Assert.ThrowsAsync<InvalidOperationException>(() => reader.AppendAsync(Topic, [Record("alice", "c")], Ct));
    }

    [Fact]
    public async Task Append_InvalidTopicName_IsRefused()
    {
        using var log = Open();

        await Assert.ThrowsAsync<ArgumentException>(() => log.AppendAsync("../escape", [Record("alice", "x")], Ct));
    }

    public void Dispose() => _folder.Dispose();

    private EventLogOptions Options(string fsync = EventLogOptions.FsyncGroup, long segmentBytes = 64 * 1024 * 1024, long retentionBytes = 0, int retentionHours = 168) => new()
    {
        Kind = EventLogOptions.File,
        Path = _folder.Path,
        Fsync = fsync,
        SegmentBytes = segmentBytes,
        RetentionBytes = retentionBytes,
        RetentionHours = retentionHours,
        RetryBackoff = TimeSpan.FromMilliseconds(10),
        ShutdownDrainTimeout = TimeSpan.FromSeconds(2),
    };

    private FileEventLog Open(string fsync = EventLogOptions.FsyncGroup, long segmentBytes = 64 * 1024 * 1024, long retentionBytes = 0, TimeProvider? time = null, int retentionHours = 168) =>
        new(Options(fsync, segmentBytes, retentionBytes, retentionHours), time ?? TimeProvider.System, NullLogger.Instance);

    /// <summary>Records 0-3 of "alice", a group "readers" that committed 2 and then 4: the journal holds two entries.</summary>
    private async Task<string> TwoOffsetEntriesAsync()
    {
        for (var round = 0; round < 2; round++)
        {
            // Flushed only when the group stops: one entry a round.
            using var log = new FileEventLog(Options() with { OffsetCommitInterval = TimeSpan.FromHours(1) }, TimeProvider.System, NullLogger.Instance);
            await log.AppendAsync(Topic, [Record("alice", $"{round}a"), Record("alice", $"{round}b")], Ct);
            var handler = new RecordingHandler();
            var (stop, running) = Consume(log, "readers", handler);
            await Eventually.HoldsAsync(() => handler.Handled.Count == 2, "the round's two records were handled");
            await stop.CancelAsync();
            await running.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        }

        var journal = Path.Combine(_folder.Path, FileGroupOffsets.FileName);
        Assert.True(FirstEntryEnd(await File.ReadAllBytesAsync(journal, Ct)) < new FileInfo(journal).Length, "the journal holds more than one entry");
        return journal;
    }

    /// <summary>The offsets journal's header (magic, version) before its entries.</summary>
    private const int JournalHeader = 8;

    /// <summary>Where the journal's first entry ends: its header, then the entry's declared length.</summary>
    private static int FirstEntryEnd(byte[] journal) => JournalHeader + BitConverter.ToInt32(journal, JournalHeader);

    private (CancellationTokenSource Stop, Task Running) Consume(IEventLog log, string group, RecordingHandler handler) => _folder.Consume(log, Topic, group, handler);

    private string ActiveSegment(string key) =>
        Directory.GetFiles(Path.Combine(_folder.Path, "topics", Topic, $"{Murmur2Partitioner.PartitionFor(key, 3)}"), "*.log").Order(StringComparer.Ordinal).Last();

    /// <summary>
    /// 300 records under one key: small frames first (the size a read guesses from), then ones ten times larger, then
    /// ones larger than a whole 64 KiB read, then small again, so every guess is wrong somewhere. Returns their sizes.
    /// </summary>
    private static async Task<int[]> AppendFramesOfChangingSizeAsync(FileEventLog log)
    {
        int[] sizes = [.. Enumerable.Range(0, 300).Select(i => i switch
        {
            < 100 => 50 + (i % 7),
            < 200 => 5_000 + (i * 13),
            < 210 => 70_000 + (i * 101),
            _ => 10 + (i % 3),
        })];
        for (var batch = 0; batch < sizes.Length; batch += 30)
        {
            await log.AppendAsync(Topic, [.. Enumerable.Range(batch, 30).Select(i => Record("alice", $"{i}", valueBytes: sizes[i]))], Ct);
        }

        return sizes;
    }
}

/// <summary>The sparse index a segment keeps to find an offset without reading the file from its start.</summary>
public sealed class SegmentIndexTests
{
    [Fact]
    public void Floor_AfterIndexingFramesOfAKilobyte_ReturnsAnEntryWithinOneIntervalOfTheOffset()
    {
        using var folder = new TempFolder("zt-segment-");
        using var segment = Segment.Create(folder.Path, 1000);
        for (var i = 0; i < 100; i++)
        {
            segment.Index(1000 + i, i * 1000L);
        }

        var (offset, position) = segment.Floor(1050);

        Assert.InRange(offset, 1050 - (Segment.IndexInterval / 1000) - 1, 1050);
        Assert.Equal((offset - 1000) * 1000, position);
        Assert.Equal((1000L, 0L), segment.Floor(1000));
        Assert.Equal((1000L, 0L), segment.Floor(5));
    }
}
