namespace ZtStream.Responder.Notifications;

/// <summary>What queueing an alert's notifications came to, for the notify action's detail.</summary>
internal sealed record NotifyResult(int Queued, int Throttled, int AlreadyQueued, IReadOnlyList<string> Targets)
{
    /// <summary>Nothing queued because the alert is a staged rule's (<see cref="Alert.Staged"/>).</summary>
    public static NotifyResult Staged { get; } = new(0, 0, 0, []) { Why = "a staged rule's alert notifies no one" };

    /// <summary>Why nothing was queued, when it is not that no route matched.</summary>
    public string? Why { get; init; }

    public string Describe() => Why ?? (Targets.Count == 0
        ? "no notification route matches the alert"
        : $"notifications to {string.Join(", ", Targets)}: {Queued} queued, {Throttled} throttled, {AlreadyQueued} already queued");
}

/// <summary>
/// Queues an alert's notifications in the outbox: one per target of every route the alert matches (a target on
/// several routes gets one), once per alert count, and a PagerDuty acknowledge or resolve when the alert's triage
/// status moves. A route over its limit records the notification as throttled instead. Every queueing is audited in
/// the transaction that queues it; <see cref="NotificationDeliveryService"/> sends.
/// </summary>
internal sealed class Notifier(
    IOptions<NotificationOptions> options,
    NotificationOutbox outbox,
    AuditLog audit,
    ResponderTelemetry telemetry,
    [FromKeyedServices(NotificationDeliveryService.WakeKey)] WakeSignal signal,
    TimeProvider time,
    ILogger<Notifier> logger)
{
    /// <summary>The alert fired (or fired again, with a higher count): a trigger to every matching route's targets.</summary>
    public Task<NotifyResult> AlertFiredAsync(Alert alert, string status, Guid? actionId, CancellationToken cancellationToken) =>
        EnqueueAsync(alert, status, NotificationEvents.Trigger, $"{alert.Id}|{alert.Count}", actionId, cancellationToken);

    /// <summary>
    /// The alert's triage status moved: targets that follow an alert's state (PagerDuty) and were sent its trigger get
    /// <c>acknowledge</c> (confirmed, being worked) or <c>resolve</c> (a false positive, or resolved).
    /// </summary>
    public async Task StatusChangedAsync(Alert alert, string status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (EventFor(status) is not { } @event)
        {
            return;
        }

        await EnqueueAsync(alert, status, @event, $"{alert.Id}|{status}", null, cancellationToken);
    }

    /// <summary>The PagerDuty event that follows a triage status: null for one that moves nothing.</summary>
    public static string? EventFor(string status) => status.ToLowerInvariant() switch
    {
        "true_positive" or "acknowledged" or "in_progress" or "investigating" => NotificationEvents.Acknowledge,
        "false_positive" or "benign" or "resolved" or "closed" => NotificationEvents.Resolve,
        _ => null,
    };

    private async Task<NotifyResult> EnqueueAsync(Alert alert, string status, string @event, string what, Guid? actionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (alert.Staged)
        {
            // A staged rule is on trial: its alerts are for the analysts who tune it, never a page (docs/rules.md).
            return NotifyResult.Staged;
        }

        var o = options.Value;
        var now = time.GetUtcNow();
        var techniques = alert.Techniques;
        var targets = new List<string>();
        int queued = 0, throttled = 0, already = 0;
        HashSet<string>? triggered = null;
        foreach (var route in o.RoutesFor(alert, techniques))
        {
            var overLimit = @event == NotificationEvents.Trigger && route.MaxPerWindow > 0
                && await outbox.SentSinceAsync(route.Name, now - route.Window, cancellationToken) >= route.MaxPerWindow;
            foreach (var name in route.Targets)
            {
                if (targets.Contains(name, StringComparer.Ordinal) || !o.Targets.TryGetValue(name, out var target))
                {
                    continue;
                }

                if (@event != NotificationEvents.Trigger)
                {
                    // Only a target that keeps the alert's state hears of the status, and only when it was told of the alert.
                    triggered ??= [.. (await outbox.ForAlertAsync(alert.Id, cancellationToken))
                        .Where(n => n.Event == NotificationEvents.Trigger && n.State != NotificationOutbox.Throttled).Select(n => n.Target)];
                    if (!string.Equals(target.Kind, NotificationTargetOptions.PagerDuty, StringComparison.OrdinalIgnoreCase) || !triggered.Contains(name))
                    {
                        continue;
                    }
                }

                targets.Add(name);
                var key = $"{what}|{@event}|{name}";
                var content = new NotificationContent
                {
                    Id = key,
                    Event = @event,
                    Route = route.Name,
                    Status = status,
                    Alert = alert,
                    Techniques = techniques,
                    ConsoleUrl = o.ConsoleUrl is { } console ? new Uri(console, "#/alerts/" + Uri.EscapeDataString(alert.Id)) : null,
                    QueuedAt = now,
                };
                var item = new NotificationItem
                {
                    Id = 0,
                    DedupKey = key,
                    AlertId = alert.Id,
                    ActionId = actionId?.ToString(),
                    Route = route.Name,
                    Target = name,
                    Event = @event,
                    Content = JsonSerializer.Serialize(content, ResponderJsonContext.Default.NotificationContent),
                    State = overLimit ? NotificationOutbox.Throttled : NotificationOutbox.Pending,
                    Attempts = 0,
                    NextAttemptAt = now,
                    CreatedAt = now,
                };

                // The item and its audit entry commit together: a crash or a refused entry leaves neither, and the
                // failure reaches the caller (the alert's record is retried, then dead-lettered with the reason).
                var inserted = await audit.AppendAsync(
                    overLimit ? AuditKinds.NotificationThrottled : AuditKinds.NotificationQueued,
                    "system",
                    overLimit
                        ? $"{@event} of alert {alert.Id} to {name} not sent: route {route.Name} sent {route.MaxPerWindow} in the last {route.Window}"
                        : $"{@event} of alert {alert.Id} (count {alert.Count}) queued for {name} ({target.Kind}, route {route.Name})",
                    cancellationToken,
                    actionId: item.ActionId,
                    alertId: alert.Id,
                    principal: alert.Principal,
                    change: (connection, tx, ct) => NotificationOutbox.EnqueueAsync(connection, tx, item, ct));
                if (!inserted)
                {
                    already++;
                    continue;
                }

                if (overLimit)
                {
                    throttled++;
                    telemetry.NotificationSent(target.Kind, route.Name, "throttled");
                    DriverLog.NotificationThrottled(logger, alert.Id, name, route.Name, route.MaxPerWindow, route.Window);
                }
                else
                {
                    queued++;
                }
            }
        }

        if (queued > 0)
        {
            signal.Set();
        }

        return new NotifyResult(queued, throttled, already, targets);
    }
}
