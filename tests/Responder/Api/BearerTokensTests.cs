using ZtStream.Responder.Api;

namespace ZtStream.Responder.Tests.Api;

public sealed class BearerTokensTests
{
    [Theory]
    [InlineData("Bearer s3cret-token", "s3cret-token")]
    [InlineData("bearer   s3cret-token  ", "s3cret-token")]
    [InlineData("Bearer ", null)]
    [InlineData("Basic czNjcmV0LXRva2Vu", null)]
    [InlineData("", null)]
    public void Presented_ReadsTheBearerToken_OnlyFromABearerHeader(string header, string? expected)
    {
        var http = new DefaultHttpContext();
        http.Request.Headers.Authorization = header;

        Assert.Equal(expected, BearerTokens.Presented(http));
    }

    [Fact]
    public void Presented_AHeaderPastTheBound_IsNoToken()
    {
        var http = new DefaultHttpContext();
        http.Request.Headers.Authorization = "Bearer " + new string('a', 100);

        Assert.Null(BearerTokens.Presented(http, maxHeaderLength: 100));
        Assert.Equal(new string('a', 100), BearerTokens.Presented(http, maxHeaderLength: 107));
    }

    [Fact]
    public void Find_NamesTheHolderOfTheToken_AndNoOneForAnother()
    {
        (byte[] Hash, string Holder)[] tokens =
        [
            (BearerTokens.Hash("alice-token-0123456789abcdef0123"), "alice"),
            (Convert.FromHexString(ApiTokenAuthenticator.HashHex("rex-token-0123456789abcdef012345")), "rex"),
        ];

        Assert.Equal("alice", BearerTokens.Find(tokens, "alice-token-0123456789abcdef0123"));
        Assert.Equal("rex", BearerTokens.Find(tokens, "rex-token-0123456789abcdef012345"));
        Assert.Null(BearerTokens.Find(tokens, "alice-token-0123456789abcdef012"));
        Assert.Null(BearerTokens.Find(tokens, ""));
    }
}
