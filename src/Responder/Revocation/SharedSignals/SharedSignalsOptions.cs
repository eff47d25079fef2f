namespace ZtStream.Responder.Revocation.SharedSignals;

/// <summary>Section <c>Responder:Drivers:SharedSignals</c>: the OpenID Shared Signals (CAEP) transmitter.</summary>
internal sealed record SharedSignalsOptions
{
    public const string Section = "Responder:Drivers:SharedSignals";
    public const string Rs256 = SigningKeyRing.Rs256;
    public const string Es256 = SigningKeyRing.Es256;
    public const string All = "ALL";
    public const string None = "NONE";

    /// <summary>The transmitter's issuer identifier: the <c>iss</c> of every SET and of the SSF configuration.</summary>
    public Uri? Issuer { get; init; }

    /// <summary>Where receivers fetch the keys; defaults to <c>{Issuer}/.well-known/jwks.json</c>.</summary>
    public Uri? JwksUri { get; init; }

    /// <summary><c>RS256</c> (default; the CAEP interoperability profile requires it) or <c>ES256</c>.</summary>
    public string SigningAlgorithm { get; init; } = Rs256;

    /// <summary>A PEM private key (RSA for RS256, P-256 for ES256). Empty: a key is generated on first start and kept in the store.</summary>
    public string? SigningKeyPath { get; init; }

    /// <summary>The <c>kid</c> of a PEM key; defaults to its RFC 7638 thumbprint.</summary>
    public string? KeyId { get; init; }

    /// <summary>The <c>iss</c> of <c>iss_sub</c> subject identifiers (the IdP that issued the subjects); defaults to <see cref="Issuer"/>.</summary>
    public string? SubjectIssuer { get; init; }

    /// <summary>Push receivers (RFC 8935) fixed in configuration, by name; every revocation is sent to each.</summary>
    public Dictionary<string, SsfReceiverOptions> Receivers { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Receivers that manage their own streams through the SSF stream-management API (<c>/ssf/streams</c> …), by name:
    /// each authenticates with its bearer token and sees only its own streams, addressed to its audience.
    /// </summary>
    public Dictionary<string, SsfClientOptions> Clients { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Where receivers reach the stream-management and poll endpoints; defaults to the issuer's origin.</summary>
    public Uri? PublicUrl { get; init; }

    /// <summary>Subjects of a new stream: <c>ALL</c> (every subject until removed) or <c>NONE</c> (only subjects added).</summary>
    public string DefaultSubjects { get; init; } = All;

    /// <summary>Least time between two verification requests on one stream (SSF <c>min_verification_interval</c>).</summary>
    public TimeSpan MinVerificationInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Most streams one client may have.</summary>
    public int MaxStreamsPerClient { get; init; } = 10;

    /// <summary>
    /// A stored signing key older than this is replaced by a new one; empty: never. The previous key stays in the JWKS
    /// for <see cref="KeyOverlap"/>, so receivers that cached the JWKS keep validating SETs signed before the change.
    /// </summary>
    public TimeSpan? KeyRotationInterval { get; init; }

    /// <summary>How long a replaced signing key is still published in the JWKS.</summary>
    public TimeSpan KeyOverlap { get; init; } = TimeSpan.FromDays(1);

    /// <summary>First retry delay of an unacknowledged SET; doubles per attempt up to <see cref="MaxBackoff"/>. Retries never stop.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the outbox is checked when nothing new was queued.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan DeliveryTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The issuer exactly as configured: <c>iss</c> must match the SSF configuration's issuer character for character.</summary>
    public string IssuerId() => Issuer!.OriginalString;

    public Uri EffectiveJwksUri() => JwksUri ?? new Uri(IssuerId().TrimEnd('/') + "/.well-known/jwks.json");

    public string EffectiveSubjectIssuer() => SubjectIssuer ?? IssuerId();

    /// <summary>The base of the stream-management and poll endpoints' URLs.</summary>
    public Uri EffectivePublicUrl() => PublicUrl ?? new Uri(Issuer!.GetLeftPart(UriPartial.Authority));

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!HttpUrls.IsHttp(Issuer) || !string.IsNullOrEmpty(Issuer.Query) || !string.IsNullOrEmpty(Issuer.Fragment))
        {
            problems.Add($"{Section}:Issuer is required: an absolute https URL without query or fragment (got '{Issuer}')");
        }

        if (JwksUri is not null && !JwksUri.IsAbsoluteUri)
        {
            problems.Add($"{Section}:JwksUri must be absolute (got '{JwksUri}')");
        }

        if (SigningAlgorithm is not (Rs256 or Es256))
        {
            problems.Add($"{Section}:SigningAlgorithm must be {Rs256} or {Es256} (got '{SigningAlgorithm}')");
        }
        else if (!string.IsNullOrEmpty(SigningKeyPath) && SigningKeyRing.KeyProblem(SigningKeyPath, $"{Section}:SigningKeyPath", SigningAlgorithm, KeyId) is { } problem)
        {
            problems.Add(problem);
        }

        if (Receivers.Count == 0 && Clients.Count == 0)
        {
            problems.Add($"{Section}: configure Receivers (push receivers fixed here) or Clients (receivers that register their own streams), or both");
        }

        foreach (var (name, client) in Clients)
        {
            if (!string.IsNullOrEmpty(client.TokenSha256))
            {
                // Compared as the hash of the token a receiver presents; anything else could never match, and would fail
                // when the endpoints decode it rather than here.
                problems.Sha256Hex($"{Section}:Clients:{name}:TokenSha256", client.TokenSha256);
            }
            else if (client.Token is not { Length: >= 32 })
            {
                problems.Add($"{Section}:Clients:{name}: Token (at least 32 characters) or TokenSha256 (64 hex digits) is required");
            }

            if (string.IsNullOrWhiteSpace(client.Audience))
            {
                problems.Add($"{Section}:Clients:{name}:Audience is required (the aud of this receiver's streams)");
            }

            for (var i = 0; i < client.PushEndpoints.Count; i++)
            {
                if (!SsfClientOptions.IsPushEndpoint(client.PushEndpoints[i]) || client.PushEndpoints[i].Query.Length > 0)
                {
                    problems.Add($"{Section}:Clients:{name}:PushEndpoints:{i} must be an absolute http(s) URL without user info, query or fragment (got '{client.PushEndpoints[i]}')");
                }
            }
        }

        if (DefaultSubjects is not (All or None))
        {
            problems.Add($"{Section}:DefaultSubjects must be {All} or {None} (got '{DefaultSubjects}')");
        }

        if (PublicUrl is not null && !PublicUrl.IsAbsoluteUri)
        {
            problems.Add($"{Section}:PublicUrl must be absolute (got '{PublicUrl}')");
        }

        if (MinVerificationInterval < TimeSpan.Zero || MaxStreamsPerClient < 1)
        {
            problems.Add($"{Section}:MinVerificationInterval must not be negative and MaxStreamsPerClient at least 1");
        }

        if (KeyRotationInterval is { } rotation && (rotation <= TimeSpan.Zero || KeyOverlap < TimeSpan.Zero || KeyOverlap >= rotation))
        {
            problems.Add($"{Section}:KeyRotationInterval must be positive and longer than KeyOverlap");
        }

        if (KeyRotationInterval is not null && !string.IsNullOrEmpty(SigningKeyPath))
        {
            problems.Add($"{Section}:KeyRotationInterval rotates the keys ZtStream keeps in its store; it cannot rotate the PEM file of SigningKeyPath");
        }

        foreach (var (name, receiver) in Receivers)
        {
            problems.HttpUrl($"{Section}:Receivers:{name}:Endpoint", receiver.Endpoint, required: true);

            if (string.IsNullOrWhiteSpace(receiver.Audience))
            {
                problems.Add($"{Section}:Receivers:{name}:Audience is required (the receiver's aud)");
            }
        }

        problems.BackoffRange($"{Section}:InitialBackoff", InitialBackoff, $"{Section}:MaxBackoff", MaxBackoff);

        if (PollInterval <= TimeSpan.Zero || DeliveryTimeout <= TimeSpan.Zero)
        {
            problems.Add($"{Section}:PollInterval and DeliveryTimeout must be positive");
        }

        return problems;
    }
}

/// <summary>A push receiver registered in configuration.</summary>
internal sealed record SsfReceiverOptions
{
    /// <summary>The receiver's push endpoint (RFC 8935).</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>The <c>aud</c> of SETs for this receiver.</summary>
    public string? Audience { get; init; }

    /// <summary>Sent as the Authorization header, e.g. <c>Bearer …</c>, when the receiver asks for one.</summary>
    public string? Authorization { get; init; }
}

/// <summary>A receiver that registers its own streams through the stream-management API.</summary>
internal sealed record SsfClientOptions
{
    /// <summary>Its bearer token for the stream-management and poll endpoints.</summary>
    public string? Token { get; init; }

    /// <summary>The SHA-256 (hex) of its token, instead of the token itself.</summary>
    public string? TokenSha256 { get; init; }

    /// <summary>The <c>aud</c> of the SETs on its streams.</summary>
    public string? Audience { get; init; }

    /// <summary>
    /// Where this receiver may ask for push delivery (RFC 8935). A stream's <c>endpoint_url</c> must have an entry's
    /// scheme, host and port, and a path at or below the entry's path. None: the receiver's streams are polled only.
    /// The receiver chooses the URL and the Authorization header sent there, so without this list its token would let
    /// it make ZtStream post to any address ZtStream can reach.
    /// </summary>
    public List<Uri> PushEndpoints { get; init; } = [];

    /// <summary>Whether <paramref name="endpoint"/> is one of <see cref="PushEndpoints"/> or below one.</summary>
    public bool AllowsPush(Uri endpoint) => IsPushEndpoint(endpoint)
        && !HidesSegments(endpoint.AbsolutePath)
        && PushEndpoints.Any(allowed => IsPushEndpoint(allowed)
            && string.Equals(allowed.Scheme, endpoint.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(allowed.IdnHost, endpoint.IdnHost, StringComparison.OrdinalIgnoreCase)
            && allowed.Port == endpoint.Port
            && IsAtOrBelow(endpoint.AbsolutePath, allowed.AbsolutePath));

    /// <summary>An absolute http(s) URL without user info or fragment.</summary>
    internal static bool IsPushEndpoint(Uri? endpoint) => HttpUrls.IsHttp(endpoint)
        && endpoint.UserInfo.Length == 0 && endpoint.Fragment.Length == 0;

    // An escaped dot, slash or backslash could be read as another path by the receiving server: refused outright.
    private static bool HidesSegments(string path) => path.Contains('\\')
        || path.Contains("%2e", StringComparison.OrdinalIgnoreCase) || path.Contains("%2f", StringComparison.OrdinalIgnoreCase)
        || path.Contains("%5c", StringComparison.OrdinalIgnoreCase);

    // By whole segments: /ssf allows /ssf and /ssf/events, not /ssf-admin.
    private static bool IsAtOrBelow(string path, string allowed)
    {
        var root = allowed.TrimEnd('/');
        return path.Equals(root, StringComparison.Ordinal)
            || (path.StartsWith(root, StringComparison.Ordinal) && path.Length > root.Length && path[root.Length] == '/');
    }
}
