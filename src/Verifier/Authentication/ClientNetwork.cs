using System.Net.Sockets;

namespace ZtStream.Verifier.Authentication;

/// <summary>
/// The network a client address belongs to, for comparing where a session is used from: the IPv4 /24 or IPv6 /48 (an
/// address that moves within its provider's block is the same network), and the autonomous system when the identity
/// provider names it. Private, loopback, link-local and shared (carrier NAT) addresses say nothing about the client — an
/// application behind a proxy sees the proxy's — so they are no network at all.
/// </summary>
internal readonly record struct ClientNetwork(ulong Prefix, long Asn)
{
    public bool Known => Prefix != 0;

    public static ClientNetwork Of(string? address, long? asn)
    {
        if (address is null || !IPAddress.TryParse(address, out var ip))
        {
            return default;
        }

        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!ip.TryWriteBytes(bytes, out _) || !ClientAddresses.IsPublic(ip))
        {
            return default;
        }

        var prefix = ip.AddressFamily == AddressFamily.InterNetwork ? bytes[..3] : bytes[..6];
        Span<char> text = stackalloc char[12];
        for (var i = 0; i < prefix.Length; i++)
        {
            text[i] = (char)prefix[i];
        }

        return new ClientNetwork(StableHash.Of(text[..prefix.Length]), asn ?? 0);
    }

    /// <summary>
    /// Two uses are from different networks when their blocks differ and the identity provider does not place both in the
    /// same autonomous system (a mobile carrier hands out addresses from many blocks).
    /// </summary>
    public bool DiffersFrom(ClientNetwork other) =>
        Known && other.Known && Prefix != other.Prefix && (Asn == 0 || other.Asn == 0 || Asn != other.Asn);
}
