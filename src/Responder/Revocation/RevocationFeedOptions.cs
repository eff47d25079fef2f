namespace ZtStream.Responder.Revocation;

/// <summary>Section <c>Responder:Feed</c>: who may read the revocation feed, how long its entries last, how streams are served.</summary>
internal sealed record RevocationFeedOptions
{
    public const string Section = "Responder:Feed";

    /// <summary>
    /// Serve the feed without a credential. Off by default: the feed names subjects, sessions and why they were revoked.
    /// <c>ztstream demo</c> turns it on; a deployment gives its SDKs <see cref="Token"/> (or <see cref="TokenFile"/>).
    /// </summary>
    public bool Anonymous { get; init; }

    /// <summary>A bearer token that may read the feed and nothing else (any API token may read it too).</summary>
    public string? Token { get; init; }

    /// <summary>A file holding <see cref="Token"/>; made with a new random token (mode 0600) at first start when it does not exist.</summary>
    public string? TokenFile { get; init; }

    /// <summary>
    /// How long an entry lasts when the revoked token's expiry is not known (subject-wide entries, tokens without
    /// <c>exp</c>): past it the entry leaves the snapshot and the SDKs' lists. Set it to the longest token lifetime
    /// your identity provider issues.
    /// </summary>
    public TimeSpan DefaultExpiry { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Streams one credential may hold open at once (every anonymous reader counts as one credential): revocation
    /// streams, and apart from them alert-queue streams (<c>/v1/alerts/stream</c>).
    /// </summary>
    public int MaxStreamsPerCredential { get; init; } = 64;

    /// <summary>Event streams (revocation and alert queue) this Responder serves at once, of every credential together.</summary>
    public int MaxStreams { get; init; } = 4_096;

    /// <summary>How often the feed looks in the store for entries other Responder instances wrote (this instance's own wake it at once).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Interval of SSE keep-alives (a comment on an unsigned stream, a signed <c>keep-alive</c> event on a signed one).
    /// Every signed message a stream writes was signed less than this long before, so an SDK's <c>StaleAfter</c> must be longer.
    /// </summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Feed items kept in memory for streams to resume from; a stream further behind reads the store once to catch up.</summary>
    public int BufferSize { get; init; } = 10_000;

    /// <summary>
    /// PEM private keys (P-256, ES256) the signed feed (<c>?format=jws</c>) is signed with: the first signs, every one
    /// is published in the JWKS (<c>/v1/revocations/jwks</c>), so a key being retired stays listed while the SDKs that
    /// pinned it move on. Empty: a key is generated at first use and kept in the store (logged with its kid), so every
    /// replica and restart signs with the same key.
    /// </summary>
    public List<string> SigningKeyPaths { get; init; } = [];

    /// <summary>The <c>iss</c> of every signed message; an SDK refuses any other (its <c>Revocations:Issuer</c>).</summary>
    public string Issuer { get; init; } = Contracts.Revocations.RevocationFeed.DefaultIssuer;

    /// <summary>The <c>aud</c> of every signed message; an SDK refuses any other (its <c>Revocations:Audience</c>). Give each deployment its own.</summary>
    public string Audience { get; init; } = Contracts.Revocations.RevocationFeed.DefaultAudience;
}
