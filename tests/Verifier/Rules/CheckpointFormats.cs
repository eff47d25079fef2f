namespace ZtStream.Verifier.Tests.Rules;

/// <summary>
/// Writes a checkpoint as an older engine did, from a current (format 12) one whose rule state, runtime links,
/// authentication state, flood alerts, okta MFA counts and staged alerts are empty: each format appends to the one before,
/// so format 11 is format 12's bytes (the same when no principal has an authentication state; else
/// <see cref="AsFormatWithOneAuthenticationState"/>), format 10 is format 11's bytes (its recent ids keyed as format 10 keyed them: <see cref="AsFormatTen"/>), format 9
/// format 10's (its peer groups keyed as format 9 keyed them: <see cref="AsFormatNine"/>), format 8
/// is format 9 without the staged alerts, formats 7
/// and 6 are format 8 with each authentication state's tail in their layout (the same bytes when no principal has an
/// authentication state), format 5
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

    // No staged alerts: one zero count for the open ones, one for their floods.
    private const int EmptyStagedBytes = 8;

    // No okta MFA counts: the number of kinds (2), then no actor for either.
    private static readonly byte[] EmptyOktaMfa = [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    public static byte[] AsFormatOne(byte[] current) => AsFormat(current, 1);

    // What format 8 writes after each authentication state's sessions: their opening times, the time every rating was
    // last cleared, the count of rating slots, the revocation time and reason, the count of sign-in links; all zero when
    // the principal was never rated, revoked or linked.
    private const int LayoutSignInsTailBytes = (8 * 8) + 8 + 1 + 8 + 1 + 1;

    // What format 7 wrote there instead: the opening times, the clearing time and 4 empty ratings (key, since, cleared,
    // risk, no reason).
    private const int LayoutRatingsTailBytes = (8 * 8) + 8 + (4 * (8 + 8 + 8 + 4 + 1));

    // What format 12 writes after that: whether there is a first-seen history (none: one zero byte).
    private const int LayoutHistoryTailBytes = 1;

    /// <summary>
    /// Format 6 to 11 of a checkpoint whose one authentication state (the last written) was never rated, revoked or
    /// linked and has no first-seen history, with no flood alerts and no okta MFA counts: that state's tail as the older
    /// format wrote it (8 to 11: without the history's byte; 7 and 6 also without the sign-in layout's tail).
    /// </summary>
    public static byte[] AsFormatWithOneAuthenticationState(byte[] current, int format)
    {
        Assert.InRange(format, 6, 11);
        var bytes = format >= 9 ? Raw(current, format) : Uncompressed(current, format);
        var tail = EmptyFloodsBytes + EmptyOktaMfa.Length + (format >= 9 ? EmptyStagedBytes : 0);
        var cut = LayoutHistoryTailBytes + (format >= 8 ? 0 : LayoutSignInsTailBytes);
        Assert.Equal(EmptyOktaMfa, bytes[^(tail - EmptyFloodsBytes)..^(tail - EmptyFloodsBytes - EmptyOktaMfa.Length)]);
        Assert.All(bytes[^(tail + cut)..^tail], b => Assert.Equal(0, b));
        return Compressed([.. bytes[..^(tail + cut)], .. new byte[format == 7 ? LayoutRatingsTailBytes : 0], .. bytes[^tail..]]);
    }

    /// <summary>
    /// Format 9 of <paramref name="current"/>: the same bytes, each peer group <paramref name="peerGroups"/> names keyed as a
    /// format 9 engine keyed it (<c>To</c>, the namespace's hash alone) instead of per cluster (<c>From</c>).
    /// </summary>
    public static byte[] AsFormatNine(byte[] current, params (ulong From, ulong To)[] peerGroups) =>
        Compressed(Rekeyed(Raw(current, 9), peerGroups));

    /// <summary>
    /// Format 10 of <paramref name="current"/>: the same bytes, each recent id <paramref name="recentIds"/> names keyed as a
    /// format 10 engine keyed it (<c>To</c>, the event id's hash alone) instead of within its source (<c>From</c>).
    /// </summary>
    public static byte[] AsFormatTen(byte[] current, params (ulong From, ulong To)[] recentIds) =>
        Compressed(Rekeyed(Raw(current, 10), recentIds));

    // Each From is in the bytes exactly once (a 64-bit key), and is overwritten with its To.
    private static byte[] Rekeyed(byte[] bytes, (ulong From, ulong To)[] keys)
    {
        foreach (var (from, to) in keys)
        {
            var key = BitConverter.GetBytes(from);
            var at = bytes.AsSpan().IndexOf(key);
            Assert.True(at > 0, $"key {from:x16} is not in the checkpoint");
            Assert.Equal(-1, bytes.AsSpan(at + 1).IndexOf(key));
            BitConverter.GetBytes(to).CopyTo(bytes, at);
        }

        return bytes;
    }

    public static byte[] AsFormat(byte[] current, int format)
    {
        if (format is 9 or 10)
        {
            return format == 9 ? AsFormatNine(current) : AsFormatTen(current);
        }

        var bytes = Uncompressed(current, format);
        if (format is 6 or 7 or 8)
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
        var bytes = Raw(current, format);
        Assert.All(bytes[^EmptyStagedBytes..], b => Assert.Equal(0, b));
        return bytes[..^EmptyStagedBytes];
    }

    /// <summary>The uncompressed bytes of a format 12 checkpoint, headed <paramref name="format"/>.</summary>
    private static byte[] Raw(byte[] current, int format)
    {
        using var input = new System.IO.Compression.GZipStream(new MemoryStream(current), System.IO.Compression.CompressionMode.Decompress);
        using var raw = new MemoryStream();
        input.CopyTo(raw);
        var bytes = raw.ToArray();
        Assert.Equal(12, BitConverter.ToInt32(bytes, 0));
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
