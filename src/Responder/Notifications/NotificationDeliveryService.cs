namespace ZtStream.Responder.Notifications;

/// <summary>
/// Drains the notification outbox: each due notification is claimed (so several Responders never send the same one
/// at once), sent by its target's sender, and then marked delivered, retried with capped exponential backoff (or the
/// target's Retry-After), or failed when the target refused it or the attempts ran out. Every attempt is audited, in
/// the same transaction as the state it leaves the item in.
/// A crash between a send and its mark sends it again: the webhook's <c>ZtStream-Delivery</c> header, PagerDuty's
/// dedup key and the email's Message-ID let a receiver see the repeat.
/// </summary>
internal sealed class NotificationDeliveryService(
    NotificationOutbox outbox,
    IEnumerable<INotificationSender> senders,
    [FromKeyedServices(NotificationDeliveryService.WakeKey)] WakeSignal signal,
    IOptions<NotificationOptions> options,
    AuditLog audit,
    ResponderTelemetry telemetry,
    TimeProvider time,
    ILogger<NotificationDeliveryService> logger) : OutboxDeliveryLoop(outbox.Table, signal, time, logger)
{
    /// <summary>The key of the <see cref="WakeSignal"/> the notifier sets when it queues notifications.</summary>
    public const string WakeKey = "notification-outbox";
    private const int BatchSize = 50;

    private readonly Dictionary<string, INotificationSender> bySender = senders.ToDictionary(s => s.Kind, StringComparer.OrdinalIgnoreCase);

    protected override TimeSpan PollInterval => options.Value.PollInterval;

    protected override TimeSpan AttemptTimeout => options.Value.SendTimeout;

    // A target's Retry-After is honoured up to the same cap.
    protected override TimeSpan MaxBackoff => options.Value.MaxBackoff;

    protected override Task RunPassAsync(CancellationToken cancellationToken) => DeliverDueAsync(cancellationToken);

    protected override void ReportDepth(long depth) => telemetry.NotificationOutboxDepth(depth);

    protected override void PassFailed(Exception exception) => DriverLog.NotificationPassFailed(logger, exception);

    /// <summary>
    /// One pass over what is due; returns how many notifications were attempted. Every target shares the pass, so a
    /// target whose attempt fails and may be retried (too slow, down, 429) gets no more attempts in it: its other
    /// messages wait for the next pass, rather than a send timeout each in turn while other targets' messages (a page)
    /// wait behind them, or more requests to a target that asked to be left alone.
    /// </summary>
    internal async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var failing = new HashSet<string>(StringComparer.Ordinal);
        return await AttemptEachAsync(
            await outbox.DueAsync(Time.GetUtcNow(), BatchSize, cancellationToken),
            async item =>
            {
                if (!await DeliverAsync(item, o, cancellationToken))
                {
                    failing.Add(item.Target);
                }
            },
            cancellationToken,
            skip: item => failing.Contains(item.Target));
    }

    /// <summary>One attempt; false when it failed and is to be retried.</summary>
    private async Task<bool> DeliverAsync(NotificationItem item, NotificationOptions o, CancellationToken cancellationToken)
    {
        var content = JsonSerializer.Deserialize(item.Content, ResponderJsonContext.Default.NotificationContent)!;
        if (!o.Targets.TryGetValue(item.Target, out var target) || !bySender.TryGetValue(target.Kind, out var sender))
        {
            await FinishAsync(item, "unknown", NotificationOutbox.Failed, $"target '{item.Target}' is no longer configured", cancellationToken);
            return true;
        }

        SendOutcome outcome;
        using (var span = ResponderTelemetry.StartDriver("notify-" + target.Kind.ToLowerInvariant()))
        {
            span?.SetTag("ztstream.alert.id", item.AlertId);
            span?.SetTag("ztstream.notification.target", item.Target);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(o.SendTimeout);
            try
            {
                outcome = await sender.SendAsync(content, target, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                outcome = SendOutcome.Retry($"no answer within {o.SendTimeout.TotalSeconds:0.#} s");
            }

            span?.SetTag("ztstream.notification.outcome", outcome.Delivered ? "delivered" : outcome.Detail);
        }

        var attempts = item.Attempts + 1;
        if (outcome.Delivered)
        {
            await FinishAsync(item, target.Kind, NotificationOutbox.Delivered, outcome.Detail, cancellationToken);
            return true;
        }

        if (outcome.Permanent || attempts >= o.MaxAttempts)
        {
            var why = outcome.Permanent ? $"refused: {outcome.Detail}" : $"gave up after {attempts} attempts: {outcome.Detail}";
            await FinishAsync(item, target.Kind, NotificationOutbox.Failed, why, cancellationToken);
            return true;
        }

        var next = Time.GetUtcNow() + Backoff.Exponential(attempts, o.InitialBackoff, o.MaxBackoff, outcome.RetryAfter);
        if (!await audit.AppendAsync(
            AuditKinds.NotificationAttemptFailed,
            "system",
            $"{item.Event} of alert {item.AlertId} to {item.Target}: attempt {attempts} failed ({outcome.Detail}); next at {next:O}",
            cancellationToken,
            actionId: item.ActionId,
            alertId: item.AlertId,
            change: (connection, tx, ct) => outbox.Table.RetryAsync(connection, tx, item.Id, outcome.Detail, next, ct)))
        {
            return false;
        }

        telemetry.NotificationSent(target.Kind, item.Route, "retry");
        DriverLog.NotificationRetry(logger, item.Event, item.AlertId, item.Target, (int)attempts, outcome.Detail, next);
        return false;
    }

    private async Task FinishAsync(NotificationItem item, string kind, string state, string detail, CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow();
        var delivered = state == NotificationOutbox.Delivered;
        // The state and its audit entry commit together (issue 15): a crash or a failed audit write between them would
        // leave a finished send nobody could account for. Either failing leaves the item pending, sent again after its lease.
        if (!await audit.AppendAsync(
            delivered ? AuditKinds.NotificationSent : AuditKinds.NotificationFailed,
            "system",
            delivered
                ? $"{item.Event} of alert {item.AlertId} delivered to {item.Target} ({kind}) on attempt {item.Attempts + 1}: {detail}"
                : $"{item.Event} of alert {item.AlertId} to {item.Target} failed: {detail}",
            cancellationToken,
            actionId: item.ActionId,
            alertId: item.AlertId,
            change: (connection, tx, ct) => outbox.Table.FinishAsync(connection, tx, item.Id, state, delivered ? null : detail, now, ct)))
        {
            return;
        }

        telemetry.NotificationSent(kind, item.Route, state, delivered ? now - item.CreatedAt : null);
        if (delivered)
        {
            DriverLog.NotificationDelivered(logger, item.Event, item.AlertId, item.Target, (int)item.Attempts + 1);
        }
        else
        {
            DriverLog.NotificationFailed(logger, item.Event, item.AlertId, item.Target, detail);
        }
    }
}
