namespace ZtStream.Ingest.Sources.Falco;

/// <summary>
/// The connection in a socket's <c>fd.name</c>, as libsinsp writes it (<c>ipv4tuple_to_string</c>,
/// <c>ipv6tuple_to_string</c>): <c>CLIENT:PORT-&gt;SERVER:PORT</c>, an IPv6 address without brackets and its port after the
/// last colon (<c>2001:db8::5:41234-&gt;2001:db8::1:443</c>), an ICMP or raw socket without ports. Falco's stock network
/// rules output only this (<c>connection=%fd.name lport=%fd.lport rport=%fd.rport</c>), not <c>fd.cip</c> or
/// <c>fd.sip</c>, so without it a reverse shell's alert names no address. A file's path, a Unix socket, a listening
/// socket's lone address or anything else that is not two addresses is no connection.
/// </summary>
internal readonly record struct SocketTuple(string? Client, string? Server, int? ServerPort)
{
    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>The longest endpoint text: an IPv6 address with a zone and a port.</summary>
    private const int MaxEndpoint = 80;

    /// <summary>
    /// The connection <paramref name="name"/> names; <paramref name="protocol"/> is <c>fd.l4proto</c> when the alert has it
    /// (an ICMP or raw socket's tuple has no ports, and an IPv6 address's last group would otherwise read as one).
    /// </summary>
    public static SocketTuple Read(string? name, string? protocol)
    {
        var arrow = name?.IndexOf("->", StringComparison.Ordinal) ?? -1;
        if (name is null || arrow <= 0 || name.Length > 2 * MaxEndpoint + 2)
        {
            return default;
        }

        var withPorts = protocol is not ("icmp" or "raw");
        if (!TryEndpoint(name.AsSpan(0, arrow), withPorts, out var client, out _)
            || !TryEndpoint(name.AsSpan(arrow + 2), withPorts, out var server, out var port))
        {
            return default;
        }

        return new SocketTuple(ForwardedChain.Canonical(client), ForwardedChain.Canonical(server), port);
    }

    /// <summary>
    /// One end: an address and its port, split at the last colon; a port Falco wrote as a service name (name resolution on)
    /// leaves the address without a port. Without <paramref name="withPorts"/>, or when the part before the last colon is no
    /// address (<c>2001:db8::7</c> of an ICMP socket), the whole text as an address. Without the protocol, an IPv6 address
    /// ending in a decimal group (<c>2001:db8::1:5</c>) is read as an address and a port: TCP and UDP are what network rules
    /// alert on.
    /// </summary>
    private static bool TryEndpoint(ReadOnlySpan<char> text, bool withPorts, [NotNullWhen(true)] out IPAddress? address, out int? port)
    {
        port = null;
        address = null;
        var colon = text.LastIndexOf(':');
        if (withPorts && colon > 0 && TryAddress(text[..colon], out var ip))
        {
            var rest = text[(colon + 1)..];
            if (rest.Length > 0 && ushort.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                port = number;
                address = ip;
                return true;
            }

            // A service name, unless the text is an IPv6 address whose last group only looks like one (2001:db8::1:beef).
            if (rest.Length > 0 && !char.IsAsciiDigit(rest[0]) && !(!rest.ContainsAnyExcept(HexDigits) && TryAddress(text, out _)))
            {
                address = ip;
                return true;
            }
        }

        return TryAddress(text, out address);
    }

    /// <summary>A whole address only: <see cref="IPAddress.TryParse(ReadOnlySpan{char}, out IPAddress?)"/> reads "10.1" as 10.0.0.1.</summary>
    private static bool TryAddress(ReadOnlySpan<char> text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        return (text.Count('.') == 3 || text.Contains(':')) && IPAddress.TryParse(text, out address);
    }
}
