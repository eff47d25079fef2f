namespace ZtStream.Responder.Revocation.SharedSignals;

/// <summary>One event to transmit: its type, subject and payload, and the action (or request) it belongs to.</summary>
/// <param name="OnlyStream">Send on this stream alone, whatever it asked for (a verification event).</param>
internal sealed record SsfSignal(string EventType, JsonObject Subject, JsonObject Payload, Guid ActionId, string? Txn, string? OnlyStream = null);

/// <summary>
/// The Shared Signals transmitter. As a token-revocation driver it turns each revocation into a CAEP
/// <c>session-revoked</c> SET; it also transmits <c>credential-change</c> and <c>assurance-level-change</c> signals and
/// verification events. Each SET is signed for one receiver — those fixed in configuration and the streams receivers
/// registered that asked for the event and cover its subject — and put in the durable outbox, from which
/// <see cref="SsfDeliveryService"/> pushes it or the receiver polls it. An action is done once its SETs are queued;
/// delivery outlives restarts and receiver outages.
/// </summary>
internal sealed class SharedSignalsTransmitter(
    SsfOutbox outbox,
    SsfStreamStore streams,
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
            : RevokeAsync(command.ActionId, subject, time.GetUtcNow(), command.Reason, command.RequestedBy, cancellationToken);
    }

    public Task<DriverResult> RevokeSubjectSessionsAsync(RevokeSubjectSessions command, CancellationToken cancellationToken) =>
        RevokeAsync(
            command.ActionId,
            SecurityEventTokens.Subject(command, options.EffectiveSubjectIssuer()),
            command.NotBefore,
            command.Reason,
            command.RequestedBy,
            cancellationToken);

    private async Task<DriverResult> RevokeAsync(Guid actionId, JsonObject subject, DateTimeOffset eventTime, string reason, string requestedBy, CancellationToken cancellationToken)
    {
        var (queued, already) = await QueueAsync(
            new SsfSignal(SsfEventTypes.SessionRevoked, subject, SecurityEventTokens.CaepPayload(eventTime, reason, requestedBy), actionId, actionId.ToString()),
            cancellationToken);
        if (queued.Count == 0 && already.Count == 0)
        {
            return new DriverResult(false, "ssf: no receiver or stream takes session-revoked events for this subject");
        }

        if (queued.Count == 0)
        {
            return new DriverResult(false, $"ssf: session-revoked SETs for this action were already queued for {string.Join(", ", already)}");
        }

        return new DriverResult(true, $"ssf: queued a signed session-revoked SET for {string.Join(", ", queued)}" + (already.Count > 0 ? $" (already queued for {string.Join(", ", already)})" : ""));
    }

    /// <summary>Signs and queues <paramref name="ssf"/> for every receiver that takes it; returns the receivers queued for and those that already had it.</summary>
    public async Task<(IReadOnlyList<string> Queued, IReadOnlyList<string> Already)> QueueAsync(SsfSignal ssf, CancellationToken cancellationToken)
    {
        var targets = new List<(string Receiver, string Audience, string Delivery)>();
        if (ssf.OnlyStream is null)
        {
            foreach (var (name, receiver) in options.Receivers.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                targets.Add((name, receiver.Audience!, SsfDelivery.Push));
            }
        }

        foreach (var stream in await streams.ActiveAsync(cancellationToken))
        {
            var wanted = ssf.OnlyStream is not null
                ? string.Equals(stream.StreamId, ssf.OnlyStream, StringComparison.Ordinal)
                : stream.Delivered().Contains(ssf.EventType, StringComparer.Ordinal)
                    && await streams.CoversAsync(stream, ssf.Subject, options.DefaultSubjects, cancellationToken);
            if (wanted)
            {
                targets.Add((stream.Receiver, stream.Aud, stream.Delivery));
            }
        }

        var key = await keys.GetAsync(cancellationToken);
        var now = time.GetUtcNow();
        var queued = new List<string>();
        var already = new List<string>();
        foreach (var (receiver, audience, delivery) in targets)
        {
            var jti = Guid.NewGuid().ToString("N");
            var claims = SecurityEventTokens.Claims(
                options.IssuerId(),
                audience,
                jti,
                now,
                ssf.Txn,
                (JsonObject)ssf.Subject.DeepClone(),
                ssf.EventType,
                (JsonObject)ssf.Payload.DeepClone());
            var token = SecurityEventTokens.Sign(claims, key);
            if (await outbox.EnqueueAsync(ssf.ActionId, receiver, jti, token, now, cancellationToken, delivery))
            {
                queued.Add(receiver);
                DriverLog.SetQueued(logger, jti, ssf.ActionId, receiver);
            }
            else
            {
                already.Add(receiver);
            }
        }

        signal.Set();
        return (queued, already);
    }
}
