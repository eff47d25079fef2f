namespace ZtStream.Responder.Revocation.Signing;

/// <summary>
/// Signs the messages of the signed feed (<c>?format=jws</c>): the snapshot, each entry and lift, each keep-alive. Every
/// message is a JWS (ES256, <c>typ</c> <see cref="RevocationFeed.TokenType"/>, the key's <c>kid</c>) whose claims are
/// <c>iss</c>, <c>aud</c>, <c>iat</c>, <c>ver</c> (the feed version it speaks for), <c>evt</c> (what it is) and the
/// message's object under the member named by <c>evt</c>. The issue time is what lets an SDK tell a silenced feed from a
/// quiet one and refuse a replayed old message; the version, a replayed older snapshot.
/// </summary>
internal sealed class FeedSigner(FeedSigningKeys keys, IOptions<RevocationFeedOptions> options, TimeProvider time)
{
    private volatile SigningKey? key;

    /// <summary>Loads the signing key (from its file or the store) before anything is signed; call before <see cref="Sign"/>.</summary>
    public async ValueTask ReadyAsync(CancellationToken cancellationToken) => key = await keys.GetAsync(cancellationToken);

    /// <summary>The public keys an SDK pins, as a JWKS document.</summary>
    public async Task<string> JwksAsync(CancellationToken cancellationToken) => SigningKeyRing.Jwks(await keys.PublishedAsync(cancellationToken));

    /// <summary>A signed message of kind <paramref name="evt"/> at <paramref name="version"/>, carrying <paramref name="body"/> (none for a keep-alive), issued now.</summary>
    public string Sign(string evt, long version, JsonNode? body)
    {
        var signing = key ?? throw new InvalidOperationException("FeedSigner.ReadyAsync was not awaited before signing");
        var value = options.Value;
        var claims = new JsonObject
        {
            ["iss"] = value.Issuer,
            ["aud"] = value.Audience,
            ["iat"] = time.GetUtcNow().ToUnixTimeSeconds(),
            [RevocationFeed.VersionClaim] = version,
            [RevocationFeed.EventClaim] = evt,
        };
        if (body is not null)
        {
            claims[evt] = body;
        }

        return signing.Sign(claims.ToJsonString(), RevocationFeed.TokenType);
    }

    /// <summary>The signed snapshot: the body of <c>GET /v1/revocations?format=jws</c>.</summary>
    public string Snapshot(RevocationSnapshot snapshot) =>
        Sign(RevocationFeed.SnapshotEventName, snapshot.Version, JsonSerializer.SerializeToNode(snapshot, ContractsJsonContext.Default.RevocationSnapshot));

    /// <summary>The signed SSE message of one entry or lift.</summary>
    public string Event(FeedItem item) => EventStream.AppendEvent(
        new StringBuilder(512),
        item.Lift is null ? RevocationFeed.EventName : RevocationFeed.LiftEventName,
        item.Version,
        item.Lift is { } lift
            ? Sign(RevocationFeed.LiftEventName, item.Version, JsonSerializer.SerializeToNode(lift, ContractsJsonContext.Default.RevocationLift))
            : Sign(RevocationFeed.EventName, item.Version, JsonSerializer.SerializeToNode(item.Entry!, ContractsJsonContext.Default.Revocation))).ToString();

    /// <summary>A signed keep-alive of a stream that has sent everything up to <paramref name="version"/>.</summary>
    public string KeepAlive(long version) =>
        "event: " + RevocationFeed.KeepAliveEventName + "\ndata: " + Sign(RevocationFeed.KeepAliveEventName, version, null) + "\n\n";
}
