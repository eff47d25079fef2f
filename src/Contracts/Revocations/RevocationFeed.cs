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
}

/// <summary>
/// <c>GET /v1/revocations</c>: the whole list at <see cref="Version"/>. A client then follows
/// <c>GET /v1/revocations/stream</c> with <c>Last-Event-ID: {Version}</c>; each SSE message has
/// <c>event: revocation</c>, <c>id: {entry version}</c> and one <see cref="Revocation"/> as JSON data.
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
}
