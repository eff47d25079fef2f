using System.Net;
using System.Net.Sockets;

namespace ZtStream.Platform;

/// <summary>What a client address says about where a client is.</summary>
internal static class ClientAddresses
{
    /// <summary>
    /// Whether <paramref name="ip"/> can name a client on the internet: not loopback, unspecified, private (10/8,
    /// 172.16/12, 192.168/16), link-local, shared carrier NAT (100.64/10), unique local (fc00::/7) or IPv6 link-local. An
    /// application or proxy that sees one of these sees its own network, not the client.
    /// </summary>
    public static bool IsPublic(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }

        Span<byte> b = stackalloc byte[16];
        if (IPAddress.IsLoopback(ip) || !ip.TryWriteBytes(b, out _))
        {
            return false;
        }

        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            return !(b[0] == 10 || b[0] == 0
                || (b[0] == 172 && (b[1] & 0xF0) == 16)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 100 && (b[1] & 0xC0) == 64));
        }

        // fc00::/7 unique local, fe80::/10 link-local.
        return !((b[0] & 0xFE) == 0xFC || (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) || ip.Equals(IPAddress.IPv6None));
    }
}
