using System.Net;

namespace ZtStream.Platform.Tests;

/// <summary>
/// Which addresses can name a client on the internet. A forwarded chain's client is its rightmost public address, so an
/// address of the provider's own network taken for public hides the real client behind it, and one no client connects
/// from (multicast, reserved, broadcast) written into a chain is taken for a client.
/// </summary>
public sealed class ClientAddressesTests
{
    [Theory]
    [InlineData("203.0.113.7")]
    [InlineData("8.8.8.8")]
    [InlineData("223.255.255.254")]
    [InlineData("2001:db8::7")]
    [InlineData("2606:4700::1111")]
    // An IPv6 form of a public IPv4 address is as public: mapped, NAT64 (RFC 6052), 6to4 (RFC 3056).
    [InlineData("::ffff:203.0.113.7")]
    [InlineData("64:ff9b::cb00:7107")]
    [InlineData("2002:cb00:7107::1")]
    public void IsPublic_AnAddressOfTheInternet_IsPublic(string address) =>
        Assert.True(ClientAddresses.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("10.0.0.5")]
    [InlineData("172.31.255.1")]
    [InlineData("192.168.1.1")]
    [InlineData("100.64.0.1")]
    [InlineData("169.254.169.254")]
    [InlineData("127.0.0.1")]
    [InlineData("0.0.0.0")]
    // Multicast, reserved and broadcast: no client connects from them.
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250")]
    [InlineData("240.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("ff02::1")]
    [InlineData("ff0e::1")]
    // IPv6 of the local network: unique local, link-local (also with its zone), the deprecated site-local.
    [InlineData("fd00::1")]
    [InlineData("fe80::1")]
    [InlineData("fe80::1%2")]
    [InlineData("fec0::1")]
    [InlineData("::")]
    [InlineData("::1")]
    // A private IPv4 address in an IPv6 form: mapped, compatible, NAT64, 6to4.
    [InlineData("::ffff:10.0.0.5")]
    [InlineData("::10.0.0.5")]
    [InlineData("64:ff9b::a00:5")]
    [InlineData("64:ff9b::c0a8:101")]
    [InlineData("2002:a00:5::1")]
    [InlineData("2002:7f00:1::")]
    public void IsPublic_AnAddressOfTheLocalNetworkOrNoClients_IsNot(string address) =>
        Assert.False(ClientAddresses.IsPublic(IPAddress.Parse(address)));
}
