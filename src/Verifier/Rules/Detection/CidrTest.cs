namespace ZtStream.Verifier.Rules.Detection;

/// <summary>The <c>cidr</c> modifier: the value is an IP address inside the network (IPv4 or IPv6; IPv4-mapped addresses count as IPv4).</summary>
internal sealed class CidrTest(IPNetwork network) : ILeafTest
{
    public static CidrTest Compile(string value) =>
        IPNetwork.TryParse(value, out var n) ? new CidrTest(n) : throw new RuleFormatException($"'{value}' is not a CIDR network (e.g. 10.0.0.0/8, fd00::/8)");

    public bool Test(scoped in Leaf leaf, RuleEvent e)
    {
        if (leaf.Kind != LeafKind.String || !IPAddress.TryParse(leaf.Text, out var ip))
        {
            return false;
        }

        if (ip.IsIPv4MappedToIPv6 && network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            ip = ip.MapToIPv4();
        }

        return network.Contains(ip);
    }
}
