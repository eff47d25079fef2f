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

    [Fact]
    public void From_ChosenSubjectClaim_RawOrMapped_WinsOverSub()
    {
        // Entra ID: sub is pairwise per application; oid is the object id its sign-in logs name (userId).
        var raw = Principal(("sub", "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ"), ("oid", "5b6c8c1e-62a7-4c0e-9f5e-6b3b1d1a2c3d"));
        Assert.Equal("5b6c8c1e-62a7-4c0e-9f5e-6b3b1d1a2c3d", TokenClaims.From(raw, "oid").Subject);
        var mapped = Principal((ClaimTypes.NameIdentifier, "pairwise"), ("http://schemas.microsoft.com/identity/claims/objectidentifier", "5b6c8c1e"));
        Assert.Equal("5b6c8c1e", TokenClaims.From(mapped, "oid").Subject);

        // Keycloak: preferred_username is the username its events carry; a token without it falls back to sub.
        Assert.Equal("alice", TokenClaims.From(Principal(("sub", "3f6b2d1e"), ("preferred_username", "alice")), "preferred_username").Subject);
        Assert.Equal("3f6b2d1e", TokenClaims.From(Principal(("sub", "3f6b2d1e")), "preferred_username").Subject);
    }

    [Theory]
    // The claim the subject was read from goes with it, so Ingest can key a login claim's value in its one form.
    [InlineData("preferred_username", "preferred_username", "Dana.Kowalski@Acme.Example", "preferred_username")]
    // Entra ID v1 tokens: unique_name, which JWT bearer maps to ClaimTypes.Name.
    [InlineData("unique_name", ClaimTypes.Name, "Dana.Kowalski@Acme.Example", "unique_name")]
    [InlineData("email", ClaimTypes.Email, "Dana.Kowalski@Acme.Example", "email")]
    // Absent: sub, raw or as JWT bearer maps it, is an opaque id.
    [InlineData("upn", "sub", "00u1dana", "sub")]
    [InlineData("upn", ClaimTypes.NameIdentifier, "00u1dana", "sub")]
    public void From_TheClaimTheSubjectCameFrom_IsNamed(string configured, string type, string value, string claim)
    {
        var claims = TokenClaims.From(Principal((type, value), ("jti", "j1")), configured);

        Assert.Equal((value, claim), (claims.Subject, claims.SubjectClaim));
    }

    [Fact]
    public void From_KeycloakSessionState_IsTheSessionWhenNoSid()
    {
        Assert.Equal("6e1c0f5a", TokenClaims.From(Principal(("sub", "u"), ("session_state", "6e1c0f5a"))).SessionId);
        Assert.Equal("s1", TokenClaims.From(Principal(("sub", "u"), ("session_state", "6e1c0f5a"), ("sid", "s1"))).SessionId);
    }

    private static ClaimsPrincipal Principal(params (string Type, string Value)[] claims) =>
        new(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), "Bearer"));
}
