namespace ZtStream.Ingest.Sources.Credentials;

/// <summary>A Pub/Sub push token's outcome: the source it speaks for, or why it is refused.</summary>
internal sealed record PubSubPushOutcome(AuthenticatedSource? Source, string? Refusal);

/// <summary>
/// Authenticates an authenticated Pub/Sub push subscription's delivery by the OIDC token Google puts in its
/// <c>Authorization: Bearer</c> header: signed RS256 with a key of Google's JWKS, issued by
/// <c>https://accounts.google.com</c> (or <c>accounts.google.com</c>), for the audience configured for a source, within
/// its lifetime, and naming in a verified <c>email</c> a push service account that source allows
/// (<see cref="PubSubPushOptions"/>). Every refusal says why without repeating the token. A JWKS that cannot be fetched
/// refuses nothing and accepts nothing: <see cref="JwksUnavailableException"/> reaches the caller.
/// </summary>
internal sealed class PubSubPushAuthenticator(SignedTokenVerifier verifier, SourceAuthenticator sources, IOptions<PubSubPushOptions> options, TimeProvider time)
{
    /// <summary>The <c>iss</c> of Google's ID tokens: both spellings are Google's (OpenID Connect discovery names the first).</summary>
    public static readonly IReadOnlyList<string> GoogleIssuers = ["https://accounts.google.com", "accounts.google.com"];

    /// <summary>Google signs its ID tokens with RS256 only; nothing else (none, HMAC) is a Google token.</summary>
    private static readonly string[] Algorithms = [SecurityAlgorithms.RsaSha256];

    /// <summary>Longer than any ID token Google writes; longer bodies are not parsed.</summary>
    private const int MaxTokenLength = 16 * 1024;

    private readonly JsonWebTokenHandler handler = new();

    /// <summary>Whether any source is configured to accept Pub/Sub push tokens.</summary>
    public bool Configured => options.Value.Sources.Count > 0;

    /// <summary>The JWT in <c>Bearer JWT</c>: three dot-separated parts, where source keys have none.</summary>
    public static bool TryReadToken(string? authorization, out string token)
    {
        token = string.Empty;
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var value = authorization.AsSpan(7).Trim();
        if (value.Count('.') != 2)
        {
            return false;
        }

        token = value.ToString();
        return true;
    }

    /// <summary>The source <paramref name="token"/> speaks for, or why it speaks for none.</summary>
    /// <exception cref="JwksUnavailableException">The signing keys could not be fetched: neither accepted nor refused.</exception>
    public async Task<PubSubPushOutcome> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (token.Length > MaxTokenLength)
        {
            return Refuse($"the bearer token is longer than {MaxTokenLength} characters: not a Pub/Sub push token");
        }

        JsonWebToken jwt;
        try
        {
            jwt = handler.ReadJsonWebToken(token);
        }
        catch (Exception exception) when (exception is ArgumentException or SecurityTokenException or JsonException or FormatException)
        {
            return Refuse("the bearer token is not a JWT that can be read (header.payload.signature, base64url JSON): neither a source key nor a Pub/Sub push token");
        }

        if (jwt.IsEncrypted)
        {
            return Refuse("the bearer token is encrypted (JWE); a Pub/Sub push token is a signed JWT");
        }

        if (JwsJson.Problem(jwt, "token") is { } notStrict)
        {
            return Refuse(notStrict);
        }

        if (!Algorithms.Contains(jwt.Alg, StringComparer.Ordinal))
        {
            return Refuse($"the token's alg '{ItemError.Clip(jwt.Alg ?? string.Empty, 20)}' is not accepted: Google signs Pub/Sub push tokens with RS256 (never none or a shared secret)");
        }

        var audiences = Claim(() => jwt.Audiences.ToList()) ?? [];
        var email = Claim(() => jwt.TryGetPayloadValue<string>("email", out var e) ? e : null);
        var (name, source) = Select(o, audiences, email);
        if (source is null)
        {
            return Refuse($"the token's audience {Quoted(audiences)} is not one a Pub/Sub push source expects ({PubSubPushOptions.Section}:Sources:NAME:Audiences)");
        }

        var policy = new JwksPolicy(o.JwksCacheTime, o.JwksMaxCacheTime, o.JwksRefetchInterval, o.HttpTimeout, KeepStaleOnFailure: false);
        // The lifetime is checked below, against ZtStream's clock (TimeProvider) with its own skew.
        var (result, _) = await verifier.VerifyAsync(jwt, new JwksSource(source.JwksUri, "the Pub/Sub push token signer", policy), new TokenValidationParameters
        {
            ValidIssuers = GoogleIssuers,
            ValidAudiences = source.Audiences,
            ValidAlgorithms = Algorithms,
        }, cancellationToken);
        if (!result.IsValid)
        {
            return Refuse(result.Exception switch
            {
                SecurityTokenSignatureKeyNotFoundException => $"no key with kid '{ItemError.Clip(jwt.Kid ?? string.Empty, 80)}' is published at {source.JwksUri}: the token is not signed by Google",
                SecurityTokenInvalidSignatureException => "the token's signature does not verify with Google's published key: it was not signed by Google, or was changed",
                SecurityTokenInvalidIssuerException => $"the token's issuer {Quoted(Claim(() => jwt.Issuer))} is not Google ({string.Join(" or ", GoogleIssuers)})",
                SecurityTokenInvalidAudienceException => $"the token's audience {Quoted(audiences)} is not {Quoted(source.Audiences)}",
                SecurityTokenInvalidAlgorithmException => $"the token's alg '{jwt.Alg}' is not accepted: Google signs Pub/Sub push tokens with RS256",
                _ => "the token is not valid: " + (result.Exception?.GetType().Name ?? "unknown reason"),
            });
        }

        if (Lifetime(jwt, o.MaxClockSkew) is { } expired)
        {
            return Refuse(expired);
        }

        if (Claim(() => jwt.TryGetPayloadValue<bool>("email_verified", out var verified) && verified) != true)
        {
            return Refuse("the token's email is not verified (email_verified is not true): it does not name a service account");
        }

        if (email is null || !source.ServiceAccounts.Contains(email, StringComparer.OrdinalIgnoreCase))
        {
            return Refuse($"the token's email {Quoted(email)} is not a push service account allowed for source '{name}' ({PubSubPushOptions.Section}:Sources:{name}:ServiceAccounts)");
        }

        var active = await sources.FindActiveByNameAsync(name!, cancellationToken);
        return active is null
            ? Refuse($"source '{name}' is not an active source: add it with 'ztstream sources add {name}' (its key is not needed) or remove it from {PubSubPushOptions.Section}:Sources")
            : new PubSubPushOutcome(active, null);
    }

    /// <summary>
    /// The source the token's audience is for; when several are, the one allowing its email (checked again once the
    /// token is verified), else the first, so the refusal names what is wrong with the token first.
    /// </summary>
    private static (string? Name, PubSubPushSourceOptions? Source) Select(PubSubPushOptions o, List<string> audiences, string? email)
    {
        (string?, PubSubPushSourceOptions?) first = (null, null);
        foreach (var (name, source) in o.Sources)
        {
            if (!source.Audiences.Any(audiences.Contains))
            {
                continue;
            }

            if (email is not null && source.ServiceAccounts.Contains(email, StringComparer.OrdinalIgnoreCase))
            {
                return (name, source);
            }

            if (first.Item2 is null)
            {
                first = (name, source);
            }
        }

        return first;
    }

    /// <summary>Why the token is outside its lifetime (exp required; nbf and iat not ahead), within the skew; null when it is not.</summary>
    private string? Lifetime(JsonWebToken jwt, TimeSpan skew)
    {
        var now = time.GetUtcNow();
        var expires = Claim<DateTime?>(() => jwt.ValidTo);
        if (expires is null || expires == DateTime.MinValue)
        {
            return "the token has no exp: a Pub/Sub push token expires (an hour after it is issued)";
        }

        if (new DateTimeOffset(expires.Value, TimeSpan.Zero) + skew < now)
        {
            return $"the token expired at {expires.Value:O}";
        }

        if (Claim<DateTime?>(() => jwt.ValidFrom) is { } notBefore && notBefore != DateTime.MinValue && new DateTimeOffset(notBefore, TimeSpan.Zero) - skew > now)
        {
            return $"the token is not valid before {notBefore:O}";
        }

        if (Claim<DateTime?>(() => jwt.IssuedAt) is { } issued && issued != DateTime.MinValue && new DateTimeOffset(issued, TimeSpan.Zero) - skew > now)
        {
            return $"the token is issued in the future ({issued:O})";
        }

        return null;
    }

    /// <summary>A claim read from the token, or null when it has the wrong type.</summary>
    private static T? Claim<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidOperationException or SecurityTokenException)
        {
            return default;
        }
    }

    private static string Quoted(string? value) => value is null ? "(none)" : $"'{ItemError.Clip(value, 200)}'";

    private static string Quoted(IEnumerable<string> values) =>
        values.Any() ? string.Join(" or ", values.Select(v => Quoted(v))) : "(none)";

    private static PubSubPushOutcome Refuse(string reason) => new(null, reason);
}
