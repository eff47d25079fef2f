namespace ZtStream.Responder.Revocation;

/// <summary>What a new revocation entry covers (exactly one of jti, session or subject).</summary>
internal sealed record RevocationRequest(
    Guid ActionId, string EntryKind, string? Jti, string? SessionId, string? SubjectId, DateTimeOffset? NotBefore, string? Reason);
