namespace ZtStream.Platform;

/// <summary>What a client address says about where a client is.</summary>
internal static class ClientAddresses
{
    /// <summary>
    /// Whether <paramref name="ip"/> can name a client on the internet: not loopback, unspecified, private (10/8,
    /// 172.16/12, 192.168/16), link-local, shared carrier NAT (100.64/10), multicast (224/4, ff00::/8), reserved or
    /// broadcast (240/4), unique local (fc00::/7), IPv6 link-local or site-local (fe80::/9 … fec0::/10). An application or
    /// proxy that sees one of these sees its own network, or a value no client connects from, not the client. An IPv6
    /// address that carries an IPv4 address (<see cref="CarriedIPv4"/>: mapped, compatible, NAT64, SIIT or 6to4) is public
    /// as that IPv4 address is, so <c>64:ff9b::10.0.0.5</c> is no more public than 10.0.0.5, and <c>::</c> (0.0.0.0) not at all.
    /// </summary>
    public static bool IsPublic(IPAddress ip)
    {
        Span<byte> b = stackalloc byte[16];
        if (IPAddress.IsLoopback(ip) || !ip.TryWriteBytes(b, out var length))
        {
            return false;
        }

        if (length == 16 && CarriedAt(b) is var at and >= 0)
        {
            b = b.Slice(at, 4);
            length = 4;
        }

        if (length == 4)
        {
            return !(b[0] == 10 || b[0] == 0 || b[0] == 127 || b[0] >= 224
                || (b[0] == 172 && (b[1] & 0xF0) == 16)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 100 && (b[1] & 0xC0) == 64));
        }

        // fc00::/7 unique local, fe80::/10 link-local and fec0::/10 site-local, ff00::/8 multicast, ::/128.
        return !((b[0] & 0xFE) == 0xFC || (b[0] == 0xFE && (b[1] & 0x80) == 0x80) || b[0] == 0xFF || !b.ContainsAnyExcept((byte)0));
    }

    /// <summary>
    /// The IPv4 address an IPv6 one stands for where a translator or tunnel delivers it there: IPv4-mapped (::ffff:0:0/96),
    /// NAT64's well-known prefix (64:ff9b::/96, RFC 6052, which DNS64 on an IPv6-only cluster answers with),
    /// IPv4-translated (::ffff:0:0:0/96, SIIT), 6to4 (2002::/16) and IPv4-compatible (::/96); null for any other address.
    /// A name resolving to 64:ff9b::a9fe:a9fe reaches 169.254.169.254.
    /// </summary>
    public static IPAddress? CarriedIPv4(IPAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        return address.TryWriteBytes(b, out var length) && length == 16 && CarriedAt(b) is var at and >= 0 ? new IPAddress(b.Slice(at, 4)) : null;
    }

    /// <summary>Where the IPv4 address of <see cref="CarriedIPv4"/> starts in an IPv6 address's bytes; -1 for none.</summary>
    private static int CarriedAt(ReadOnlySpan<byte> b)
    {
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return 2;
        }

        var head = b[..12];
        ReadOnlySpan<byte> mapped = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];
        ReadOnlySpan<byte> nat64 = [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];
        ReadOnlySpan<byte> translated = [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0];
        return head.SequenceEqual(mapped) || head.SequenceEqual(nat64) || head.SequenceEqual(translated) || !head.ContainsAnyExcept((byte)0) ? 12 : -1;
    }
}
