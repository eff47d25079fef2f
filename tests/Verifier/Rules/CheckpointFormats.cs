namespace ZtStream.Verifier.Tests.Rules;

/// <summary>Writes a checkpoint as earlier engines did from a current (format-3) one: each format appends to the last.</summary>
internal static class CheckpointFormats
{
    /// <summary>Format 1: no rule state and no flood alerts.</summary>
    public static byte[] AsFormatOne(byte[] current) => Cut(current, 1, sections: 2);

    /// <summary>Format 2: no flood alerts.</summary>
    public static byte[] AsFormatTwo(byte[] current) => Cut(current, 2, sections: 1);

    // Drops the last sections, each empty here (4 bytes: a zero count): flood alerts, then the rule state.
    private static byte[] Cut(byte[] current, int format, int sections)
    {
        using var input = new System.IO.Compression.GZipStream(new MemoryStream(current), System.IO.Compression.CompressionMode.Decompress);
        using var raw = new MemoryStream();
        input.CopyTo(raw);
        var bytes = raw.ToArray();
        Assert.Equal(3, BitConverter.ToInt32(bytes, 0));
        BitConverter.GetBytes(format).CopyTo(bytes, 0);
        for (var i = 1; i <= sections; i++)
        {
            Assert.Equal(0, BitConverter.ToInt32(bytes, bytes.Length - (4 * i)));
        }

        using var output = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(bytes, 0, bytes.Length - (4 * sections));
        }

        return output.ToArray();
    }
}
