namespace ZtStream.Ingest.Tests.Sources.Falco;

/// <summary>
/// Falco's stock network rules output the connection as <c>fd.name</c> (<c>connection=%fd.name lport=%fd.lport
/// rport=%fd.rport</c>), not as <c>fd.cip</c>/<c>fd.sip</c>; libsinsp writes a socket's name as
/// <c>CLIENT:PORT-&gt;SERVER:PORT</c> (TestData/falco/ORIGIN.md, <c>stock-network-rules.jsonl</c>).
/// </summary>
public sealed class FalcoConnectionTests
{
    [Fact]
    public void Map_StockNetworkRuleLines_NameBothEndsAndTheServersPort()
    {
        var events = MapperAssert.MapsAll(FalcoMapper.Map(TestData.Falco("stock-network-rules.jsonl")), 9);

        Assert.Equal(
            [
                ("10.42.1.17", "203.0.113.66", 4444),       // a reverse shell's connection out
                ("fd00:10:244::1f", "fd00:10:96::1", 443),  // IPv6, the port after the last colon
                ("198.51.100.23", "10.42.2.9", 2375),       // accepted: the server's port, not rport (the client's)
                ("10.42.3.4", "192.0.2.80", 8080),          // a dual-stack socket's IPv4-mapped ends
                ("2001:db8:10::5", "2001:db8:20::7", null), // ICMP: no ports
                ("10.42.4.4", "192.0.2.90", null),          // a port Falco resolved to a service name
                (null, null, null),                         // a file
                (null, null, null),                         // a Unix socket
                ("10.42.5.5", "192.0.2.99", 22),            // the client and server fields themselves
            ],
            events.Select(e => (e.Network?.SrcIp, e.Network?.DstIp, e.Network?.DstPort)));
        Assert.Equal(["shop/web-6f9c", "payments/ledger-0", "ci/dind-7"], events.Take(3).Select(e => e.Workload?.Id));
        Assert.Equal("10.42.1.17:39110->203.0.113.66:4444", events[0].Attributes!["falco.output_fields"].GetProperty("fd.name").GetString());
    }

    [Theory]
    [InlineData("192.0.2.1:5->198.51.100.2:65535", null, "192.0.2.1", "198.51.100.2", 65535)]
    [InlineData("::1:48122->::1:8080", "tcp", "::1", "::1", 8080)]
    [InlineData("2001:DB8:0:0:0:0:0:5:1->2001:db8::6:53", "udp", "2001:db8::5", "2001:db8::6", 53)]
    [InlineData("::ffff:198.51.100.44:40112->::ffff:10.0.5.9:8443", null, "198.51.100.44", "10.0.5.9", 8443)]
    [InlineData("192.0.2.1->192.0.2.2", "icmp", "192.0.2.1", "192.0.2.2", null)]
    [InlineData("2001:db8::1:7->2001:db8::2:9", "raw", "2001:db8::1:7", "2001:db8::2:9", null)]
    [InlineData("2001:db8::1->2001:db8::2", null, "2001:db8::1", "2001:db8::2", null)]
    [InlineData("10.0.0.1:http->10.0.0.2:https", null, "10.0.0.1", "10.0.0.2", null)]
    [InlineData("2001:db8::1:beef->2001:db8::2:cafe", null, "2001:db8::1:beef", "2001:db8::2:cafe", null)]
    [InlineData("2001:db8::1:ssh->2001:db8::2:domain", null, "2001:db8::1", "2001:db8::2", null)]
    public void Read_SocketNames_GiveTheClientServerAndPort(string name, string? protocol, string client, string server, int? port)
    {
        Assert.Equal(new SocketTuple(client, server, port), SocketTuple.Read(name, protocol));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("/var/lib/kubelet/pods/x/volumes")]
    [InlineData("0.0.0.0:8080")]
    [InlineData("->")]
    [InlineData("192.0.2.1:5->")]
    [InlineData("->192.0.2.1:5")]
    [InlineData("10.1:5->10.2:6")]
    [InlineData("192.0.2.1:70000->192.0.2.2:80")]
    [InlineData("ffff9b2a4c1e8800->ffff9b2a4c1e9c00 /run/docker.sock")]
    [InlineData("evil.example:443->192.0.2.2:443")]
    public void Read_NoConnection_NamesNothing(string? name)
    {
        Assert.Equal(default, SocketTuple.Read(name, null));
    }

    [Fact]
    public void Read_PaddedName_NamesNothing()
    {
        var padded = "192.0.2.1:5->192.0.2.2:6" + new string(' ', 200);

        Assert.Equal(default, SocketTuple.Read(padded, null));
        Assert.Equal(default, SocketTuple.Read(new string('1', 5000) + "->192.0.2.2:6", null));
    }
}
