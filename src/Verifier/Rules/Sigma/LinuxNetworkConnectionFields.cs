namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>
/// <c>product: linux, category: network_connection</c>: Sigma's taxonomy names for a connection on Linux (Sysmon for
/// Linux's NetworkConnect fields, which SigmaHQ's Linux rules read) on a connection a TracingPolicy reported as Ingest
/// maps it: <c>tetragon.operation</c> <c>connect</c>, from <c>tcp_connect</c> with its socket or a <c>connect()</c> to an
/// IPv4 or IPv6 address (<c>security_socket_connect</c>, LSM <c>socket_connect</c>, with its sockaddr): docs/sources.md,
/// "Tetragon". Each is a connection the process opened, so <c>Initiated</c> is true of every one.
/// </summary>
/// <remarks>
/// Tetragon reports a connection's addresses and ports, never a name resolved to them nor a port's service name: those
/// names are errors saying so, never rules that cannot match. A <c>connect()</c>'s sockaddr names the destination alone,
/// so its <c>SourceIp</c>, <c>SourcePort</c> and <c>Protocol</c> have no value.
/// </remarks>
internal sealed class LinuxNetworkConnectionFields : IFieldResolver
{
    public static readonly LinuxNetworkConnectionFields Instance = new();

    /// <summary>The node that admits only connections, whatever path evaluates the rule.</summary>
    public static readonly Node Connections = new TetragonOperations("connect");

    private static readonly Dictionary<string, Func<string, FieldPath>> Own = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Initiated"] = name => FieldPath.CanonicalText(name, _ => "true"),
        ["Protocol"] = name => Attribute(name, "fd.l4proto"),
        ["SourceIp"] = name => FieldPath.CanonicalText(name, e => e.Network?.SrcIp),
        ["SourceIsIpv6"] = name => FieldPath.CanonicalText(name, e => IsIpv6(e.Network?.SrcIp)),
        ["SourcePort"] = name => Attribute(name, "fd.cport"),
        ["DestinationIp"] = name => FieldPath.CanonicalText(name, e => e.Network?.DstIp),
        ["DestinationIsIpv6"] = name => FieldPath.CanonicalText(name, e => IsIpv6(e.Network?.DstIp)),
        ["DestinationPort"] = name => FieldPath.CanonicalNumber(name, e => e.Network?.DstPort),
    };

    private static readonly Dictionary<string, string> Refused = new(StringComparer.OrdinalIgnoreCase)
    {
        ["DestinationHostname"] = "Tetragon reports the addresses connected (sock_arg's daddr, sockaddr_arg's addr), never a name resolved to them",
        ["SourceHostname"] = "Tetragon reports the addresses connected (sock_arg's saddr), never a name resolved to them",
        ["DestinationPortName"] = "Tetragon reports a port's number, never a service name for it",
        ["SourcePortName"] = "Tetragon reports a port's number, never a service name for it",
    };

    public FieldPath Resolve(string name) => TetragonOperations.Resolve(name, "network connection (Tetragon's connect calls)", Own, Refused);

    private static FieldPath Attribute(string name, string key) => FieldPath.Json(name, FieldRoot.Attributes, "attributes.", key);

    // Ingest writes an IPv4-mapped address as IPv4: an address with a colon is IPv6.
    private static string? IsIpv6(string? address) => address is null ? null : address.Contains(':', StringComparison.Ordinal) ? "true" : "false";
}
