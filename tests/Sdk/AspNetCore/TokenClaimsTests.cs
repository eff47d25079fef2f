using System.Security.Claims;
using Xunit;
using ZtStream.Sdk.AspNetCore;

namespace ZtStream.Sdk.Tests.AspNetCore;

public sealed class TokenClaimsTests
{
    [Fact]
    public void From_RawJwtClaimNames_ReadsEveryField()
    {
        var user = Principal(("sub", "alice"), ("jti", "j1"), ("client_id", "portal"), ("sid", "s1"), ("tid", "acme"), ("iat", "1767225600"), ("exp", "1767229200"));
        var claims = TokenClaims.From(user);

        Assert.Equal("alice", claims.Subject);
        Assert.Equal("j1", claims.Jti);
        Assert.Equal("portal", claims.ClientId);
        Assert.Equal("s1", claims.SessionId);
        Assert.Equal("acme", claims.Tenant);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1767225600), claims.IssuedAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1767229200), claims.ExpiresAt);
    }

    [Fact]
    public void From_MappedClaimTypesAndAzp_AreUnderstood()
    {
        var user = Principal(
            (ClaimTypes.NameIdentifier, "alice"),
            ("azp", "spa"),
            ("http://schemas.microsoft.com/ws/2008/06/identity/claims/sid", "s9"),
            ("iat", "not-a-number"));
        var claims = TokenClaims.From(user);

        Assert.Equal("alice", claims.Subject);
        Assert.Equal("spa", claims.ClientId);
        Assert.Equal("s9", claims.SessionId);
        Assert.Null(claims.IssuedAt);
    }

    [Fact]
    public void From_UnauthenticatedIdentity_IsIgnored()
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "mallory")]));
        Assert.Null(TokenClaims.From(user).Subject);
    }

    private static ClaimsPrincipal Principal(params (string Type, string Value)[] claims) =>
        new(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), "Bearer"));
}
