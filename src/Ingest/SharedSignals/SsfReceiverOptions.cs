namespace ZtStream.Ingest.SharedSignals;

/// <summary>
/// Section <c>Ingest:Ssf</c>: the OpenID Shared Signals receiver. Transmitters push SETs to <c>POST /v1/ssf/events</c>
/// (RFC 8935) or are polled (RFC 8936); each is named, with the issuer it signs as and where its keys are.
/// </summary>
internal sealed record SsfReceiverOptions
{
    public const string Section = "Ingest:Ssf";

    /// <summary>The transmitters ZtStream accepts SETs from, by name.</summary>
    public Dictionary<string, SsfTransmitterOptions> Transmitters { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long a SET's <c>jti</c> is remembered; an older SET (by <c>iat</c>) is refused, so no replay gets past it.</summary>
    public TimeSpan ReplayWindow { get; init; } = TimeSpan.FromDays(7);

    /// <summary>How far in the future a SET's <c>iat</c> may be.</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a fetched JWKS is used before it is fetched again.</summary>
    public TimeSpan JwksCacheTime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>An unknown <c>kid</c> refetches the JWKS at most this often, so unknown kids cannot hammer the transmitter.</summary>
    public TimeSpan JwksRefetchInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Pause between polls of a transmitter that had nothing more (RFC 8936).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed for a JWKS fetch or a poll request.</summary>
    public TimeSpan HttpTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest SET accepted, in bytes.</summary>
    public int MaxSetBytes { get; init; } = 64 * 1024;

    /// <summary>The transmitter whose <see cref="SsfTransmitterOptions.Issuer"/> is <paramref name="issuer"/>, if any.</summary>
    public (string Name, SsfTransmitterOptions Options)? ByIssuer(string issuer)
    {
        foreach (var (name, transmitter) in Transmitters)
        {
            if (string.Equals(transmitter.Issuer, issuer, StringComparison.Ordinal))
            {
                return (name, transmitter);
            }
        }

        return null;
    }
}

/// <summary>One transmitter ZtStream receives from.</summary>
internal sealed record SsfTransmitterOptions
{
    /// <summary>The <c>iss</c> of its SETs, character for character.</summary>
    public string? Issuer { get; init; }

    /// <summary>Where its signing keys are published.</summary>
    public Uri? JwksUri { get; init; }

    /// <summary>The <c>aud</c> its SETs must carry (ZtStream's identity in the stream it configured).</summary>
    public string? Audience { get; init; }

    /// <summary>Its RFC 8936 poll endpoint; when set, ZtStream polls it as well as accepting pushes.</summary>
    public Uri? PollEndpoint { get; init; }

    /// <summary>The Authorization header value sent when polling, e.g. <c>Bearer …</c>.</summary>
    public string? PollAuthorization { get; init; }

    /// <summary>
    /// Fetch the JWKS and poll over plain http from a host other than loopback. Off: whoever can change the JWKS on
    /// the way can sign SETs ZtStream trusts, and the poll's bearer credential would travel in clear (RFC 6750 §5.3).
    /// </summary>
    public bool AllowHttp { get; init; }

    /// <summary>Most SETs asked for per poll.</summary>
    public int PollMaxEvents { get; init; } = 100;

    /// <summary>Source keys (by name) allowed to push this transmitter's SETs; empty: any source key.</summary>
    public List<string> Sources { get; init; } = [];

    /// <summary>JWS algorithms accepted (never <c>none</c> or a shared-secret one); empty: RS256, ES256 and PS256.</summary>
    public List<string> Algorithms { get; init; } = [];

    public IReadOnlyList<string> EffectiveAlgorithms => Algorithms.Count == 0 ? ["RS256", "ES256", "PS256"] : Algorithms;
}
