namespace ZtStream.Ingest.Tests.Sources.Credentials;

public sealed class SourceAuthenticatorTests
{
    [Theory]
    [InlineData("Bearer zts_abc", "zts_abc")]
    [InlineData("bearer   zts_abc  ", "zts_abc")]
    [InlineData("BASIC ZmFsY286enRzX2FiYw==", "zts_abc")]
    public void TryReadBearer_BearerOrBasicPassword_IsTheKey(string header, string key)
    {
        Assert.True(SourceAuthenticator.TryReadBearer(header, out var read));
        Assert.Equal(key, read);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer ")]
    [InlineData("Token zts_abc")]
    [InlineData("Basic !!!")]
    [InlineData("Basic Zm9v")]
    public void TryReadBearer_NoUsableKey_IsRefused(string? header) =>
        Assert.False(SourceAuthenticator.TryReadBearer(header, out _));

    [Fact]
    public void TryReadBearer_OverlongValue_IsRefusedWithoutHashing() =>
        Assert.False(SourceAuthenticator.TryReadBearer("Bearer " + new string('k', 4096), out _));

    [Fact]
    public void Keys_AreRandomAndHashedToHex()
    {
        var a = SourceKeys.NewKey();
        var b = SourceKeys.NewKey();

        Assert.NotEqual(a, b);
        Assert.Equal(64, SourceKeys.Hash(a).Length);
        Assert.True(SourceKeys.HashesEqual(SourceKeys.Hash(a), SourceKeys.Hash(a)));
        Assert.False(SourceKeys.HashesEqual(SourceKeys.Hash(a), SourceKeys.Hash(b)));
        Assert.Equal("ZmFsY286enRzX2FiYw==", Convert.ToBase64String(Encoding.UTF8.GetBytes("falco:zts_abc")));
    }
}
