namespace ZtStream.Responder.Console.SignIn;

/// <summary>
/// What the console asks of an ID token beyond the OpenID Connect handler's own checks. The handler accepts an
/// unsigned ID token from the token endpoint (OpenID Connect Core §3.1.3.7 lets TLS stand in for the signature), so a
/// provider address reached without TLS, or answered by someone else, could sign anyone in; and the JWT library
/// ignores <c>crit</c> and the <c>alg</c> a key is published for. Here: signed (RFC 8725 §3.1), no <c>crit</c>
/// extension (RFC 7515 §4.1.11: none is understood), verified by a key published for the token's <c>alg</c>
/// (RFC 7517 §4.4), and by the key its <c>kid</c> names when it names one (RFC 7515 §4.1.4): the JWT library tries every
/// published key for a <c>kid</c> it does not find, as Ingest's signed-token verifier does not.
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
        if (securityToken is not JsonWebToken jwt)
        {
            return false;
        }

        if (!string.IsNullOrEmpty(jwt.Kid) && !string.Equals(jwt.Kid, key.KeyId, StringComparison.Ordinal))
        {
            throw new SecurityTokenInvalidSigningKeyException($"the ID token names key '{jwt.Kid}' but verifies only with the provider's key '{key.KeyId}' (RFC 7515 §4.1.4: the kid names the key that signed)");
        }

        if (configuration is not OpenIdConnectConfiguration { JsonWebKeySet: { } published })
        {
            return true;
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
