using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ZtStream.SampleService;

namespace ZtStream.EndToEnd;

/// <summary>Tokens the SDK-protected sample service accepts: its issuer, audience and key, issued a minute ago for half an hour.</summary>
internal static class SampleTokens
{
    public static string Create(Dictionary<string, object> claims)
    {
        var sample = new SampleOptions();
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = sample.Issuer,
            Audience = sample.Audience,
            Claims = claims,
            IssuedAt = now.AddMinutes(-1),
            NotBefore = now.AddMinutes(-1),
            Expires = now.AddMinutes(30),
            SigningCredentials = new SigningCredentials(sample.Key, SecurityAlgorithms.HmacSha256),
        });
    }
}
