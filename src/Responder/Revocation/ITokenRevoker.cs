namespace ZtStream.Responder.Revocation;

/// <summary>
/// A token-revocation driver: the built-in revocation list, an IdP's RFC 7009 endpoint, or the Shared Signals
/// transmitter. Every enabled driver gets every revocation; each must be idempotent per action id.
/// </summary>
internal interface ITokenRevoker
{
    string Name { get; }

    Task<DriverResult> RevokeTokenAsync(RevokeToken command, CancellationToken cancellationToken);

    Task<DriverResult> RevokeSubjectSessionsAsync(RevokeSubjectSessions command, CancellationToken cancellationToken);
}

/// <summary>What a driver did: <paramref name="Changed"/> is false for an idempotent no-op, and <paramref name="Detail"/> says so.</summary>
internal sealed record DriverResult(bool Changed, string Detail);
