using Microsoft.Extensions.DependencyInjection;
using ZtStream.Platform;

namespace ZtStream.Responder.Revocation;

/// <summary>The built-in revocation list as a token-revocation driver; always enabled because the SDK follows it.</summary>
internal sealed class RevocationListRevoker(
    RevocationStore store, [FromKeyedServices(RevocationFeedEndpoints.WakeKey)] WakeSignal feed) : ITokenRevoker
{
    public string Name => "revocation-list";

    public async Task<DriverResult> RevokeTokenAsync(Contracts.Commands.RevokeToken command, CancellationToken cancellationToken)
    {
        if (command.Jti is null && command.SessionId is null)
        {
            throw new Actions.ActionRejectedException("the command names neither a token id (jti) nor a session id");
        }

        var details = new List<string>();
        var changed = false;
        if (command.Jti is not null)
        {
            var (entry, added) = await store.AddAsync(
                new RevocationRequest(command.ActionId, RevocationStore.JtiEntry, command.Jti, null, null, null, command.Reason), cancellationToken);
            changed |= added;
            details.Add(added ? $"token {command.Jti} listed at version {entry.Version}" : $"token {command.Jti} already listed at version {entry.Version}");
        }

        if (command.SessionId is not null)
        {
            var (entry, added) = await store.AddAsync(
                new RevocationRequest(command.ActionId, RevocationStore.SessionEntry, null, command.SessionId, null, null, command.Reason), cancellationToken);
            changed |= added;
            details.Add(added ? $"session {command.SessionId} listed at version {entry.Version}" : $"session {command.SessionId} already listed at version {entry.Version}");
        }

        if (changed)
        {
            feed.Set();
        }

        return new DriverResult(changed, string.Join("; ", details));
    }

    public async Task<DriverResult> RevokeSubjectSessionsAsync(Contracts.Commands.RevokeSubjectSessions command, CancellationToken cancellationToken)
    {
        var (entry, added) = await store.AddAsync(
            new RevocationRequest(command.ActionId, RevocationStore.SubjectEntry, null, null, command.SubjectId, command.NotBefore, command.Reason), cancellationToken);
        if (added)
        {
            feed.Set();
        }

        return new DriverResult(
            added,
            added
                ? $"sessions of {command.SubjectId} issued before {command.NotBefore:O} listed at version {entry.Version}"
                : $"sessions of {command.SubjectId} already listed at version {entry.Version}");
    }
}
