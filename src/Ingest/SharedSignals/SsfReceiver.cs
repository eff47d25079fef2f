namespace ZtStream.Ingest.SharedSignals;

/// <summary>What became of one received SET.</summary>
internal enum SetOutcome
{
    /// <summary>Validated, and its events are in the event log (or it was a stream-control event).</summary>
    Accepted,

    /// <summary>Received before (same issuer and jti): acknowledged, nothing done again.</summary>
    Duplicate,

    /// <summary>Refused with an RFC 8935 error; the transmitter should not send it again.</summary>
    Rejected,

    /// <summary>The event log or the store cannot take it now; nothing was kept, so it must be delivered again.</summary>
    Unavailable,

    /// <summary>
    /// Its subjects are new to Ingest and its source already brought <c>Ingest:MaxNewPrincipalsPerMinute</c> this
    /// minute; nothing was kept, so it must be delivered again after <see cref="SetReceipt.RetryAfter"/>.
    /// </summary>
    Throttled,
}

/// <summary>The result of receiving a SET: the outcome, the rejection when refused, the retry delay when unavailable.</summary>
internal sealed record SetReceipt(SetOutcome Outcome, SetRejection? Rejection = null, TimeSpan? RetryAfter = null, string? Jti = null);

/// <summary>
/// Receives one SET, pushed or polled: validates it, refuses a replay, turns its events into canonical events, appends
/// them to the event log and records the SET. The jti is claimed (one statement, so of deliveries of one SET at once
/// exactly one appends it) and kept only after the events are in the log, so a SET is never acknowledged and lost; a
/// crash in between leaves a claim that lapses after <see cref="ClaimLease"/>, the SET is delivered again, and the event
/// ids (derived from the jti) make a second append harmless downstream. Every SET, whatever became of it, is recorded.
/// </summary>
internal sealed class SsfReceiver(
    SetValidator validator,
    SsfReceivedStore received,
    EventValidator eventValidator,
    EventAppender appender,
    SourceGate gate,
    SourceAuthenticator authenticator,
    NewPrincipalLimiter newPrincipals,
    IngestMetrics metrics,
    IOptions<IngestOptions> ingestOptions,
    IOptions<SsfReceiverOptions> options,
    TimeProvider time,
    ILogger<SsfReceiver> logger)
{
    public const string Push = "push";
    public const string Poll = "poll";
    private const string Endpoint = "ssf";

    // How long a delivery may hold a SET's jti between claiming it and keeping it: longer than any append takes, short
    // enough that a SET whose delivery died with the process is received again when the transmitter retries.
    internal static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(2);

    // How long a second delivery of a SET waits for the first to finish, and how often it looks.
    private static readonly TimeSpan ClaimWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ClaimPoll = TimeSpan.FromMilliseconds(50);

    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);

    // When jtis past the replay window were last forgotten, on the monotonic clock so that a step back of the wall clock
    // does not put the next prune off for the step; null before the first.
    private long? prunedAt;

    /// <summary>
    /// Receives <paramref name="token"/>. <paramref name="pushSource"/> is the source key that pushed it; polled SETs
    /// name their <paramref name="polledFrom"/> transmitter and are stamped with source <c>ssf:NAME</c>.
    /// </summary>
    public async Task<SetReceipt> ReceiveAsync(string token, string delivery, string? pushSource, string? polledFrom, CancellationToken cancellationToken)
    {
        var (set, rejection) = await validator.ValidateAsync(token, pushSource, polledFrom, cancellationToken);
        var audit = new ReceivedSet { Delivery = delivery, Source = pushSource, Outcome = SsfReceivedStore.Rejected, SetToken = token, ReceivedAt = time.GetUtcNow() };
        if (set is null)
        {
            metrics.Rejected(pushSource ?? "ssf:" + polledFrom, Endpoint, "invalid", 1);
            IngestLog.SetRejected(logger, delivery, pushSource, rejection!.Error, rejection.Description);
            return await RecordAsync(audit with { Error = rejection.Error, Description = rejection.Description }, new SetReceipt(SetOutcome.Rejected, rejection), delivery, cancellationToken);
        }

        audit = audit with { Transmitter = set.Transmitter, Issuer = set.Issuer, Jti = set.Jti, EventTypes = string.Join(' ', set.EventTypes) };
        JtiClaim claim;
        try
        {
            await PruneAsync(cancellationToken);
            claim = await ClaimAsync(set, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            IngestLog.SetStoreFailed(logger, exception, delivery);
            return new SetReceipt(SetOutcome.Unavailable, RetryAfter: TimeSpan.FromSeconds(5), Jti: set.Jti);
        }

        switch (claim)
        {
            case JtiClaim.Kept:
                IngestLog.SetDuplicate(logger, set.Jti, set.Transmitter, delivery);
                return await RecordAsync(audit with { Outcome = SsfReceivedStore.Duplicate }, new SetReceipt(SetOutcome.Duplicate, Jti: set.Jti), delivery, cancellationToken);
            case JtiClaim.Pending:
                // Another delivery of this SET is still appending it: acknowledging this one now would lose the SET if
                // that one failed, so the transmitter is asked to deliver it again, when it will be a duplicate.
                IngestLog.SetStillPending(logger, set.Jti, set.Transmitter, delivery);
                return new SetReceipt(SetOutcome.Unavailable, RetryAfter: TimeSpan.FromSeconds(1), Jti: set.Jti);
        }

        var kept = false;
        try
        {
            var receipt = await ReceiveClaimedAsync(set, audit, delivery, pushSource, cancellationToken);
            kept = receipt.Outcome == SetOutcome.Accepted;
            return receipt;
        }
        finally
        {
            if (!kept)
            {
                await ReleaseAsync(set, delivery);
            }
        }
    }

    /// <summary>Gives up this delivery's claim on a SET it did not keep (refused, throttled, unavailable, cancelled).</summary>
    private async Task ReleaseAsync(ValidatedSet set, string delivery)
    {
        try
        {
            await received.ReleaseAsync(set.Issuer, set.Jti, CancellationToken.None);
        }
        catch (Exception exception)
        {
            // The claim lapses after ClaimLease: the SET's next delivery after that is received afresh.
            IngestLog.SetStoreFailed(logger, exception, delivery);
        }
    }

    /// <summary>
    /// Claims the SET's jti. While another delivery of it (a transmitter's retry, another replica's) holds it, waits
    /// for that one to keep or release it, up to <see cref="ClaimWait"/>, so the answer is the one the SET deserves.
    /// </summary>
    private async Task<JtiClaim> ClaimAsync(ValidatedSet set, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var claim = await received.ClaimAsync(set.Issuer, set.Jti, time.GetUtcNow(), ClaimLease, cancellationToken);
            if (claim != JtiClaim.Pending || attempt * ClaimPoll >= ClaimWait)
            {
                return claim;
            }

            await Task.Delay(ClaimPoll, time, cancellationToken);
        }
    }

    /// <summary>The rest of receiving a SET whose jti this delivery claimed; the jti is kept only when it is accepted.</summary>
    private async Task<SetReceipt> ReceiveClaimedAsync(ValidatedSet set, ReceivedSet audit, string delivery, string? pushSource, CancellationToken cancellationToken)
    {
        var types = set.EventTypes;
        var source = pushSource ?? "ssf:" + set.Transmitter;
        // A transmitter reports what happened to a subject it names, as a source adapter does: its names are escaped, not refused.
        var events = SetMapper.Map(set, SourceMapOptions.For(ingestOptions.Value, idp: null), out var subject).ConvertAll(EventValidator.Escaped);
        audit = audit with { Subject = subject is null ? null : ItemError.Escaped(subject) };
        var errors = new List<ItemError>();
        foreach (var e in events)
        {
            eventValidator.Check(e, 0, string.Empty, errors);
        }

        // A pushed SET speaks as the source key that pushed it: its events pass the same scope gate as any other item.
        // A polled one comes from a transmitter the operator configured (its issuer, its keys), signed by it: it may
        // speak for any subject of its identity provider, and its events vouch for them.
        var scope = pushSource is null ? SourceScope.Attested : await authenticator.ScopeOfAsync(pushSource, cancellationToken);
        var outside = new List<ItemError>();
        if (scope.RefuseIdentityRecords(source, "a Shared Signals transmitter") is { } labelled)
        {
            outside.Add(labelled);
        }

        var admitted = new List<AccessEvent>(events.Count);
        for (var i = 0; i < events.Count && errors.Count == 0 && outside.Count == 0; i++)
        {
            if (gate.Admit(events[i], i, source, scope, adapter: true, outside) is { } e)
            {
                admitted.Add(e);
            }
        }

        if (outside.Count > 0)
        {
            var refused = new SetRejection(SetErrors.AccessDenied, $"{outside[0].Field}: {outside[0].Reason}");
            metrics.Rejected(source, Endpoint, "outside_scope", 1);
            IngestLog.SetRejected(logger, delivery, pushSource, refused.Error, refused.Description);
            return await RecordAsync(audit with { Error = refused.Error, Description = refused.Description }, new SetReceipt(SetOutcome.Rejected, refused, Jti: set.Jti), delivery, cancellationToken);
        }

        events = admitted;
        if (errors.Count > 0 || (events.Count == 0 && !types.All(SsfEventTypes.IsStreamControl)))
        {
            var why = errors.Count > 0
                ? $"the event does not fit Ingest's limits: {errors[0].Field} {errors[0].Reason}"
                : "the SET names no subject ZtStream can attribute its events to";
            var refused = new SetRejection(SetErrors.InvalidRequest, why);
            metrics.Rejected(source, Endpoint, "invalid", 1);
            IngestLog.SetRejected(logger, delivery, pushSource, refused.Error, refused.Description);
            return await RecordAsync(audit with { Error = refused.Error, Description = refused.Description }, new SetReceipt(SetOutcome.Rejected, refused, Jti: set.Jti), delivery, cancellationToken);
        }

        // The same cap as every other Ingest endpoint: a transmitter (or a source key pushing for one) cannot make up
        // subjects faster than the Verifier is sized to take them.
        if (events.Count > 0 && !newPrincipals.TryAdmit(source, events.Select(e => e.PrincipalKey), out var wait, out _))
        {
            IngestLog.NewPrincipalsCapped(logger, source, Endpoint, ingestOptions.Value.MaxNewPrincipalsPerMinute, wait);
            metrics.Rejected(source, Endpoint, "new_principals", events.Count);
            return new SetReceipt(SetOutcome.Throttled, RetryAfter: wait, Jti: set.Jti);
        }

        try
        {
            if (events.Count > 0)
            {
                await appender.AppendAsync(events, source, scope, cancellationToken);
                metrics.Accepted(source, Endpoint, events.Count);
            }

            await received.KeepAsync(set.Issuer, set.Jti, cancellationToken);
        }
        catch (EventLogUnavailableException exception)
        {
            IngestLog.EventLogUnavailable(logger, exception, events.Count, source, exception.RetryAfter);
            metrics.Rejected(source, Endpoint, "log_unavailable", events.Count);
            return new SetReceipt(SetOutcome.Unavailable, RetryAfter: exception.RetryAfter, Jti: set.Jti);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The events are in the log but the jti is not kept: asking for the SET again is safe (same event ids).
            IngestLog.SetStoreFailed(logger, exception, delivery);
            return new SetReceipt(SetOutcome.Unavailable, RetryAfter: TimeSpan.FromSeconds(5), Jti: set.Jti);
        }

        IngestLog.SetAccepted(logger, set.Jti, set.Transmitter, delivery, events.Count, audit.EventTypes!);
        return await RecordAsync(audit with { Outcome = SsfReceivedStore.Accepted }, new SetReceipt(SetOutcome.Accepted, Jti: set.Jti), delivery, cancellationToken);
    }

    private async Task<SetReceipt> RecordAsync(ReceivedSet audit, SetReceipt receipt, string delivery, CancellationToken cancellationToken)
    {
        try
        {
            await received.RecordAsync(audit, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The SET's effect stands; only its audit row is missing, which the log records instead.
            IngestLog.SetStoreFailed(logger, exception, delivery);
        }

        return receipt;
    }

    /// <summary>Drops remembered jtis older than the replay window, at most once an hour.</summary>
    private async Task PruneAsync(CancellationToken cancellationToken)
    {
        if (prunedAt is { } pruned && time.GetElapsedTime(pruned) < PruneEvery)
        {
            return;
        }

        prunedAt = time.GetTimestamp();
        await received.ForgetBeforeAsync(time.GetUtcNow() - options.Value.ReplayWindow - options.Value.MaxClockSkew, cancellationToken);
    }
}
