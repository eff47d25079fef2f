namespace ZtStream.Ingest.SharedSignals;

/// <summary>The RFC 8935 §2.4 error codes a SET Recipient answers with.</summary>
internal static class SetErrors
{
    public const string InvalidRequest = "invalid_request";
    public const string InvalidKey = "invalid_key";
    public const string InvalidIssuer = "invalid_issuer";
    public const string InvalidAudience = "invalid_audience";
    public const string AuthenticationFailed = "authentication_failed";
    public const string AccessDenied = "access_denied";
}

/// <summary>Why a SET was refused: an RFC 8935 error code and a description.</summary>
internal sealed record SetRejection(string Error, string Description);

/// <summary>A SET whose signature, issuer, audience, type and claims were checked.</summary>
/// <param name="Claims">The SET's claims (a copy that outlives any document).</param>
internal sealed record ValidatedSet(string Transmitter, string Issuer, string Jti, DateTimeOffset IssuedAt, JsonElement Claims)
{
    /// <summary>The event type URIs in the SET's <c>events</c> claim.</summary>
    public IReadOnlyList<string> EventTypes => [.. Claims.GetProperty("events").EnumerateObject().Select(p => p.Name)];
}

/// <summary>
/// Validates a Security Event Token (RFC 8417) as SSF 1.0 asks: explicitly typed <c>secevent+jwt</c>, signed with an
/// asymmetric key from the transmitter's JWKS published for the SET's <c>alg</c> (unknown kid: refetch once), no
/// <c>crit</c> header, no member named twice in its header or claims, <c>iss</c> of a configured transmitter, <c>aud</c> ZtStream's, <c>iat</c> within the replay
/// window and not in the future, no <c>nbf</c> in the future, no <c>exp</c>, a <c>jti</c>, and an <c>events</c>
/// object naming at least one event. Each failure is the RFC 8935 code that fits it.
/// </summary>
internal sealed class SetValidator(SignedTokenVerifier verifier, IOptions<SsfReceiverOptions> options, TimeProvider time)
{
    public static readonly IReadOnlySet<string> AsymmetricAlgorithms = new HashSet<string>(StringComparer.Ordinal)
    {
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
    };

    private static readonly HashSet<string> SetTypes = new(StringComparer.OrdinalIgnoreCase) { "secevent+jwt", "application/secevent+jwt" };

    private readonly JsonWebTokenHandler handler = new();

    /// <summary>
    /// The validated SET, or why it is refused. <paramref name="pushSource"/> is the source key that pushed it (null
    /// when polled); <paramref name="expectedTransmitter"/>, when polling, is the transmitter it must come from.
    /// </summary>
    public async Task<(ValidatedSet? Set, SetRejection? Rejection)> ValidateAsync(string token, string? pushSource, string? expectedTransmitter, CancellationToken cancellationToken)
    {
        var o = options.Value;
        token = token.Trim();
        if (token.Length == 0 || token.Length > o.MaxSetBytes)
        {
            return Reject(SetErrors.InvalidRequest, token.Length == 0 ? "the body is empty: expected a SET (a compact JWS)" : $"the SET is larger than {o.MaxSetBytes} bytes");
        }

        JsonWebToken jwt;
        try
        {
            if (!handler.CanReadToken(token))
            {
                return Reject(SetErrors.InvalidRequest, "the body is not a SET: expected a compact JWS (header.payload.signature)");
            }

            jwt = handler.ReadJsonWebToken(token);
        }
        catch (Exception exception) when (exception is ArgumentException or SecurityTokenException or JsonException)
        {
            return Reject(SetErrors.InvalidRequest, JwsJson.ReadProblem(token, "SET") ?? "the SET cannot be parsed: " + exception.Message);
        }

        if (jwt.IsEncrypted)
        {
            return Reject(SetErrors.InvalidRequest, "encrypted SETs (JWE) are not accepted; send a signed SET (JWS)");
        }

        if (JwsJson.Problem(jwt, "SET") is { } notStrict)
        {
            return Reject(SetErrors.InvalidRequest, notStrict);
        }

        if (!SetTypes.Contains(jwt.Typ ?? string.Empty))
        {
            return Reject(SetErrors.InvalidRequest, $"the SET's typ header must be secevent+jwt (RFC 8417, SSF 1.0), got '{jwt.Typ}'");
        }

        if (HasHeader(jwt, "crit"))
        {
            // RFC 7515 §4.1.11: a JWS naming an extension its recipient does not understand is invalid; ZtStream understands none.
            return Reject(SetErrors.InvalidRequest, "the SET's crit header names JWS extensions ZtStream does not understand (RFC 7515 §4.1.11)");
        }

        string issuer;
        try
        {
            issuer = jwt.Issuer;
        }
        catch (ArgumentException)
        {
            return Reject(SetErrors.InvalidRequest, "the SET's iss claim is not a string");
        }

        if (string.IsNullOrEmpty(issuer))
        {
            return Reject(SetErrors.InvalidIssuer, "the SET has no iss claim");
        }

        if (o.ByIssuer(issuer) is not { } match)
        {
            return Reject(SetErrors.InvalidIssuer, $"'{ItemError.Clip(issuer, 128)}' is not the issuer of a transmitter configured under {SsfReceiverOptions.Section}:Transmitters");
        }

        var (name, transmitter) = match;
        if (expectedTransmitter is not null && !string.Equals(name, expectedTransmitter, StringComparison.OrdinalIgnoreCase))
        {
            return Reject(SetErrors.InvalidIssuer, $"the SET was delivered by transmitter '{expectedTransmitter}' but is issued by '{name}'");
        }

        if (pushSource is not null && transmitter.Sources.Count > 0 && !transmitter.Sources.Contains(pushSource, StringComparer.Ordinal))
        {
            return Reject(SetErrors.AccessDenied, $"source '{pushSource}' may not push SETs of transmitter '{name}'");
        }

        if (!transmitter.EffectiveAlgorithms.Contains(jwt.Alg, StringComparer.Ordinal))
        {
            return Reject(SetErrors.InvalidKey, $"the SET is signed with '{jwt.Alg}'; transmitter '{name}' is accepted with {string.Join(", ", transmitter.EffectiveAlgorithms)}");
        }

        TokenValidationResult result;
        IReadOnlyList<PublishedKey> keys;
        try
        {
            // Known keys stay in use while a transmitter's JWKS cannot be fetched: its outage must not stop its SETs.
            var policy = new JwksPolicy(o.JwksCacheTime, o.JwksCacheTime, o.JwksRefetchInterval, o.HttpTimeout, KeepStaleOnFailure: true);
            (result, keys) = await verifier.VerifyAsync(jwt, new JwksSource(transmitter.JwksUri!, $"transmitter '{name}'", policy), Expected(issuer, transmitter), cancellationToken);
        }
        catch (JwksUnavailableException exception)
        {
            return Reject(SetErrors.InvalidKey, exception.Message);
        }

        if (!result.IsValid)
        {
            return result.Exception switch
            {
                SecurityTokenSignatureKeyNotFoundException when keys.FirstOrDefault(k => k.Key.KeyId == jwt.Kid && !k.Verifies(jwt.Alg)) is { } other =>
                    Reject(SetErrors.InvalidKey, $"the SET is signed with '{jwt.Alg}' but transmitter '{name}''s key '{jwt.Kid}' is published for '{other.Algorithm}' (RFC 7517 §4.4)"),
                SecurityTokenSignatureKeyNotFoundException => Reject(SetErrors.InvalidKey, $"no key with kid '{jwt.Kid}' in the JWKS of transmitter '{name}'"),
                SecurityTokenInvalidAudienceException => Reject(SetErrors.InvalidAudience, $"the SET's aud does not include '{transmitter.Audience}'"),
                SecurityTokenInvalidIssuerException => Reject(SetErrors.InvalidIssuer, $"'{ItemError.Clip(issuer, 128)}' is not the configured issuer"),
                SecurityTokenInvalidSignatureException => Reject(SetErrors.AuthenticationFailed, $"the SET's signature does not verify with transmitter '{name}''s key '{jwt.Kid}'"),
                SecurityTokenInvalidAlgorithmException => Reject(SetErrors.InvalidKey, $"the SET's algorithm '{jwt.Alg}' is not accepted"),
                SecurityTokenInvalidTypeException => Reject(SetErrors.InvalidRequest, $"the SET's typ header must be secevent+jwt, got '{jwt.Typ}'"),
                _ => Reject(SetErrors.InvalidRequest, "the SET is not valid: " + (result.Exception?.Message ?? "unknown reason")),
            };
        }

        return CheckClaims(name, issuer, jwt, o);
    }

    private (ValidatedSet?, SetRejection?) CheckClaims(string name, string issuer, JsonWebToken jwt, SsfReceiverOptions o)
    {
        JsonElement claims;
        try
        {
            using var document = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload), JwsJson.Strict);
            claims = document.RootElement.Clone();
        }
        catch (Exception exception) when (exception is JsonException or FormatException or ArgumentException)
        {
            return Reject(SetErrors.InvalidRequest, "the SET's claims are not a JSON object: " + exception.Message);
        }

        if (!claims.TryGetProperty("jti", out var jtiElement) || jtiElement.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(jtiElement.GetString()))
        {
            return Reject(SetErrors.InvalidRequest, "the SET has no jti claim (RFC 8417 requires one)");
        }

        var jti = jtiElement.GetString()!;
        if (jti.Length > 256)
        {
            return Reject(SetErrors.InvalidRequest, "the SET's jti is longer than 256 characters");
        }

        if (claims.TryGetProperty("txn", out var txn) && txn.ValueKind != JsonValueKind.String)
        {
            // RFC 8417 §2.2: a string; one of another type would be dropped from the event unsaid.
            return Reject(SetErrors.InvalidRequest, "the SET's txn claim must be a string (RFC 8417 §2.2)");
        }

        if (claims.TryGetProperty("toe", out var toe) && NumericDate(toe) is null)
        {
            // RFC 8417 §2.2: a NumericDate, the event's time when the event gives none of its own.
            return Reject(SetErrors.InvalidRequest, "the SET's toe claim must be a time in seconds (RFC 8417 §2.2)");
        }

        if ((claims.TryGetProperty("iat", out var iatElement) ? NumericDate(iatElement) : null) is not { } issuedAt)
        {
            return Reject(SetErrors.InvalidRequest, "the SET has no iat claim in seconds (RFC 8417 requires one)");
        }

        var now = time.GetUtcNow();
        if (issuedAt > now + o.MaxClockSkew)
        {
            return Reject(SetErrors.InvalidRequest, $"the SET's iat ({issuedAt:O}) is in the future");
        }

        if (issuedAt < now - o.ReplayWindow)
        {
            return Reject(SetErrors.InvalidRequest, $"the SET was issued at {issuedAt:O}, before the replay window of {o.ReplayWindow.TotalDays:0.#} days; it cannot be told from a replay");
        }

        if (claims.TryGetProperty("nbf", out var nbfElement)
            && (NumericDate(nbfElement) is not { } notBefore || notBefore > now + o.MaxClockSkew))
        {
            // Lifetime checks are off for SETs (they carry no exp), so nbf is checked here (RFC 7519 §4.1.5).
            return Reject(SetErrors.InvalidRequest, "the SET's nbf is not a time in seconds or is in the future: it is not valid yet");
        }

        if (claims.TryGetProperty("exp", out _))
        {
            // SSF 1.0 forbids exp in SETs, so that a SET and an ID or access token cannot pass for one another.
            return Reject(SetErrors.InvalidRequest, "the SET has an exp claim, which SSF 1.0 forbids in SETs: it is another kind of JWT");
        }

        if (!claims.TryGetProperty("events", out var events) || events.ValueKind != JsonValueKind.Object || !events.EnumerateObject().Any())
        {
            return Reject(SetErrors.InvalidRequest, "the SET's events claim must be an object naming at least one event");
        }

        foreach (var e in events.EnumerateObject())
        {
            if (e.Value.ValueKind != JsonValueKind.Object)
            {
                return Reject(SetErrors.InvalidRequest, $"the payload of event '{ItemError.Clip(e.Name, 128)}' must be a JSON object");
            }
        }

        return (new ValidatedSet(name, issuer, jti, issuedAt, claims), null);
    }

    private static bool HasHeader(JsonWebToken jwt, string name)
    {
        using var header = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(jwt.EncodedHeader));
        return header.RootElement.ValueKind == JsonValueKind.Object && header.RootElement.TryGetProperty(name, out _);
    }

    // No lifetime: SETs carry no exp, SSF 1.0 leaves their lifetime to the receiver's replay window.
    private static TokenValidationParameters Expected(string issuer, SsfTransmitterOptions transmitter) => new()
    {
        ValidIssuer = issuer,
        ValidAudience = transmitter.Audience,
        ValidAlgorithms = transmitter.EffectiveAlgorithms,
        ValidTypes = SetTypes,
    };

    /// <summary>A NumericDate (RFC 7519 §2): whole seconds since the epoch, up to the year 9999; null for any other value.</summary>
    private static DateTimeOffset? NumericDate(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds) && seconds is >= 0 and <= 253_402_300_799
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    private static (ValidatedSet?, SetRejection?) Reject(string error, string description) => (null, new SetRejection(error, description));

}
