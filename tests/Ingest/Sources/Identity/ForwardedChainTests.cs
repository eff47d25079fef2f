namespace ZtStream.Ingest.Tests.Sources.Identity;

/// <summary>The client address of a provider's address field, whatever a proxy in front of the provider made of it.</summary>
public sealed class ForwardedChainTests
{
    [Theory]
    [InlineData("203.0.113.7, 10.0.0.2", "203.0.113.7")]
    [InlineData("198.51.100.9, 203.0.113.7, 10.0.0.2", "203.0.113.7")]
    [InlineData("203.0.113.7,2001:db8::9", "2001:db8::9")]
    [InlineData("10.1.1.1, 192.168.0.2", "10.1.1.1")]
    [InlineData("junk, 203.0.113.7, fd00::1", "203.0.113.7")]
    // A proxy of the provider's own network reached through NAT64 or 6to4 is not the client; nor is a multicast or broadcast
    // address, which no client connects from.
    [InlineData("198.51.100.23, 64:ff9b::a00:2", "198.51.100.23")]
    [InlineData("198.51.100.23, 2002:a00:2::1", "198.51.100.23")]
    [InlineData("198.51.100.23, 255.255.255.255, 10.0.0.2", "198.51.100.23")]
    [InlineData("198.51.100.23, ff02::1", "198.51.100.23")]
    public void Client_OfAChain_IsTheRightmostPublicAddressAndTheChainIsKept(string text, string client)
    {
        Assert.Equal(client, ForwardedChain.Client(text, out var chain));
        Assert.Equal(text, chain);
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8::7", "2001:db8::7")]
    [InlineData("203.0.113.7:51234", "203.0.113.7")]
    [InlineData("[2001:db8::7]:443", "2001:db8::7")]
    [InlineData("12345", "12345")]
    [InlineData("not, an, address", "not, an, address")]
    [InlineData("10.1", "10.1")]
    // One client, one text: what Java writes for IPv6 (full, a link-local address with its interface), a dual-stack Node
    // server for an IPv4 client, and upper-case hex are the address in its shortest form.
    [InlineData("0:0:0:0:0:0:0:1", "::1")]
    [InlineData("fe80:0:0:0:0:0:0:1%1", "fe80::1")]
    [InlineData("fe80::1%eth0", "fe80::1")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("[::ffff:203.0.113.7]:443", "203.0.113.7")]
    [InlineData("2001:DB8:0:0::A", "2001:db8::a")]
    public void Client_OfOneValue_IsThatAddressInItsShortestFormWithoutItsPort(string text, string client)
    {
        Assert.Equal(client, ForwardedChain.Client(text, out var chain));
        Assert.Null(chain);
    }

    [Fact]
    public void Client_OfAChainOfMappedAddresses_IsTheClientsIpv4Address()
    {
        Assert.Equal("203.0.113.7", ForwardedChain.Client("::ffff:203.0.113.7, ::ffff:10.0.0.2", out var chain));
        Assert.Equal("::ffff:203.0.113.7, ::ffff:10.0.0.2", chain);
    }
}
