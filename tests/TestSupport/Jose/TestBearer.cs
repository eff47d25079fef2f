using Microsoft.IdentityModel.JsonWebTokens;

namespace ZtStream.TestSupport.Jose;

/// <summary>
/// The identity provider behind the test services that take JWT bearer tokens, with an HMAC key of the tests' own: what
/// a service for an audience checks a token against, and the tokens a test presents to it.
/// </summary>
public static class TestBearer
{
    public const string Issuer = "https://idp.test";
    private static readonly SymmetricSecurityKey Key = new(Encoding.UTF8.GetBytes("ztstream-test-bearer-signing-key-of-at-least-32-bytes!"));

    /// <summary>What a service for <paramref name="audience"/> checks a token against.</summary>
    public static TokenValidationParameters Validation(string audience) => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = audience,
        IssuerSigningKey = Key,
    };

    /// <summary>A token for <paramref name="audience"/> with <paramref name="claims"/>, issued at <paramref name="issuedAt"/> (now) and valid from then for an hour.</summary>
    public static string Token(string audience, Dictionary<string, object> claims, DateTime? issuedAt = null)
    {
        var iat = issuedAt ?? DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = iat,
            NotBefore = iat,
            Expires = iat.AddHours(1),
            SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.HmacSha256),
        });
    }
}
