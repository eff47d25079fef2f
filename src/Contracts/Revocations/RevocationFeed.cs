namespace ZtStream.Contracts.Revocations;

/// <summary>
/// One entry of the revocation list. Exactly one of <see cref="Jti"/>, <see cref="SessionId"/> or
/// <see cref="SubjectId"/> is set; a subject-wide entry revokes tokens issued before <see cref="NotBefore"/>.
/// </summary>
public sealed record Revocation
{
    /// <summary>Monotonic feed version of this entry; the SSE event id.</summary>
    public required long Version { get; init; }
    /// <summary>Token id revoked.</summary>
    public string? Jti { get; init; }
    /// <summary>Session id revoked.</summary>
    public string? SessionId { get; init; }
    /// <summary>Subject whose tokens issued before <see cref="NotBefore"/> are revoked.</summary>
    public string? SubjectId { get; init; }
    /// <summary>For subject-wide entries: tokens issued before this are revoked.</summary>
    public DateTimeOffset? NotBefore { get; init; }
    /// <summary>When the entry was made.</summary>
    public required DateTimeOffset RevokedAt { get; init; }
    /// <summary>When the entry may be forgotten (after the tokens it covers have expired).</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
    /// <summary>Why.</summary>
    public string? Reason { get; init; }
    /// <summary>The Responder action that listed it (what a responder lifts it by, through the action's revocations).</summary>
    public string? ActionId { get; init; }
}

/// <summary>
/// A responder lifted an entry (<c>POST /v1/revocations/{version}/lift</c>): it is no longer in force. Sent on the stream
/// as <c>event: lift</c> with its own feed <see cref="Version"/> (the SSE id), so a client resuming after it still gets it;
/// the entry itself leaves the snapshot.
/// </summary>
public sealed record RevocationLift
{
    /// <summary>Feed version of the lift; the SSE event id.</summary>
    public required long Version { get; init; }
    /// <summary>Version of the entry lifted.</summary>
    public required long Lifts { get; init; }
    /// <summary>The lifted entry's token id, if it was a token entry.</summary>
    public string? Jti { get; init; }
    /// <summary>The lifted entry's session id, if it was a session entry.</summary>
    public string? SessionId { get; init; }
    /// <summary>The lifted entry's subject, if it was a subject-wide entry.</summary>
    public string? SubjectId { get; init; }
    /// <summary>When it was lifted.</summary>
    public required DateTimeOffset LiftedAt { get; init; }
    /// <summary>Why.</summary>
    public string? Reason { get; init; }
}

/// <summary>
/// <c>GET /v1/revocations</c>: the whole list at <see cref="Version"/>. A client then follows
/// <c>GET /v1/revocations/stream</c> with <c>Last-Event-ID: {Version}</c>; each SSE message has
/// <c>event: revocation</c>, <c>id: {entry version}</c> and one <see cref="Revocation"/> as JSON data, or
/// <c>event: lift</c> and one <see cref="RevocationLift"/>. Entries past their <see cref="Revocation.ExpiresAt"/> and
/// lifted entries are not in the snapshot; a client drops them from its own list.
/// </summary>
public sealed record RevocationSnapshot
{
    /// <summary>Highest entry version included.</summary>
    public required long Version { get; init; }
    /// <summary>The entries in force.</summary>
    public required IReadOnlyList<Revocation> Revocations { get; init; }
}

/// <summary>Paths and names of the revocation feed.</summary>
public static class RevocationFeed
{
    /// <summary>Snapshot path.</summary>
    public const string SnapshotPath = "/v1/revocations";
    /// <summary>Server-sent events path.</summary>
    public const string StreamPath = "/v1/revocations/stream";
    /// <summary>SSE event name of an entry.</summary>
    public const string EventName = "revocation";
    /// <summary>SSE event name of a <see cref="RevocationLift"/>.</summary>
    public const string LiftEventName = "lift";

    /// <summary>SSE event name of a signed keep-alive (an unsigned stream sends a <c>: keep-alive</c> comment instead).</summary>
    public const string KeepAliveEventName = "keep-alive";

    /// <summary>The <c>evt</c> of a signed snapshot.</summary>
    public const string SnapshotEventName = "snapshot";

    /// <summary>Query parameter asking for the signed feed: <c>?format=jws</c> on the snapshot and the stream.</summary>
    public const string FormatQuery = "format";

    /// <summary>The value of <see cref="FormatQuery"/> for the signed feed.</summary>
    public const string SignedFormat = "jws";

    /// <summary>Media type of a signed snapshot: one JWS in compact serialisation (RFC 7515 §9.2.1).</summary>
    public const string SignedMediaType = "application/jose";

    /// <summary>The <c>typ</c> header of every signed feed message (explicit typing, RFC 8725 §3.11).</summary>
    public const string TokenType = "ztstream-feed+jwt";

    /// <summary>Path of the JWKS holding the public keys the feed is signed with.</summary>
    public const string JwksPath = "/v1/revocations/jwks";

    /// <summary>The <c>iss</c> of signed feed messages unless the Responder is configured otherwise.</summary>
    public const string DefaultIssuer = "urn:ztstream:responder";

    /// <summary>The <c>aud</c> of signed feed messages unless the Responder is configured otherwise.</summary>
    public const string DefaultAudience = "urn:ztstream:revocation-feed";

    /// <summary>Claim of a signed message: the feed version it speaks for (an entry's or lift's own, the snapshot's, or the last one a stream sent before a keep-alive).</summary>
    public const string VersionClaim = "ver";

    /// <summary>Claim of a signed message: what it is (<see cref="EventName"/>, <see cref="LiftEventName"/>, <see cref="KeepAliveEventName"/>, <see cref="SnapshotEventName"/>); the message's object is the member of that name.</summary>
    public const string EventClaim = "evt";
}
