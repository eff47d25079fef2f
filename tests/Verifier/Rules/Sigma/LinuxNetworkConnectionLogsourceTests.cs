using static ZtStream.Verifier.Tests.Rules.Sigma.TetragonCalls;

namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// <c>product: linux, category: network_connection</c>: Sigma's taxonomy field names (Sysmon for Linux's NetworkConnect)
/// on the connections a TracingPolicy reported (<see cref="TetragonCalls"/>), never another call, an exec or another
/// source's event, and the names Tetragon has no value for refused by name.
/// </summary>
public sealed class LinuxNetworkConnectionLogsourceTests
{
    private const string Linux = "product: linux\ncategory: network_connection";

    private static Rule Inline(string detection) => SigmaIdp.Inline(Linux, detection);

    [Fact]
    public void Logsource_IsThePoliciesRuntimeAlerts_ByCategoryAndProductAlone()
    {
        Assert.Equal([EventKinds.RuntimeAlert], Inline("selection:\n  DestinationPort: 4444\ncondition: selection").Kinds);
        Assert.Equal([EventKinds.RuntimeAlert], SigmaIdp.Inline("category: Network_Connection\nproduct: linux", "selection:\n  DestinationPort: 4444\ncondition: selection").Kinds);
        Assert.StartsWith(
            "logsource (category: network_connection, product: linux, service: auditd) has no field mapping",
            SigmaIdp.ErrorOf(Linux + "\nservice: auditd", "selection:\n  DestinationPort: 1\ncondition: selection").Reason,
            StringComparison.Ordinal);
    }

    [Fact]
    public void DestinationAndSource_AreTheSocketsEnds_OverIpv4AndIpv6()
    {
        var v4 = TcpConnect("/usr/bin/curl", "203.0.113.9", 4444, "10.0.3.7", 41234);
        var v6 = TcpConnect("/usr/bin/curl", "2001:db8:ff::9", 443, "2001:db8:1::7", 50000);

        Assert.True(Inline("selection:\n  DestinationIp: 203.0.113.9\n  DestinationPort: 4444\n  SourceIp: 10.0.3.7\n  SourcePort: 41234\n  Protocol: tcp\ncondition: selection").Fires(Format, v4));
        Assert.False(Inline("selection:\n  DestinationIp: 203.0.113.9\n  DestinationPort: 443\ncondition: selection").Fires(Format, v4));
        Assert.False(Inline("selection:\n  SourcePort: 4444\ncondition: selection").Fires(Format, v4));
        Assert.True(Inline("selection:\n  DestinationIsIpv6: 'true'\n  SourceIsIpv6: 'true'\ncondition: selection").Fires(Format, v6));
        Assert.False(Inline("selection:\n  DestinationIsIpv6: 'true'\ncondition: selection").Fires(Format, v4));
        Assert.True(Inline("selection:\n  DestinationIsIpv6: 'false'\ncondition: selection").Fires(Format, v4));
    }

    [Theory]
    [InlineData("203.0.113.9", false)]
    [InlineData("10.1.2.3", true)]
    [InlineData("fd12:3456::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("2001:db8:ff::9", false)]
    [InlineData("::1", true)]
    public void Cidr_OnTheDestination_ReadsIpv4AndIpv6(string daddr, bool local)
    {
        var rule = Inline("selection:\n  DestinationIp|cidr:\n    - 10.0.0.0/8\n    - '::1/128'\n    - 'fe80::/10'\n    - 'fc00::/7'\ncondition: selection");

        Assert.Equal(local, rule.Fires(Format, TcpConnect("/usr/bin/nc", daddr, 4444)));
    }

    [Fact]
    public void Initiated_IsTrueOfEveryConnection_AsStringOrBoolean()
    {
        var connect = SocketConnect("/usr/bin/python3", "169.254.169.254", 80);

        Assert.True(Inline("selection:\n  Initiated: 'true'\ncondition: selection").Fires(Format, connect));
        Assert.True(Inline("selection:\n  Initiated: true\ncondition: selection").Fires(Format, connect));
        Assert.False(Inline("selection:\n  Initiated: 'false'\ncondition: selection").Fires(Format, connect));
    }

    [Fact]
    public void AConnectCall_NamesTheDestinationAlone()
    {
        var connect = SocketConnect("/usr/bin/python3", "169.254.169.254", 80, pod: false, user: null);

        Assert.True(Inline("selection:\n  DestinationIp: 169.254.169.254\n  DestinationPort: 80\n  Image|contains: python\ncondition: selection").Fires(Format, connect));
        Assert.False(Inline("selection:\n  SourceIp|cidr: 0.0.0.0/0\ncondition: selection").Fires(Format, connect));
        Assert.False(Inline("selection:\n  Protocol: tcp\ncondition: selection").Fires(Format, connect));
        Assert.False(Inline("selection:\n  User: root\ncondition: selection").Fires(Format, connect));
    }

    [Fact]
    public void TheProcessFields_AreTheConnectingProcesss()
    {
        var connect = TcpConnect("/usr/bin/bash", "198.51.100.7", 4242, arguments: "-i", user: "www-data");

        Assert.True(Inline("selection:\n  Image: /usr/bin/bash\n  CommandLine: bash -i\n  User: www-data\n  ParentImage: /bin/bash\ncondition: selection").Fires(Format, connect));
        Assert.False(Inline("selection:\n  User: root\ncondition: selection").Fires(Format, connect));
        var pid = IdpRecords.Map(Format, connect).Raw!.Value.GetProperty("process_kprobe").GetProperty("process").GetProperty("pid").GetInt64();
        Assert.True(Inline($"selection:\n  ProcessId: {pid}\ncondition: selection").Fires(Format, connect));
        Assert.False(Inline($"selection:\n  ProcessId: {pid + 1}\ncondition: selection").Fires(Format, connect));
    }

    [Fact]
    public void OnlyConnections_AreRead_AlsoUnderNot()
    {
        var everything = Inline("filter:\n  DestinationPort: 1\ncondition: not filter");

        Assert.True(everything.Fires(Format, TcpConnect("/usr/bin/curl", "203.0.113.9", 443)));
        Assert.False(everything.Fires(Format, FilePermission("/usr/bin/curl", "/etc/hosts", mask: 2)));
        Assert.False(everything.Fires(Format, FileCall("/usr/bin/curl", "tcp_close", "/x")));
        Assert.False(everything.Fires(Format, TetragonExecs.Exec("/usr/bin/curl", "https://example.net")));
        Assert.False(everything.Matches(RuleTesting.Audit("get", "secrets")));
    }

    [Theory]
    [InlineData("DestinationHostname", "never a name resolved to them")]
    [InlineData("SourceHostname", "never a name resolved to them")]
    [InlineData("DestinationPortName", "never a service name")]
    public void AFieldWithoutAValue_IsAnErrorNamingItAndWhy(string field, string why) =>
        SigmaIdp.AssertNoValueIn(Linux, "a Linux network connection (Tetragon's connect calls)", field, why);

    [Fact]
    public void AnUnknownField_IsAnErrorListingTheFields()
    {
        Assert.StartsWith(
            "field 'ProcessArgs' is not a field of a Linux network connection (Tetragon's connect calls) (its fields are Initiated, Protocol, SourceIp, ",
            SigmaIdp.ErrorOf(Linux, "selection:\n  ProcessArgs: -i\ncondition: selection").Reason,
            StringComparison.Ordinal);
    }
}
