namespace ZtStream.Ingest.SignedTokens;

/// <summary>The checks every configured JWKS URL gets: whoever can change its keys on the way decides what is trusted.</summary>
internal static class JwksUrls
{
    /// <summary>
    /// Adds the problem with the JWKS URL at <paramref name="key"/> (<paramref name="prefix"/>:JwksUri), if any:
    /// <paramref name="whose"/> names the publisher, <paramref name="trusted"/> what its keys let in.
    /// </summary>
    public static void Check(ICollection<string> problems, string prefix, Uri? uri, bool allowHttp, string whose, string trusted)
    {
        if (!HttpUrls.IsHttp(uri))
        {
            problems.Add($"{prefix}:JwksUri is required: the absolute http(s) URL of {whose} JWKS (got '{uri}')");
        }
        else if (HttpUrls.InClear(uri, allowHttp))
        {
            problems.Add($"{prefix}:JwksUri must be https: its keys decide which {trusted} are trusted (http only to a loopback address, or with {prefix}:AllowHttp)");
        }
    }
}
