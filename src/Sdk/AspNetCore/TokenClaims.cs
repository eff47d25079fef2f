using System.Globalization;
using System.Security.Claims;

namespace ZtStream.Sdk.AspNetCore;

/// <summary>The identity fields ZtStream needs, read from a validated principal in one pass over its claims.</summary>
internal readonly record struct TokenClaims(
    string? Subject,
    string? Jti,
    string? ClientId,
    string? SessionId,
    string? Tenant,
    DateTimeOffset? IssuedAt,
    DateTimeOffset? ExpiresAt)
{
    // JWT bearer maps some inbound claim names to these URIs unless MapInboundClaims is off; both spellings are read.
    private const string SidUri = "http://schemas.microsoft.com/ws/2008/06/identity/claims/sid";
    private const string TenantUri = "http://schemas.microsoft.com/identity/claims/tenantid";

    public static TokenClaims From(ClaimsPrincipal user)
    {
        string? sub = null, nameId = null, jti = null, clientId = null, azp = null, sid = null, tenant = null;
        DateTimeOffset? iat = null, exp = null;
        foreach (var identity in user.Identities)
        {
            if (!identity.IsAuthenticated)
            {
                continue;
            }

            foreach (var claim in identity.Claims)
            {
                switch (claim.Type)
                {
                    case "sub": sub ??= claim.Value; break;
                    case ClaimTypes.NameIdentifier: nameId ??= claim.Value; break;
                    case "jti": jti ??= claim.Value; break;
                    case "client_id": clientId ??= claim.Value; break;
                    case "azp" or "appid" or "cid": azp ??= claim.Value; break;
                    case "sid" or SidUri: sid ??= claim.Value; break;
                    case "tid" or TenantUri: tenant ??= claim.Value; break;
                    case "iat": iat ??= Epoch(claim.Value); break;
                    case "exp": exp ??= Epoch(claim.Value); break;
                    default: break;
                }
            }
        }

        return new TokenClaims(sub ?? nameId, jti, clientId ?? azp, sid, tenant, iat, exp);
    }

    private static DateTimeOffset? Epoch(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
        && seconds is > 0 and < 253_402_300_799
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000))
            : null;
}
