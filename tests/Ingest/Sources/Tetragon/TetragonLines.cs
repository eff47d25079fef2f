using ZtStream.Ingest.Sources.Tetragon;

namespace ZtStream.Ingest.Tests.Sources.Tetragon;

/// <summary>One export line, written over several lines for reading, as Tetragon's mapper maps it: its one event, or its one error.</summary>
internal static class TetragonLines
{
    public static AccessEvent Map(string line) =>
        Assert.Single(MapperAssert.MapsAll(TetragonMapper.Map(Bytes(line)), 1));

    public static ItemError Refused(string line)
    {
        var result = TetragonMapper.Map(Bytes(line));
        Assert.Empty(result.Events);
        return Assert.Single(result.Errors);
    }

    private static byte[] Bytes(string line) => Encoding.UTF8.GetBytes(line.ReplaceLineEndings(" "));
}
