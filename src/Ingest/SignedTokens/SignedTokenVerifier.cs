namespace ZtStream.Ingest.SignedTokens;

/// <summary>Where a token's keys are published: the JWKS URL, whose it is (for messages), and how it is kept.</summary>
internal sealed record JwksSource(Uri Uri, string Owner, JwksPolicy Policy);

/// <summary>The outcome of <see cref="SignedTokenVerifier.VerifyAsync"/>, with the keys it was checked against.</summary>
internal sealed record SignedTokenResult(TokenValidationResult Result, IReadOnlyList<PublishedKey> Keys);

/// <summary>
/// The one path by which Ingest verifies a signed JWT against a publisher's JWKS: only the keys published for the token's
/// <c>alg</c> verify it (RFC 8725 §3.1); a token naming a <c>kid</c> is verified with that key only (RFC 7515 §4.1.4: the
/// kid names the key used), one without may be verified by any; and a <c>kid</c> not among them refetches the JWKS once
/// (a publisher rotating its keys) before the token is refused. What the token must say (issuer, audience, type, algorithms) is the caller's; what
/// every token is held to is this class's: it is signed, by a key of the JWKS (trusted as published, so not validated
/// again), and the handler checks no lifetime, since it would read the system clock: a caller checks one against
/// ZtStream's (<see cref="TimeProvider"/>), or none where the token carries none (a SET).
/// </summary>
internal sealed class SignedTokenVerifier(JwksKeySets keySets)
{
    private readonly JsonWebTokenHandler handler = new();

    /// <summary>Checks <paramref name="jwt"/> against what <paramref name="expected"/> says of it, with the keys that may verify it.</summary>
    /// <exception cref="JwksUnavailableException">The JWKS could not be fetched and no key of it may be used.</exception>
    public async Task<SignedTokenResult> VerifyAsync(JsonWebToken jwt, JwksSource source, TokenValidationParameters expected, CancellationToken cancellationToken)
    {
        var keys = await keySets.GetAsync(source.Uri, source.Owner, source.Policy, refresh: false, cancellationToken);
        var result = await handler.ValidateTokenAsync(jwt, Parameters(expected, keys, jwt));
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            keys = await keySets.GetAsync(source.Uri, source.Owner, source.Policy, refresh: true, cancellationToken);
            result = await handler.ValidateTokenAsync(jwt, Parameters(expected, keys, jwt));
        }

        return new SignedTokenResult(result, keys);
    }

    private static TokenValidationParameters Parameters(TokenValidationParameters expected, IReadOnlyList<PublishedKey> keys, JsonWebToken jwt)
    {
        var parameters = expected.Clone();
        parameters.IssuerSigningKeys = keys.Where(k => k.Verifies(jwt.Alg)).Select(k => k.Key);
        // With a kid, the key of that kid only: the handler would otherwise try every key when none has it, and accept a
        // token naming a key the publisher does not publish (a retired one, another's) because another key verifies it.
        parameters.TryAllIssuerSigningKeys = string.IsNullOrEmpty(jwt.Kid);
        parameters.RequireSignedTokens = true;
        parameters.ValidateIssuerSigningKey = false;
        parameters.ValidateLifetime = false;
        parameters.RequireExpirationTime = false;
        return parameters;
    }
}
