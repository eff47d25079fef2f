namespace ZtStream.Verifier.Tests.Rules;

/// <summary>
/// Writes a checkpoint as an older engine did, from a current (format 7) one whose rule state, runtime links,
/// authentication state, flood alerts and okta MFA counts are empty: each format appends to the one before, so format 6
/// is format 7 without the principals' ratings (none when no principal has an authentication state), format 5
/// ends after the flood alerts, format 4 after the authentication state, format 3 after the runtime links, format 2
/// after the rule state, format 1 after the recent ids.
/// </summary>
internal static class CheckpointFormats
{
    // An empty rule book is one zero count; empty runtime links are three (workloads, taints, outbox); no authentication
    // state is one zero count, and no flood alerts one.
    private const int EmptyRulesBytes = 4;
    private const int EmptyLinksBytes = 12;
    private const int EmptyAuthenticationBytes = 4;
    private const int EmptyFloodsBytes = 4;

    // No okta MFA counts: the number of kinds (2), then no actor for either.
    private static readonly byte[] EmptyOktaMfa = [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    public static byte[] AsFormatOne(byte[] current) => AsFormat(current, 1);

    // What format 7 appends to each authentication state: the sessions' opening times, the time every rating was last
    // cleared, and the ratings (key, since, cleared, risk, no reason); all zero when the principal was never rated.
    private const int RatingsBytes = (8 * 8) + 8 + (4 * (8 + 8 + 8 + 4 + 1));

    /// <summary>
    /// Format 6 of a checkpoint whose one authentication state (the last written) was never rated, no flood alerts and
    /// no okta MFA counts: format 7 without that state's ratings.
    /// </summary>
    public static byte[] AsFormatSixWithOneAuthenticationState(byte[] current)
    {
        var bytes = Uncompressed(current, 6);
        var tail = EmptyFloodsBytes + EmptyOktaMfa.Length;
        Assert.Equal(EmptyOktaMfa, bytes[^EmptyOktaMfa.Length..]);
        Assert.All(bytes[^(tail + RatingsBytes)..^EmptyOktaMfa.Length], b => Assert.Equal(0, b));
        return Compressed([.. bytes[..^(tail + RatingsBytes)], .. bytes[^tail..]]);
    }

    public static byte[] AsFormat(byte[] current, int format)
    {
        var bytes = Uncompressed(current, format);
        if (format == 6)
        {
            return Compressed(bytes);
        }

        Assert.Equal(EmptyOktaMfa, bytes[^EmptyOktaMfa.Length..]);
        bytes = bytes[..^EmptyOktaMfa.Length];

        var cut = format switch
        {
            5 => 0,
            4 => EmptyFloodsBytes,
            3 => EmptyFloodsBytes + EmptyAuthenticationBytes,
            2 => EmptyFloodsBytes + EmptyAuthenticationBytes + EmptyLinksBytes,
            1 => EmptyFloodsBytes + EmptyAuthenticationBytes + EmptyLinksBytes + EmptyRulesBytes,
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
        Assert.All(bytes[^cut..], b => Assert.Equal(0, b));
        return Compressed(bytes[..^cut]);
    }

    private static byte[] Uncompressed(byte[] current, int format)
    {
        using var input = new System.IO.Compression.GZipStream(new MemoryStream(current), System.IO.Compression.CompressionMode.Decompress);
        using var raw = new MemoryStream();
        input.CopyTo(raw);
        var bytes = raw.ToArray();
        Assert.Equal(7, BitConverter.ToInt32(bytes, 0));
        BitConverter.GetBytes(format).CopyTo(bytes, 0);
        return bytes;
    }

    private static byte[] Compressed(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(bytes);
        }

        return output.ToArray();
    }
}
