namespace ZtStream.Ingest.Sources.Credentials;

/// <summary>
/// Section <c>Ingest:PubSubPush</c>: sources that authenticate on <c>POST /v1/sources/k8s-audit</c> with the OIDC token
/// Google signs for an authenticated Pub/Sub push subscription, instead of a source key. Each is a source registered
/// with <c>ztstream sources add NAME</c> (its scope and revocation apply), named here with the token's expected
/// audiences and the push service accounts allowed to speak for it.
/// </summary>
internal sealed record PubSubPushOptions
{
    public const string Section = "Ingest:PubSubPush";

    /// <summary>Where Google publishes the keys it signs ID tokens with.</summary>
    public static readonly Uri GoogleJwksUri = new("https://www.googleapis.com/oauth2/v3/certs");

    /// <summary>The sources that accept Pub/Sub push tokens, by source name.</summary>
    public Dictionary<string, PubSubPushSourceOptions> Sources { get; init; } = new(StringComparer.Ordinal);

    /// <summary>How far the token's <c>exp</c>, <c>nbf</c> and <c>iat</c> may be off ZtStream's clock.</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long Google's JWKS is kept when its answer carries no <c>Cache-Control</c> max-age.</summary>
    public TimeSpan JwksCacheTime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The longest a JWKS <c>max-age</c> is honoured.</summary>
    public TimeSpan JwksMaxCacheTime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>An unknown <c>kid</c> refetches the JWKS, and a failed fetch is tried again, at most this often.</summary>
    public TimeSpan JwksRefetchInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed for a JWKS fetch.</summary>
    public TimeSpan HttpTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>One source fed by an authenticated Pub/Sub push subscription.</summary>
internal sealed record PubSubPushSourceOptions
{
    /// <summary>
    /// The <c>aud</c> the token must carry, required: the subscription's <c>--push-auth-token-audience</c>, or the push
    /// endpoint URL, which Pub/Sub uses without one. Never taken from the request, whose <c>Host</c> its sender chooses.
    /// </summary>
    public List<string> Audiences { get; init; } = [];

    /// <summary>The push service accounts (<c>--push-auth-service-account</c>) whose tokens speak for this source: the token's verified <c>email</c>.</summary>
    public List<string> ServiceAccounts { get; init; } = [];

    /// <summary>Where the token's signing keys are published; Google's by default.</summary>
    public Uri JwksUri { get; init; } = PubSubPushOptions.GoogleJwksUri;

    /// <summary>Fetch the JWKS over plain http from a host other than loopback (never for Google's).</summary>
    public bool AllowHttp { get; init; }
}
