using System.Net.Sockets;

namespace ZtStream.Responder.Revocation.SharedSignals;

/// <summary>
/// Where a push may connect. <see cref="SsfClientOptions.PushEndpoints"/> allows a receiver's host by name, but the
/// receiver owns that name's DNS: it can point it at 127.0.0.1, at a link-local address or at the cloud metadata
/// service, and have ZtStream post there with the Authorization header it chose. So a push to a host name connects only
/// if none of the name's addresses is loopback, link-local (169.254.0.0/16, fe80::/10), unspecified, multicast or a
/// metadata address, checked at connect time on the addresses actually used. A host written as an IP address is the
/// operator's own choice (it had to be allowed as written) and is used as it is.
/// </summary>
internal static class SsfPushAddresses
{
    /// <summary>Cloud metadata services outside the link-local range: AWS over IPv6, Alibaba Cloud.</summary>
    private static readonly IPAddress[] Metadata = [IPAddress.Parse("fd00:ec2::254"), IPAddress.Parse("100.100.100.200")];

    /// <summary>The handler of the push client: no redirect followed, and connections only to addresses a push may reach.</summary>
    public static SocketsHttpHandler Handler() => new() { AllowAutoRedirect = false, ConnectCallback = ConnectAsync };

    /// <summary>Why <paramref name="address"/> may not be reached through a host name, or null when it may.</summary>
    internal static string? Refusal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return "a loopback address";
        }

        if (Metadata.Contains(address))
        {
            return "a cloud metadata address";
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (CarriedIPv4(address) is { } inner && Refusal(inner) is { } carried)
            {
                return $"{carried}, {inner} carried in IPv6";
            }

            return address.IsIPv6LinkLocal ? "a link-local address"
                : address.IsIPv6Multicast ? "a multicast address"
                : address.Equals(IPAddress.IPv6Any) ? "the unspecified address"
                : null;
        }

        var bytes = address.GetAddressBytes();
        return bytes[0] == 169 && bytes[1] == 254 ? "a link-local address (where cloud metadata services answer)"
            : bytes[0] == 0 ? "the unspecified address"
            : bytes[0] >= 224 ? "a multicast or reserved address"
            : null;
    }

    /// <summary>
    /// The IPv4 address an IPv6 one stands for where a translator or tunnel delivers it there: NAT64's well-known prefix
    /// (64:ff9b::/96, RFC 6052, which DNS64 on an IPv6-only cluster answers with), IPv4-translated (::ffff:0:0/96,
    /// SIIT), 6to4 (2002::/16) and IPv4-compatible (::/96). A name resolving to 64:ff9b::a9fe:a9fe reaches
    /// 169.254.169.254.
    /// </summary>
    private static IPAddress? CarriedIPv4(IPAddress address)
    {
        var b = address.GetAddressBytes();
        var lastFour = b.AsSpan(12, 4);
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return new IPAddress(b.AsSpan(2, 4));
        }

        var head = b.AsSpan(0, 12);
        ReadOnlySpan<byte> nat64 = [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];
        ReadOnlySpan<byte> translated = [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0];
        return head.SequenceEqual(nat64) || head.SequenceEqual(translated) || !head.ContainsAnyExcept((byte)0)
            ? new IPAddress(lastFour)
            : null;
    }

    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
            foreach (var address in addresses)
            {
                // Every address, not only the first: a name answering with a public and an internal address would
                // otherwise reach the internal one on a retry or a reconnection.
                if (Refusal(address) is { } why)
                {
                    throw new HttpRequestException($"{host} resolves to {address}, {why}: a push by host name never connects there (write the address itself in PushEndpoints to allow it)");
                }
            }
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
