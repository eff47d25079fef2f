namespace ZtStream.Platform.Tests.EventLog.FileLog;

/// <summary>A frame decodes to what was encoded; the headers of consecutive records that carry the same ones are decoded once.</summary>
public sealed class RecordFrameTests
{
    private static readonly Dictionary<string, string> Source = new(StringComparer.Ordinal) { ["ztstream-source"] = "bench" };
    private static readonly Dictionary<string, string> Traced = new(StringComparer.Ordinal) { ["ztstream-source"] = "bench", ["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" };
    private static readonly SortedDictionary<string, string> Other = new(StringComparer.Ordinal) { ["ztstream-source"] = "okta" };
    private static readonly Dictionary<string, string> Empty = new(StringComparer.Ordinal) { ["ztstream-source"] = "" };

    [Fact]
    public void Decode_WithHeaderCache_GivesEveryRecordItsOwnHeaders_AndSharesThemBetweenEqualNeighbours()
    {
        IReadOnlyDictionary<string, string>?[] headers = [Source, Source, Traced, Traced, null, Source, Other, Other, Empty, Source];
        var (buffer, frames) = Encode(headers);
        var cache = new RecordFrame.HeaderCache();

        var decoded = frames.Select(f => RecordFrame.Decode("t", 0, buffer, f.Start, f.Length, cache)).ToList();

        for (var i = 0; i < headers.Length; i++)
        {
            Assert.Equal($"key-{i}", decoded[i].Key);
            Assert.Equal($"value-{i}", Encoding.UTF8.GetString(decoded[i].Value.Span));
            Assert.Equal(i, decoded[i].Offset);
            Assert.Equal(headers[i] ?? new Dictionary<string, string>(), decoded[i].Headers.ToDictionary());
        }

        Assert.Same(decoded[0].Headers, decoded[1].Headers);
        Assert.Same(decoded[2].Headers, decoded[3].Headers);
        Assert.Same(decoded[6].Headers, decoded[7].Headers);
        Assert.NotSame(decoded[1].Headers, decoded[2].Headers);
        Assert.NotSame(decoded[0].Headers, decoded[5].Headers); // only neighbours share: no table to grow
        Assert.Equal("", decoded[8].Headers["ztstream-source"]);
    }

    [Fact]
    public void Decode_SharedHeaders_CannotBeChanged()
    {
        var (buffer, frames) = Encode([Source, Source]);
        var cache = new RecordFrame.HeaderCache();

        var first = RecordFrame.Decode("t", 0, buffer, frames[0].Start, frames[0].Length, cache);
        var second = RecordFrame.Decode("t", 0, buffer, frames[1].Start, frames[1].Length, cache);

        Assert.Same(first.Headers, second.Headers);
        var asDictionary = Assert.IsAssignableFrom<IDictionary<string, string>>(first.Headers);
        Assert.Throws<NotSupportedException>(() => asDictionary["ztstream-source"] = "someone-else");
    }

    [Fact]
    public void Decode_WithoutCache_DecodesHeadersPerRecord()
    {
        var (buffer, frames) = Encode([Traced, Traced]);

        var first = RecordFrame.Decode("t", 0, buffer, frames[0].Start, frames[0].Length);
        var second = RecordFrame.Decode("t", 0, buffer, frames[1].Start, frames[1].Length);

        Assert.NotSame(first.Headers, second.Headers);
        Assert.Equal(Traced, second.Headers.ToDictionary());
    }

    private static (byte[] Buffer, List<(int Start, int Length)> Frames) Encode(IReadOnlyList<IReadOnlyDictionary<string, string>?> headers)
    {
        var records = headers.Select((h, i) => new LogRecord($"key-{i}", Encoding.UTF8.GetBytes($"value-{i}"), h)).ToList();
        var buffer = new byte[records.Sum(RecordFrame.SizeOf)];
        var frames = new List<(int, int)>();
        var at = 0;
        for (var i = 0; i < records.Count; i++)
        {
            var size = RecordFrame.Write(buffer.AsSpan(at), records[i], 1_700_000_000_000);
            Assert.Equal(RecordFrame.SizeOf(records[i]), size);
            RecordFrame.StampOffset(buffer.AsSpan(at), i);
            Assert.True(RecordFrame.IsIntact(buffer.AsSpan(at, size)));
            frames.Add((at, size));
            at += size;
        }

        return (buffer, frames);
    }
}
