using System.Buffers.Binary;

namespace ZtStream.Platform.Tests.EventLog.FileLog;

/// <summary>
/// The consumer-offsets journal says what it is: a header (magic "ZTOF", version) on every file it writes, header-less
/// journals of earlier versions still read (and given the header when compacted), and a file of another kind or version
/// refused naming it, left as it is.
/// </summary>
public sealed class FileGroupOffsetsTests : IDisposable
{
    private const string Topic = "zt.events.v1";
    private static readonly byte[] Header = [.. "FOTZ"u8, 1, 0, 0, 0];
    private readonly TempFolder _temp = new("zt-offsets-");
    private readonly List<(long Kept, long Cut)> _torn = [];

    private string Journal => Path.Combine(_temp.Path, FileGroupOffsets.FileName);

    [Fact]
    public void NewJournal_StartsWithMagicAndVersion_AndReopensWithItsOffsets()
    {
        using (var offsets = Open())
        {
            Assert.Equal(Header, File.ReadAllBytes(Journal));
        }

        CommitThenReopenWithHeader(2, 41);
        Assert.Empty(_torn);
    }

    /// <summary>
    /// A journal an earlier version wrote (frames from byte 0) keeps its offsets, takes new frames, and is rewritten with
    /// the header when it grows past the compaction threshold.
    /// </summary>
    [Fact]
    public void HeaderlessJournalOfAnEarlierVersion_IsReadAndGetsTheHeaderAtCompaction()
    {
        var stale = LegacyFrame("readers", 1);
        var last = LegacyFrame("readers", 7);
        var repeats = (4 * 1024 * 1024 / stale.Length) + 1;
        using (var file = File.Create(Journal))
        {
            for (var i = 0; i < repeats; i++)
            {
                file.Write(stale);
            }

            file.Write(last);
        }

        using (var offsets = Open())
        {
            Assert.True(offsets.TryGet("readers", Topic, 0, out var resumed));
            Assert.Equal(7, resumed);
            offsets.Commit("readers", Topic, 0, 9);
            offsets.Commit("auditors", Topic, 1, 3);
            offsets.Flush();
        }

        var compacted = File.ReadAllBytes(Journal);
        Assert.Equal(Header, compacted[..8]);
        Assert.InRange(compacted.Length, 9, 1024);
        using var reopened = Open();
        Assert.True(reopened.TryGet("readers", Topic, 0, out var readers));
        Assert.True(reopened.TryGet("auditors", Topic, 1, out var auditors));
        Assert.Equal((9L, 3L), (readers, auditors));
        Assert.Empty(_torn);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    [InlineData(-1)]
    public void JournalOfAnotherVersion_IsRefusedNamingFileAndVersion_AndLeftAsItIs(int version)
    {
        byte[] bytes = [.. "FOTZ"u8, .. BitConverter.GetBytes(version), .. LegacyFrame("readers", 5)];
        File.WriteAllBytes(Journal, bytes);

        var refused = Assert.Throws<InvalidDataException>(() => Open());

        Assert.Equal(
            $"{Journal} is a consumer-offsets journal of version {version}, and this ZtStream reads version 1: run the ZtStream that wrote it, " +
            "or move it aside to have every consumer group read its topics again from the earliest retained record (the Verifier resumes from its checkpoints in the store)",
            refused.Message);
        Assert.Equal(bytes, File.ReadAllBytes(Journal));
        Assert.Empty(_torn);
    }

    /// <summary>Files that are not a journal: before, most were cut to nothing as a "torn last entry", losing what they held.</summary>
    [Theory]
    [InlineData("{\"readers\": {\"zt.events.v1\": [41, 7, 0]}}\n")]
    [InlineData("readers zt.events.v1 0 41\nreaders zt.events.v1 1 7\n")]
    [InlineData("ZTIX")]
    public void FileOfAnotherKind_IsRefusedNamingIt_AndLeftAsItIs(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        File.WriteAllBytes(Journal, bytes);

        var refused = Assert.Throws<InvalidDataException>(() => Open());

        Assert.StartsWith($"{Journal} is not a consumer-offsets journal (it starts with neither the \"ZTOF\" header", refused.Message, StringComparison.Ordinal);
        Assert.Contains("move it aside", refused.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(Journal));
    }

    /// <summary>A crash between creating the file and its header landing leaves nothing committed: the journal starts again, with its header.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(7)]
    public void JournalWhoseHeaderNeverLanded_StartsAfresh(int landed)
    {
        File.WriteAllBytes(Journal, Header[..landed]);

        CommitThenReopenWithHeader(0, 4);
    }

    /// <summary>Commits an offset of group "readers", and finds it again after a reopen, in a journal that starts with the header.</summary>
    private void CommitThenReopenWithHeader(int partition, long offset)
    {
        using (var offsets = Open())
        {
            offsets.Commit("readers", Topic, partition, offset);
            offsets.Flush();
        }

        Assert.Equal(Header, File.ReadAllBytes(Journal)[..8]);
        using var reopened = Open();
        Assert.True(reopened.TryGet("readers", Topic, partition, out var committed));
        Assert.Equal(offset, committed);
    }

    /// <summary>
    /// A frame as every version writes it (u32 length | u32 CRC-32C | i32 count | entries of group, topic, partition,
    /// offset), built here byte by byte so the earlier version's file does not depend on the code under test.
    /// </summary>
    private static byte[] LegacyFrame(string group, long offset)
    {
        var frame = new byte[12 + 4 + Encoding.UTF8.GetByteCount(group) + 4 + Encoding.UTF8.GetByteCount(Topic) + 12];
        var span = frame.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(span, frame.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], 1);
        var at = 12;
        at += RecordFrame.WriteString(span[at..], group);
        at += RecordFrame.WriteString(span[at..], Topic);
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(span[(at + 4)..], offset);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], RecordFrame.Crc32C(span[8..]));
        return frame;
    }

    private FileGroupOffsets Open() => new(_temp.Path, writable: true, (_, kept, cut) => _torn.Add((kept, cut)));

    public void Dispose() => _temp.Dispose();
}
