using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ZtStream.Contracts.Commands;
using ZtStream.Platform;
using ZtStream.Responder.Drivers;

namespace ZtStream.Responder.Revocation.SharedSignals;

/// <summary>
/// The Shared Signals token-revocation driver: signs one CAEP <c>session-revoked</c> SET per registered receiver
/// and puts it in the durable outbox, from which <see cref="SsfDeliveryService"/> pushes it. The action is done
/// once the SETs are queued; delivery outlives restarts and receiver outages.
/// </summary>
internal sealed class SharedSignalsTransmitter(
    SsfOutbox outbox,
    SsfSigningKeys keys,
    [FromKeyedServices(SsfDeliveryService.WakeKey)] WakeSignal signal,
    SharedSignalsOptions options,
    TimeProvider time,
    ILogger<SharedSignalsTransmitter> logger) : ITokenRevoker
{
    public const string DriverName = "ssf";

    public string Name => DriverName;

    public Task<DriverResult> RevokeTokenAsync(RevokeToken command, CancellationToken cancellationToken)
    {
        var subject = SecurityEventTokens.Subject(command, options.EffectiveSubjectIssuer());
        return subject is null
            ? Task.FromResult(new DriverResult(false, "ssf: nothing to signal (the command names no session, token or subject)"))
            : QueueAsync(command.ActionId, subject, time.GetUtcNow(), command.Reason, command.RequestedBy, cancellationToken);
    }

    public Task<DriverResult> RevokeSubjectSessionsAsync(RevokeSubjectSessions command, CancellationToken cancellationToken) =>
        QueueAsync(
            command.ActionId,
            SecurityEventTokens.Subject(command, options.EffectiveSubjectIssuer()),
            command.NotBefore,
            command.Reason,
            command.RequestedBy,
            cancellationToken);

    private async Task<DriverResult> QueueAsync(
        Guid actionId,
        JsonObject subject,
        DateTimeOffset eventTime,
        string reason,
        string requestedBy,
        CancellationToken cancellationToken)
    {
        var key = await keys.GetAsync(cancellationToken);
        var now = time.GetUtcNow();
        var queued = new List<string>();
        var already = new List<string>();
        foreach (var (name, receiver) in options.Receivers.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var jti = Guid.NewGuid().ToString("N");
            var claims = SecurityEventTokens.Claims(
                options.IssuerId(),
                receiver.Audience!,
                jti,
                now,
                actionId,
                (JsonObject)subject.DeepClone(),
                eventTime,
                reason,
                requestedBy);
            var token = SecurityEventTokens.Sign(claims, key);
            if (await outbox.EnqueueAsync(actionId, name, jti, token, now, cancellationToken))
            {
                queued.Add(name);
                DriverLog.SetQueued(logger, jti, actionId, name);
            }
            else
            {
                already.Add(name);
            }
        }

        signal.Set();
        if (queued.Count == 0)
        {
            return new DriverResult(false, $"ssf: session-revoked SETs for this action were already queued for {string.Join(", ", already)}");
        }

        return new DriverResult(true, $"ssf: queued a signed session-revoked SET for {string.Join(", ", queued)}" + (already.Count > 0 ? $" (already queued for {string.Join(", ", already)})" : ""));
    }
}
