namespace ZtStream.Responder.Api;

/// <summary>
/// Bearer tokens known only by their SHA-256, each with who holds it: the API's callers, the Shared Signals receivers.
/// A presented token is hashed and compared in constant time with every one, whichever matches, so a timing probe
/// learns nothing; a configuration that gives the hash (<c>TokenSha256</c>) holds no secret.
/// </summary>
internal static class BearerTokens
{
    /// <summary>The SHA-256 a token is kept and compared as.</summary>
    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>
    /// The token in the request's <c>Authorization: Bearer TOKEN</c>; null without one, or where the header is longer
    /// than <paramref name="maxHeaderLength"/>.
    /// </summary>
    public static string? Presented(HttpContext http, int maxHeaderLength = int.MaxValue)
    {
        var header = http.Request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        return header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && header.Length > prefix.Length && header.Length <= maxHeaderLength
            ? header[prefix.Length..].Trim()
            : null;
    }

    /// <summary>Who of <paramref name="tokens"/> holds <paramref name="presented"/>; null for a token none holds.</summary>
    public static THolder? Find<THolder>(IReadOnlyList<(byte[] Hash, THolder Holder)> tokens, string presented)
        where THolder : class
    {
        var hash = Hash(presented);
        THolder? found = null;
        foreach (var (expected, holder) in tokens)
        {
            // No early exit: every configured token is compared, whichever matches.
            if (CryptographicOperations.FixedTimeEquals(hash, expected))
            {
                found = holder;
            }
        }

        return found;
    }
}
