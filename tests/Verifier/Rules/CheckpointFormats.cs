namespace ZtStream.Verifier.Tests.Rules;

/// <summary>Writes a checkpoint as older engines did, from a current (format-3) one holding no authentication state.</summary>
internal static class CheckpointFormats
{
    /// <summary>Format 2 ends after the rule state: drop the authentication section (an empty one is 4 bytes: a zero count).</summary>
    public static byte[] AsFormatTwo(byte[] current) => Rewrite(current, 2, 4);

    /// <summary>Format 1 ends after the recent ids: drop the rule state too (an empty book is another zero count).</summary>
    public static byte[] AsFormatOne(byte[] current) => Rewrite(current, 1, 8);

    private static byte[] Rewrite(byte[] current, int format, int emptyTail)
    {
        using var input = new System.IO.Compression.GZipStream(new MemoryStream(current), System.IO.Compression.CompressionMode.Decompress);
        using var raw = new MemoryStream();
        input.CopyTo(raw);
        var bytes = raw.ToArray();
        Assert.Equal(3, BitConverter.ToInt32(bytes, 0));
        BitConverter.GetBytes(format).CopyTo(bytes, 0);
        for (var i = bytes.Length - emptyTail; i < bytes.Length; i += 4)
        {
            Assert.Equal(0, BitConverter.ToInt32(bytes, i));
        }

        using var output = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(bytes, 0, bytes.Length - emptyTail);
        }

        return output.ToArray();
    }
}
