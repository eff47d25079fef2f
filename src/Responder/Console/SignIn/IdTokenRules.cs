namespace ZtStream.Responder.Console.SignIn;

/// <summary>
/// What the console asks of an ID token beyond the OpenID Connect handler's own checks. The handler accepts an
/// unsigned ID token from the token endpoint (OpenID Connect Core §3.1.3.7 lets TLS stand in for the signature), so a
/// provider address reached without TLS, or answered by someone else, could sign anyone in; and the JWT library
/// ignores <c>crit</c> and the <c>alg</c> a key is published for. Here: signed (RFC 8725 §3.1), no <c>crit</c>
/// extension (RFC 7515 §4.1.11: none is understood), and verified by a key published for the token's <c>alg</c>
/// (RFC 7517 §4.4).
/// </summary>
internal static class IdTokenRules
{
    public static void Apply(TokenValidationParameters parameters)
    {
        parameters.TypeValidator = ValidateType;
        parameters.ValidateIssuerSigningKey = true;
        parameters.IssuerSigningKeyValidatorUsingConfiguration = ValidateSigningKey;
    }

    /// <summary>Runs for every ID token, signed or not, after its signature was checked (when it has one).</summary>
    private static string ValidateType(string? type, SecurityToken securityToken, TokenValidationParameters parameters)
    {
        if (securityToken is not JsonWebToken jwt)
        {
            throw new SecurityTokenInvalidTypeException("the ID token is not a compact JWS");
        }

        if (string.IsNullOrEmpty(jwt.EncodedSignature) || string.Equals(jwt.Alg, SecurityAlgorithms.None, StringComparison.OrdinalIgnoreCase))
        {
            throw new SecurityTokenInvalidSignatureException("the ID token is not signed (alg none); OpenID Connect Core §2 requires a signature");
        }

        if (jwt.TryGetHeaderValue<object>("crit", out _))
        {
            throw new SecurityTokenInvalidTypeException("the ID token's crit header names JWS extensions this client does not understand (RFC 7515 §4.1.11)");
        }

        return type ?? string.Empty;
    }

    private static bool ValidateSigningKey(SecurityKey key, SecurityToken securityToken, TokenValidationParameters parameters, BaseConfiguration? configuration)
    {
        if (securityToken is not JsonWebToken jwt || configuration is not OpenIdConnectConfiguration { JsonWebKeySet: { } published })
        {
            return securityToken is JsonWebToken;
        }

        foreach (var candidate in published.Keys)
        {
            if (string.Equals(candidate.Kid, key.KeyId, StringComparison.Ordinal) && !string.IsNullOrEmpty(candidate.Alg)
                && !string.Equals(candidate.Alg, jwt.Alg, StringComparison.Ordinal))
            {
                throw new SecurityTokenInvalidSigningKeyException($"the ID token is signed with '{jwt.Alg}' by key '{key.KeyId}', which the provider publishes for '{candidate.Alg}'");
            }
        }

        return true;
    }
}
