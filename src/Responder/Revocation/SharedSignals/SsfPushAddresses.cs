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
            if (ClientAddresses.CarriedIPv4(address) is { } inner && Refusal(inner) is { } carried)
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
