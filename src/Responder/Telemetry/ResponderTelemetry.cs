using System.Diagnostics.Metrics;
using ZtStream.Platform.Telemetry;

namespace ZtStream.Responder.Telemetry;

/// <summary>
/// Meter and ActivitySource <c>ZtStream.Responder</c>: alerts received, actions entering each state by kind and mode,
/// time from decision to done, revocation-feed subscribers, outbox depths (SSF, notifications) and notification
/// sends, revocation streams refused past their cap per credential, the store reads serving every stream, alerts
/// merged into an alert-flood alert past a cap; spans for the decision on an alert and for each driver call.
/// </summary>
internal sealed class ResponderTelemetry
{
    public const string Name = "ZtStream.Responder";

    public static readonly ActivitySource Source = new(Name);

    private static readonly double[] DurationBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

    private readonly Counter<long> alerts;
    private readonly Counter<long> actions;
    private readonly Histogram<double> toDone;
    private readonly Counter<long> notifications;
    private readonly Histogram<double> notificationDuration;
    private readonly Counter<long> feedStreamsRefused;
    private readonly Counter<long> feedReads;
    private readonly Counter<long> alertsMerged;
    private long feedSubscribers;
    private long ssfOutboxDepth = -1;
    private long notificationOutboxDepth = -1;

    public ResponderTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(Name);
        alerts = meter.CreateCounter<long>("ztstream.responder.alerts.received", "{alert}", "Alerts and alert updates received, by severity, detector and outcome (created, updated, duplicate).");
        actions = meter.CreateCounter<long>("ztstream.responder.actions", "{action}", "Actions entering a state, by kind, mode and state.");
        toDone = meter.CreateHistogram("ztstream.responder.action.duration", "s", "Time from an action's decision to its outcome (done, active or failed), by kind, mode and state.", DurationBuckets);
        notifications = meter.CreateCounter<long>("ztstream.responder.notifications", "{notification}", "Notification sends, by target kind, route and outcome (delivered, retry, failed, throttled).");
        notificationDuration = meter.CreateHistogram("ztstream.responder.notification.duration", "s", "Time from a notification's queueing to its delivery, by target kind.", DurationBuckets);
        feedStreamsRefused = meter.CreateCounter<long>("ztstream.responder.feed.streams.refused", "{stream}", "Event streams (revocation, alert queue) refused because Responder:Feed:MaxStreamsPerCredential or MaxStreams was reached, by credential.");
        feedReads = meter.CreateCounter<long>("ztstream.responder.feed.store_reads", "{query}", "Store reads serving the revocation streams, by kind: shared (one per change, whatever the number of streams), catch_up.");
        alertsMerged = meter.CreateCounter<long>("ztstream.responder.alerts.merged", "{alert}", "Alerts merged into an alert-flood alert because a cap on open alerts was reached, by cap (per_principal, total).");
        meter.CreateObservableUpDownCounter("ztstream.responder.feed.subscribers", () => Interlocked.Read(ref feedSubscribers), "{subscriber}", "SDK instances following the revocation feed (SSE) now.");
        meter.CreateObservableGauge("ztstream.responder.ssf.outbox.depth", () => Depth(ref ssfOutboxDepth), "{set}", "Security Event Tokens waiting in the outbox for their receivers.");
        meter.CreateObservableGauge("ztstream.responder.notifications.outbox.depth", () => Depth(ref notificationOutboxDepth), "{notification}", "Notifications waiting in the outbox for their targets.");
    }

    /// <summary>A span for one driver's call (revoker, isolator, notification target); null while tracing is off.</summary>
    public static Activity? StartDriver(string driver)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity("responder.driver " + driver, ActivityKind.Internal);
        activity?.SetTag("ztstream.driver", driver);
        return activity;
    }

    public void AlertReceived(Alert alert, AlertUpsertOutcome outcome) =>
        alerts.Add(
            1,
            new KeyValuePair<string, object?>("severity", alert.Severity),
            new KeyValuePair<string, object?>("detector", alert.Detector),
            new KeyValuePair<string, object?>("outcome", Outcome(outcome)));

    /// <summary><paramref name="action"/> entered its state; an outcome also records the time since it was decided.</summary>
    public void ActionEntered(ActionRecord action)
    {
        var tags = new TagList
        {
            { "kind", action.Kind },
            { "mode", action.Mode },
            { "state", action.State },
        };
        actions.Add(1, tags);
        if (action.State is ActionStates.Done or ActionStates.Active or ActionStates.Failed && action.DecidedAt is { } decided)
        {
            toDone.Record(Math.Max(0, (action.UpdatedAt - decided).TotalSeconds), tags);
        }
    }

    public void NotificationSent(string target, string route, string outcome, TimeSpan? sinceQueued = null)
    {
        var tags = new TagList { { "target", target }, { "route", route }, { "outcome", outcome } };
        notifications.Add(1, tags);
        if (sinceQueued is { } elapsed)
        {
            notificationDuration.Record(Math.Max(0, elapsed.TotalSeconds), new KeyValuePair<string, object?>("target", target));
        }
    }

    /// <summary>A revocation-feed stream opened; dispose the result when it closes.</summary>
    public IDisposable FeedSubscribed()
    {
        Interlocked.Increment(ref feedSubscribers);
        return new Unsubscribe(this);
    }

    public void FeedStreamRefused(string credential) => feedStreamsRefused.Add(1, new KeyValuePair<string, object?>("credential", credential));

    /// <summary>Kinds: <c>shared</c> (the one read that serves every stream), <c>catch_up</c> (a stream far behind).</summary>
    public void FeedRead(string kind) => feedReads.Add(1, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>Caps: <c>per_principal</c>, <c>total</c>.</summary>
    public void AlertMerged(string cap) => alertsMerged.Add(1, new KeyValuePair<string, object?>("cap", cap));

    public void SsfOutboxDepth(long depth) => Interlocked.Exchange(ref ssfOutboxDepth, depth);

    public void NotificationOutboxDepth(long depth) => Interlocked.Exchange(ref notificationOutboxDepth, depth);

    private static IEnumerable<Measurement<long>> Depth(ref long depth)
    {
        // Not sampled yet (or the outbox is not in use): no series rather than a made-up zero.
        var value = Interlocked.Read(ref depth);
        return value < 0 ? [] : [new Measurement<long>(value)];
    }

    private static string Outcome(AlertUpsertOutcome outcome) => outcome switch
    {
        AlertUpsertOutcome.Created => "created",
        AlertUpsertOutcome.Duplicate => "duplicate",
        _ => "updated",
    };

    private sealed class Unsubscribe(ResponderTelemetry owner) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
            {
                Interlocked.Decrement(ref owner.feedSubscribers);
            }
        }
    }
}
