namespace ZtStream.TestSupport.Jose;

/// <summary>
/// Compact JWS written by hand (RFC 7515), with exactly the header given: the shapes of token a JWT library refuses to
/// write (<c>alg</c> none, <c>crit</c>, <c>jwk</c>/<c>jku</c> headers, an HMAC keyed with a public key), so that a
/// verifier's refusal of them can be tested.
/// </summary>
public static class TestJws
{
    /// <summary>
    /// Signs with <paramref name="rsa"/> for RS256/PS256, with <paramref name="secret"/> for HS256, and not at all for
    /// <c>none</c> (an empty signature), as the header's <c>alg</c> says.
    /// </summary>
    public static string Sign(JsonObject header, JsonObject claims, RSA? rsa = null, byte[]? secret = null)
    {
        var input = Base64UrlEncoder.Encode(header.ToJsonString()) + "." + Base64UrlEncoder.Encode(claims.ToJsonString());
        var data = Encoding.ASCII.GetBytes(input);
        var signature = (string?)header["alg"] switch
        {
            SecurityAlgorithms.RsaSha256 => rsa!.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            SecurityAlgorithms.RsaSsaPssSha256 => rsa!.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pss),
            SecurityAlgorithms.HmacSha256 => HMACSHA256.HashData(secret!, data),
            "none" => [],
            var other => throw new ArgumentException($"alg '{other}' is not written by this helper", nameof(header)),
        };
        return input + "." + Base64UrlEncoder.Encode(signature);
    }

    /// <summary>
    /// Signs RS256 over exactly <paramref name="headerJson"/> and <paramref name="claimsJson"/>: JSON no serializer
    /// writes, such as an object naming a member twice.
    /// </summary>
    public static string SignRs256(string headerJson, string claimsJson, RSA rsa)
    {
        ArgumentNullException.ThrowIfNull(rsa);
        var input = Base64UrlEncoder.Encode(headerJson) + "." + Base64UrlEncoder.Encode(claimsJson);
        return input + "." + Base64UrlEncoder.Encode(rsa.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    /// <summary>The public half of <paramref name="rsa"/> as a JWK (RFC 7517), for a JWKS or a header's <c>jwk</c>.</summary>
    public static JsonObject PublicJwk(RSA rsa, string kid)
    {
        var parameters = rsa.ExportParameters(false);
        return new JsonObject
        {
            ["kty"] = "RSA",
            ["kid"] = kid,
            ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
            ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
        };
    }
}
