using System.Security.Claims;

namespace ZtStream.Sdk.AspNetCore;

/// <summary>
/// The identity fields ZtStream needs, read from a validated principal in one pass over its claims; <c>SubjectClaim</c> is
/// the claim <c>Subject</c> was read from: the configured one, else <c>sub</c> (which JWT bearer maps to
/// <c>NameIdentifier</c> unless MapInboundClaims is off: an opaque id either way).
/// </summary>
internal readonly record struct TokenClaims(
    string? Subject,
    string? SubjectClaim,
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
    private const string ObjectIdUri = "http://schemas.microsoft.com/identity/claims/objectidentifier";

    /// <param name="user">The authenticated principal.</param>
    /// <param name="subjectClaim">The claim that names the subject (<see cref="ZtStreamOptions.SubjectClaim"/>); <c>sub</c> when absent.</param>
    public static TokenClaims From(ClaimsPrincipal user, string subjectClaim = "sub")
    {
        // The spelling JWT bearer maps the chosen claim to when MapInboundClaims is on.
        var mapped = subjectClaim switch
        {
            "oid" => ObjectIdUri,
            "email" => ClaimTypes.Email,
            "upn" => ClaimTypes.Upn,
            "name" or "unique_name" => ClaimTypes.Name,
            _ => subjectClaim,
        };
        string? chosen = null, sub = null, nameId = null, jti = null, clientId = null, azp = null, sid = null, sessionState = null, tenant = null;
        DateTimeOffset? iat = null, exp = null;
        foreach (var identity in user.Identities)
        {
            if (!identity.IsAuthenticated)
            {
                continue;
            }

            foreach (var claim in identity.Claims)
            {
                if (string.Equals(claim.Type, subjectClaim, StringComparison.Ordinal) || string.Equals(claim.Type, mapped, StringComparison.Ordinal))
                {
                    chosen ??= claim.Value;
                }

                switch (claim.Type)
                {
                    case "sub": sub ??= claim.Value; break;
                    case ClaimTypes.NameIdentifier: nameId ??= claim.Value; break;
                    case "jti": jti ??= claim.Value; break;
                    case "client_id": clientId ??= claim.Value; break;
                    case "azp" or "appid" or "cid": azp ??= claim.Value; break;
                    case "sid" or SidUri: sid ??= claim.Value; break;
                    case "session_state": sessionState ??= claim.Value; break;
                    case "tid" or TenantUri: tenant ??= claim.Value; break;
                    case "iat": iat ??= Epoch(claim.Value); break;
                    case "exp": exp ??= Epoch(claim.Value); break;
                    default: break;
                }
            }
        }

        // Keycloak before 18 names the session only in session_state; it is the sessionId of its events.
        var subjectClaimName = chosen is not null ? subjectClaim : (sub ?? nameId) is not null ? "sub" : null;
        return new TokenClaims(chosen ?? sub ?? nameId, subjectClaimName, jti, clientId ?? azp, sid ?? sessionState, tenant, iat, exp);
    }

    private static DateTimeOffset? Epoch(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
        && seconds is > 0 and < 253_402_300_799
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000))
            : null;
}
