namespace ZtStream.Ingest.Sources.Identity;

/// <summary>
/// A provider behind a proxy may log the whole <c>X-Forwarded-For</c> value as the client address
/// (<c>"203.0.113.7, 10.0.4.2"</c>), or an address with its port (<c>203.0.113.7:51234</c>, <c>[2001:db8::7]:443</c>).
/// Written as it came, that text would key the address twin and every per-address count to a string no other record
/// names. The client is taken from it instead, and the chain kept in <c>net.forwarded_for</c>; an address written in
/// another form than the shortest is written in that.
/// </summary>
internal static class ForwardedChain
{
    /// <summary>
    /// The client address in <paramref name="text"/>, in its one form (<see cref="Canonical"/>); the text itself when it names
    /// none. Of a chain, the
    /// rightmost public address: each proxy appends the address it saw, and a client writes what it likes at the left, so the
    /// last address no proxy of the provider's own network added is the one no client chose. A chain of private addresses
    /// only (a provider reached inside one network) names its leftmost. <paramref name="chain"/> is the text when it was a
    /// chain.
    /// </summary>
    public static string Client(string text, out string? chain)
    {
        chain = null;
        if (!text.Contains(','))
        {
            // Only a whole address or one with its port: "10.1" would parse as 10.0.0.1.
            var whole = text.AsSpan().Count('.') == 3 || text.Contains(':');
            return whole && Address(text) is { } ip ? Canonical(ip) : text;
        }

        IPAddress? leftmost = null;
        IPAddress? client = null;
        foreach (var entry in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Address(entry) is not { } ip)
            {
                continue;
            }

            leftmost ??= ip;
            if (ClientAddresses.IsPublic(ip))
            {
                client = ip;
            }
        }

        if ((client ?? leftmost) is not { } found)
        {
            return text;
        }

        chain = text;
        return Canonical(found);
    }

    /// <summary>
    /// The client among the hops a Kubernetes API server records in an audit event's <c>sourceIPs</c>: the
    /// <c>X-Forwarded-For</c> entries, which the caller may write itself, then the address the server's connection came
    /// from. Of those, the rightmost public address, so a caller cannot name itself by writing another address first;
    /// without one, the connection's own (the last), for a private address before it is as easily written. In its one
    /// form; an entry that is no address is kept as written when it is the last. Null for no entry.
    /// </summary>
    public static string? Connection(JsonElement? hops)
    {
        if (hops is not { ValueKind: JsonValueKind.Array } list)
        {
            return null;
        }

        string? last = null;
        IPAddress? client = null;
        foreach (var hop in list.EnumerateArray())
        {
            if (hop.ValueKind != JsonValueKind.String || hop.GetString() is not { Length: > 0 } text)
            {
                continue;
            }

            last = text;
            if (Address(text) is { } ip && ClientAddresses.IsPublic(ip))
            {
                client = ip;
            }
        }

        return client is not null ? Canonical(client)
            : last is not null && Address(last) is { } connection ? Canonical(connection)
            : last;
    }

    /// <summary>
    /// One address, one text: servers write the same client differently (Java's <c>0:0:0:0:0:0:0:1</c> and a link-local
    /// address with its interface, <c>fe80:0:0:0:0:0:0:1%1</c>; Node's IPv4 client on a dual-stack socket,
    /// <c>::ffff:203.0.113.7</c>; upper-case hex). The address twin and every per-address count key by this text, so it
    /// is the shortest form (RFC 5952), an IPv4-mapped address as the IPv4 address it is, without the zone, which names
    /// an interface of the server that logged it, not the client.
    /// </summary>
    public static string Canonical(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6)
        {
            return ip.MapToIPv4().ToString();
        }

        return ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && ip.ScopeId != 0
            ? new IPAddress(ip.GetAddressBytes()).ToString()
            : ip.ToString();
    }

    /// <summary>An address, with or without its port; null for anything else (a bare number is no address here).</summary>
    private static IPAddress? Address(string entry)
    {
        if (!entry.Contains('.') && !entry.Contains(':'))
        {
            return null;
        }

        var ip = IPAddress.TryParse(entry, out var parsed) ? parsed
            : IPEndPoint.TryParse(entry, out var endpoint) ? endpoint.Address
            : null;

        // An IPv4 client of a dual-stack server is public or private as the IPv4 address it is.
        return ip is { IsIPv4MappedToIPv6: true } ? ip.MapToIPv4() : ip;
    }
}
