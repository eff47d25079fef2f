namespace ZtStream.Verifier.Tests.Rules;

/// <summary>Writes a checkpoint as the format-1 engine did (no rule state) from a format-2 one.</summary>
internal static class CheckpointFormats
{
    public static byte[] AsFormatOne(byte[] formatTwo)
    {
        using var input = new System.IO.Compression.GZipStream(new MemoryStream(formatTwo), System.IO.Compression.CompressionMode.Decompress);
        using var raw = new MemoryStream();
        input.CopyTo(raw);
        var bytes = raw.ToArray();
        Assert.Equal(2, BitConverter.ToInt32(bytes, 0));
        BitConverter.GetBytes(1).CopyTo(bytes, 0);

        // Format 1 ends after the recent ids: drop the rule state (an empty book is 4 bytes: a zero count).
        Assert.Equal(0, BitConverter.ToInt32(bytes, bytes.Length - 4));
        using var output = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(bytes, 0, bytes.Length - 4);
        }

        return output.ToArray();
    }
}
