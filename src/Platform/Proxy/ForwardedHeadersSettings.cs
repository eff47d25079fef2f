namespace ZtStream.Platform.Proxy;

/// <summary>
/// Section <c>ForwardedHeaders</c>: ZtStream behind a proxy that terminates TLS (a Kubernetes ingress, a load balancer)
/// and forwards plain HTTP with <c>X-Forwarded-For</c> / <c>X-Forwarded-Proto</c> or RFC 7239 <c>Forwarded</c>. Those
/// headers are believed only from the proxies listed here: a client that reaches ZtStream directly can send them too.
/// </summary>
internal sealed record ForwardedHeadersSettings
{
    public const string Section = "ForwardedHeaders";

    /// <summary>
    /// Read the forwarded headers (also set by ASP.NET Core's <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c>). With
    /// no <see cref="KnownProxies"/> or <see cref="KnownNetworks"/> only a proxy on loopback is believed; listing one
    /// turns the headers on by itself.
    /// </summary>
    public bool Enabled { get; init; }

    /// <summary>Addresses of the proxies whose forwarded headers are believed (<c>10.0.0.7</c>, <c>fd00::7</c>).</summary>
    public string[] KnownProxies { get; init; } = [];

    /// <summary>Networks of such proxies in CIDR notation (<c>10.244.0.0/16</c>, the ingress pods' network).</summary>
    public string[] KnownNetworks { get; init; } = [];

    /// <summary>How many proxies (entries of the header, from the right) are read at most: one per trusted hop.</summary>
    public int ForwardLimit { get; init; } = 1;

    /// <summary>
    /// Which header the proxy writes: <c>X-Forwarded</c> (default: <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c>)
    /// or <c>Forwarded</c> (RFC 7239). Only that one is read; the other, which a proxy passes on from the client
    /// unchanged, is ignored.
    /// </summary>
    public string Header { get; init; } = XForwarded;

    public const string XForwarded = "X-Forwarded";
    public const string Forwarded = "Forwarded";

    /// <summary>Whether the forwarded headers are read at all.</summary>
    public bool Active => Enabled || KnownProxies.Length > 0 || KnownNetworks.Length > 0;
}
