namespace ZtStream.Responder.Revocation;

/// <summary>
/// The built-in revocation list as a token-revocation driver; always enabled because the SDK follows it. Each entry is
/// kept until the tokens it covers have expired: the token's <c>exp</c> (plus <see cref="ClockSkew"/>) when the command
/// carries it, else <see cref="RevocationFeedOptions.DefaultExpiry"/> from when the entry starts to apply.
/// </summary>
internal sealed class RevocationListRevoker(
    RevocationStore store,
    [FromKeyedServices(RevocationFeedEndpoints.WakeKey)] WakeSignal feed,
    IOptions<RevocationFeedOptions> options,
    TimeProvider time) : ITokenRevoker
{
    /// <summary>What JWT validators accept past <c>exp</c> by default (ASP.NET Core's JwtBearer: 5 minutes).</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    public string Name => "revocation-list";

    public async Task<DriverResult> RevokeTokenAsync(Contracts.Commands.RevokeToken command, CancellationToken cancellationToken)
    {
        if (command.Jti is null && command.SessionId is null)
        {
            throw new Actions.ActionRejectedException("the command names neither a token id (jti) nor a session id");
        }

        var expires = ExpiresAt(command.ExpiresAt, time.GetUtcNow());
        var details = new List<string>();
        var changed = false;
        if (command.Jti is not null)
        {
            var (entry, added) = await store.AddAsync(
                new RevocationRequest(command.ActionId, RevocationStore.JtiEntry, command.Jti, null, null, null, command.Reason, expires), cancellationToken);
            changed |= added;
            details.Add(added ? $"token {command.Jti} listed at version {entry.Version} until {expires:O}" : $"token {command.Jti} already listed at version {entry.Version}");
        }

        if (command.SessionId is not null)
        {
            var (entry, added) = await store.AddAsync(
                new RevocationRequest(command.ActionId, RevocationStore.SessionEntry, null, command.SessionId, null, null, command.Reason, expires), cancellationToken);
            changed |= added;
            details.Add(added ? $"session {command.SessionId} listed at version {entry.Version} until {expires:O}" : $"session {command.SessionId} already listed at version {entry.Version}");
        }

        if (changed)
        {
            feed.Set();
        }

        return new DriverResult(changed, string.Join("; ", details));
    }

    public async Task<DriverResult> RevokeSubjectSessionsAsync(Contracts.Commands.RevokeSubjectSessions command, CancellationToken cancellationToken)
    {
        var expires = ExpiresAt(command.ExpiresAt, command.NotBefore);
        var (entry, added) = await store.AddAsync(
            new RevocationRequest(command.ActionId, RevocationStore.SubjectEntry, null, null, command.SubjectId, command.NotBefore, command.Reason, expires), cancellationToken);
        if (added)
        {
            feed.Set();
        }

        return new DriverResult(
            added,
            added
                ? $"sessions of {command.SubjectId} issued before {command.NotBefore:O} listed at version {entry.Version} until {expires:O}"
                : $"sessions of {command.SubjectId} already listed at version {entry.Version}");
    }

    /// <summary>
    /// The token's <c>exp</c> is evidence, said by an event: one already past when the entry starts to apply (a token
    /// used after its expiry, which is when revoking it matters) counts as unknown rather than listing an entry that is
    /// never in force, and one too near the end of time to add the skew to is kept that long rather than failing the
    /// revocation.
    /// </summary>
    private DateTimeOffset ExpiresAt(DateTimeOffset? tokenExpiresAt, DateTimeOffset from) => tokenExpiresAt switch
    {
        { } exp when exp > DateTimeOffset.MaxValue - ClockSkew => DateTimeOffset.MaxValue,
        { } exp when exp + ClockSkew > from => exp + ClockSkew,
        _ => from + options.Value.DefaultExpiry,
    };
}
