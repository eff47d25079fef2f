using System.Collections.Concurrent;

namespace ZtStream.Responder.Actions;

/// <summary>A request that can never succeed (nothing to act on, no driver): it fails at once, without retries.</summary>
internal sealed class ActionRejectedException(string reason) : Exception(reason);

/// <summary>Result of a responder's request on an action.</summary>
internal enum ActionChange
{
    Done,
    NotFound,
    /// <summary>The action is not in a state that allows it (e.g. approving a finished action).</summary>
    Conflict,
}

/// <summary>
/// What <see cref="ActionService.LiftRevocationAsync"/> did: the lifts (those made now, or for a repeat of the same lift
/// those it made before), or why nothing was lifted (<see cref="Refusal"/>, for a <see cref="ActionChange.Conflict"/>).
/// </summary>
internal sealed record RevocationLifted(ActionChange Change, ActionRecord? Action, IReadOnlyList<RevocationLift> Lifts, string? Refusal = null);

/// <summary>
/// Every state change of an action goes through here: compare-and-set in the store and one audit entry with the
/// state before and after, committed together, and the command sent when an action becomes queued.
/// </summary>
internal sealed class ActionService(
    ActionStore actions,
    AuditLog audit,
    ICommandBus bus,
    ResponsePolicy policy,
    TimeProvider time,
    ILogger<ActionService> logger,
    ResponderTelemetry telemetry,
    Notifier notifier,
    AlertStore alerts,
    RevocationStore revocations,
    IOptions<ResponderOptions> options)
{
    /// <summary>
    /// How long a decision or an approval waits for the bus to take its command before leaving it to the timekeeper: a
    /// broker that is down must not hold up the alerts behind the one being decided.
    /// </summary>
    internal static readonly TimeSpan SendNowTimeout = TimeSpan.FromSeconds(5);

    // When a send last failed, on the monotonic clock (0: the bus is taken as up): for RedispatchAfter after it,
    // decisions do not try the bus at all. Monotonic, so a step of the wall clock back does not stretch that span.
    private long _busDownAt;

    // Actions a send left queued, for the timekeeper's next pass (RetryLeftQueuedAsync).
    private readonly ConcurrentDictionary<Guid, byte> _leftQueued = new();

    /// <summary>Stores a decided action (once per id) and, when queued, sends its command.</summary>
    public async Task<(ActionRecord Action, bool Created)> CreateAsync(ActionRecord action, string actor, CancellationToken cancellationToken)
    {
        // The action and its decision's audit entry are one commit: on the path from alert to enforcement every commit
        // waits for the store's one writer and its sync, and neither may exist without the other.
        var inserted = await audit.AppendAsync(
            AuditKinds.Decision,
            actor,
            $"{action.Kind} on {action.Target}: {action.Mode} ({action.Decision})",
            cancellationToken,
            actionId: action.Id.ToString(),
            alertId: action.AlertId,
            principal: action.Principal,
            afterJson: Json(action),
            change: (connection, tx, ct) => ActionStore.TryInsertAsync(action, connection, tx, ct));
        if (!inserted)
        {
            var existing = await actions.GetAsync(action.Id, cancellationToken) ?? action;
            return (existing, false);
        }

        telemetry.ActionEntered(action);
        if (action.State == ActionStates.Queued)
        {
            await TrySendNowAsync(action, cancellationToken);
        }

        return (action, true);
    }

    /// <summary>
    /// Sends a queued action's command now if the bus takes it within <see cref="SendNowTimeout"/>; if it does not (the
    /// broker is down, the bus reconnecting), the action stays queued — decided and durable — and the timekeeper's next
    /// pass tries it again (<see cref="RetryLeftQueuedAsync"/>). After such a failure, sends within
    /// <c>RedispatchAfter</c> are not tried until the timekeeper finds the bus back: an alert flood during an outage is
    /// stored and decided at the store's pace, not one timeout each.
    /// </summary>
    /// <returns>Whether the command was sent.</returns>
    public async Task<bool> TrySendNowAsync(ActionRecord action, CancellationToken cancellationToken)
    {
        if (Interlocked.Read(ref _busDownAt) is not 0 and var downAt && time.GetElapsedTime(downAt) < options.Value.RedispatchAfter)
        {
            _leftQueued.TryAdd(action.Id, 0);
            ResponderLog.CommandLeftQueued(logger, action.Kind, action.Id, "the bus refused a command moments ago", null);
            return false;
        }

        return await TrySendAsync(action, cancellationToken);
    }

    /// <summary>
    /// Sends again the commands <see cref="TrySendNowAsync"/> left queued; the timekeeper calls it every pass. The first
    /// is tried even while the bus is taken as down: when the bus takes it, the bus is back and the rest follow at once;
    /// when it does not, the rest wait for the next pass. Returns how many were sent.
    /// </summary>
    /// <remarks>
    /// Before, they waited for the timekeeper's <c>RedispatchAfter</c> (30 s) after their decision, and so did every
    /// action decided in the <c>RedispatchAfter</c> after one send that was only slow (a loaded machine): alerts acted on
    /// half a minute late.
    /// </remarks>
    public async Task<int> RetryLeftQueuedAsync(CancellationToken cancellationToken)
    {
        var sent = 0;
        foreach (var id in _leftQueued.Keys)
        {
            var action = await actions.GetAsync(id, cancellationToken);
            if (action?.State != ActionStates.Queued)
            {
                // Sent since (the timekeeper's redispatch, another instance), or gone.
                _leftQueued.TryRemove(id, out _);
                continue;
            }

            if (!await TrySendAsync(action, cancellationToken))
            {
                break;
            }

            sent++;
        }

        return sent;
    }

    /// <summary>
    /// One send, with <see cref="SendNowTimeout"/> for the bus to take the command. Only the bus's part is timed: the
    /// store's commit of the <c>dispatched</c> mark after it waits its turn like every commit (under load that wait used
    /// to count against the bus, which was then taken as down for <c>RedispatchAfter</c>), and a failure of that commit
    /// is the store's and thrown as such.
    /// </summary>
    private async Task<bool> TrySendAsync(ActionRecord action, CancellationToken cancellationToken)
    {
        DateTimeOffset? sentAt;
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            limit.CancelAfter(SendNowTimeout);
            try
            {
                sentAt = await SendCommandAsync(action, limit.Token);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (ex is OperationCanceledException || TransientFaults.IsTransient(ex)))
            {
                _leftQueued.TryAdd(action.Id, 0);
                Interlocked.Exchange(ref _busDownAt, time.GetTimestamp());
                ResponderLog.CommandLeftQueued(logger, action.Kind, action.Id, ex is OperationCanceledException ? $"the bus did not take it within {SendNowTimeout.TotalSeconds:0} s" : "sending it failed", ex);
                return false;
            }
        }

        _leftQueued.TryRemove(action.Id, out _);
        Interlocked.Exchange(ref _busDownAt, 0);
        if (sentAt is { } at)
        {
            await RecordSentAsync(action, at, cancellationToken);
        }

        return true;
    }

    /// <summary>The longest isolation time-to-live an action may carry (the API refuses more).</summary>
    public static readonly TimeSpan MaxTtl = TimeSpan.FromDays(30);

    /// <summary>
    /// Sends the command of a queued action, or again for a dispatched one whose command may have been lost (the
    /// timekeeper, past <c>RedispatchAfter</c>). Sending twice is harmless: consumers act once per action id.
    /// </summary>
    public async Task DispatchAsync(ActionRecord action, CancellationToken cancellationToken)
    {
        if (await SendCommandAsync(action, cancellationToken) is { } sentAt)
        {
            await RecordSentAsync(action, sentAt, cancellationToken);
        }
    }

    /// <summary>Hands the action's command to the bus; returns when, or null when it has none (an approved notify, done here).</summary>
    private async Task<DateTimeOffset?> SendCommandAsync(ActionRecord action, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (action.Kind == ActionKinds.Notify)
        {
            await NotifyApprovedAsync(action, cancellationToken);
            return null;
        }

        if (ActionCommands.ToCommand(action, now, Ttl(action)) is not { } command)
        {
            return null;
        }

        await bus.SendAsync(command, cancellationToken);
        ResponderLog.CommandSent(logger, action.Kind, action.Id);
        return now;
    }

    /// <summary>Marks the action dispatched (unless it is further on) with the entry saying its command was sent at <paramref name="now"/>.</summary>
    private async Task RecordSentAsync(ActionRecord action, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var sent = action with { State = ActionStates.Dispatched, UpdatedAt = now };
        var moved = false;

        // The state and the entry saying the command went are one commit (the command's consumer is writing meanwhile).
        // Losing the state's race to the consumer (already done) is fine: the state only moves forward; the entry is
        // written either way, since the command was sent.
        await audit.AppendAsync(
            AuditKinds.CommandSent,
            action.DecidedBy ?? action.RequestedBy,
            action.State == ActionStates.Dispatched
                ? $"sent {action.Kind} for {action.Target} again: not completed {(now - action.UpdatedAt).TotalSeconds:0} s after the last send"
                : $"sent {action.Kind} for {action.Target}",
            cancellationToken,
            actionId: action.Id.ToString(),
            alertId: action.AlertId,
            principal: action.Principal,
            change: async (connection, tx, ct) =>
            {
                moved = await ActionStore.TryUpdateAsync(sent, action.State, connection, tx, ct);
                return true;
            });
        if (moved && action.State != ActionStates.Dispatched)
        {
            telemetry.ActionEntered(sent);
        }
    }

    /// <summary>An approved notify has no command: it is done once its notifications are queued.</summary>
    private async Task NotifyApprovedAsync(ActionRecord action, CancellationToken cancellationToken)
    {
        var alert = action.AlertId is { } alertId ? await alerts.GetAsync(alertId, cancellationToken) : null;
        var detail = alert is null
            ? "no alert to send"
            : (await notifier.AlertFiredAsync(alert.Alert, alert.Status, action.Id, cancellationToken)).Describe();
        await TransitionAsync(
            action.Id,
            [ActionStates.Queued],
            a => a with { State = ActionStates.Done, Detail = detail, UpdatedAt = time.GetUtcNow() },
            AuditKinds.Completed,
            "system",
            a => $"notify for alert {a.AlertId}: {detail}",
            cancellationToken);
    }

    public async Task<(ActionChange Change, ActionRecord? Action)> ApproveAsync(Guid id, string by, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var (change, after) = await TransitionAsync(
            id,
            [ActionStates.PendingApproval],
            a => a with { State = ActionStates.Queued, DecidedAt = now, DecidedBy = by, UpdatedAt = now },
            AuditKinds.Approved,
            by,
            a => $"approved {a.Kind} on {a.Target}",
            cancellationToken);
        if (after is not null && change == ActionChange.Done)
        {
            await TrySendNowAsync(after, cancellationToken);
        }

        return (change, after);
    }

    public Task<(ActionChange Change, ActionRecord? Action)> RejectAsync(Guid id, string by, string? why, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return TransitionAsync(
            id,
            [ActionStates.PendingApproval],
            a => a with { State = ActionStates.Rejected, DecidedAt = now, DecidedBy = by, UpdatedAt = now, Error = why },
            AuditKinds.Rejected,
            by,
            a => $"rejected {a.Kind} on {a.Target}{(why is null ? "" : $": {why}")}",
            cancellationToken);
    }

    public Task<(ActionChange Change, ActionRecord? Action)> ExpireApprovalAsync(ActionRecord action, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return TransitionAsync(
            action.Id,
            [ActionStates.PendingApproval],
            a => a with { State = ActionStates.Expired, UpdatedAt = now, Error = $"nobody approved it by {a.ApprovalExpiresAt:O}" },
            AuditKinds.ApprovalExpired,
            "system",
            a => $"approval of {a.Kind} on {a.Target} expired",
            cancellationToken);
    }

    /// <summary>Moves an active isolation's automatic release to now + <paramref name="ttl"/> (the policy default when null).</summary>
    public Task<(ActionChange Change, ActionRecord? Action)> ExtendAsync(Guid id, TimeSpan? ttl, string by, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var span = ttl ?? policy.IsolationTtl;
        return TransitionAsync(
            id,
            [ActionStates.Active],
            a => a with { ExpiresAt = now + span, TtlSeconds = (long)span.TotalSeconds, UpdatedAt = now },
            AuditKinds.Extended,
            by,
            a => $"extended isolation of {a.Target} until {now + span:O}",
            cancellationToken);
    }

    /// <summary>Starts the release of an active isolation: one release action per isolation, whoever asks.</summary>
    public async Task<(ActionChange Change, ActionRecord? Release)> ReleaseAsync(Guid isolationId, string by, string reason, CancellationToken cancellationToken)
    {
        var isolation = await actions.GetAsync(isolationId, cancellationToken);
        if (isolation is null)
        {
            return (ActionChange.NotFound, null);
        }

        if (isolation.Kind != ActionKinds.IsolateWorkload)
        {
            return (ActionChange.Conflict, isolation);
        }

        var now = time.GetUtcNow();
        if (isolation.State is not (ActionStates.Releasing or ActionStates.Released))
        {
            var (change, after) = await TransitionAsync(
                isolationId,
                [ActionStates.Active],
                a => a with { State = ActionStates.Releasing, UpdatedAt = now },
                AuditKinds.ReleaseRequested,
                by,
                a => $"release of {a.Target} requested: {reason}",
                cancellationToken);

            // A release that lost to another release of the same isolation is that release, not a refusal: before, it was
            // a 409 saying the isolation was active, as read before the other committed.
            if (change != ActionChange.Done && after?.State is not (ActionStates.Releasing or ActionStates.Released))
            {
                return (change, after ?? isolation);
            }
        }

        // One release action per isolation (its id follows from the isolation's): whoever asks, and however often, is
        // answered with the one stored first.
        var release = new ActionRecord
        {
            Id = ActionRecord.DeterministicId("release", isolationId.ToString()),
            Kind = ActionKinds.ReleaseWorkload,
            Mode = by == "ttl" ? ResponseModes.Automatic : ResponseModes.Manual,
            State = ActionStates.Queued,
            AlertId = isolation.AlertId,
            Principal = isolation.Principal,
            WorkloadId = isolation.WorkloadId,
            Namespace = isolation.Namespace,
            WorkloadName = isolation.WorkloadName,
            Cluster = isolation.Cluster,
            IsolationActionId = isolationId,
            Reason = reason,
            Decision = by == "ttl" ? "isolation time-to-live passed" : $"requested by {by}",
            RequestedBy = by,
            CreatedAt = now,
            UpdatedAt = now,
            DecidedAt = now,
            DecidedBy = by,
        };
        var (created, _) = await CreateAsync(release, by, cancellationToken);
        if (created.State != ActionStates.Failed || isolation.State == ActionStates.Released)
        {
            return (ActionChange.Done, created);
        }

        // The isolation's one release failed before (FailAsync put the isolation back in force): this request carries it
        // out again, rather than answering with the failure and sending nothing, which left the isolation releasing for good.
        var (requeued, again) = await TransitionAsync(
            release.Id,
            [ActionStates.Failed],
            a => a with { State = ActionStates.Queued, Error = null, Reason = reason, RequestedBy = by, DecidedBy = by, DecidedAt = now, UpdatedAt = now },
            AuditKinds.ReleaseRequested,
            by,
            a => $"release of {a.Target} requested again after it failed: {reason}",
            cancellationToken);
        if (requeued == ActionChange.Done && again is not null)
        {
            await TrySendNowAsync(again, cancellationToken);
        }

        return (ActionChange.Done, again ?? created);
    }

    /// <summary>
    /// Lifts everything a revocation action put on the revocation list that is still in force, in one commit with one
    /// <c>revocation.lifted</c> entry per entry lifted: all of it is lifted, or (the store or the audit failing) none of it
    /// is. Before, the console lifted each entry with a request of its own, so a failure half-way left a revocation half
    /// lifted. A done or failed revocation may be lifted: a failed one whose entries the list took before another revoker
    /// (an identity provider) failed has them lifted, as a done one, for they are in force; a failed one the list took
    /// nothing of is a conflict naming its state and failure. One still under way or never carried out may not. A repeat of the same lift (same caller and
    /// reason: a retry after a lost answer) answers as the first did and writes nothing; a lift already made otherwise,
    /// or entries past their expiry, is a <see cref="ActionChange.Conflict"/> saying so.
    /// </summary>
    public async Task<RevocationLifted> LiftRevocationAsync(Guid id, string by, string reason, CancellationToken cancellationToken)
    {
        var action = await actions.GetAsync(id, cancellationToken);
        if (action is null)
        {
            return new(ActionChange.NotFound, null, []);
        }

        if (action.Kind is not (ActionKinds.RevokeToken or ActionKinds.RevokeSubjectSessions))
        {
            return new(ActionChange.Conflict, action, [], $"the action is {action.Kind}: only a revocation is lifted (an isolation is released)");
        }

        if (action.State is not (ActionStates.Done or ActionStates.Failed))
        {
            return new(ActionChange.Conflict, action, [], $"the action is {action.State} ({action.Kind}): a revocation is lifted once it is done (or failed)");
        }

        IReadOnlyList<(Contracts.Revocations.Revocation Entry, RevocationLift Lift)> lifted = [];
        IReadOnlyList<ActionEntry> entries = [];
        await audit.AppendChangesAsync(
            async (connection, tx, ct) =>
            {
                (lifted, entries) = await revocations.LiftActionAsync(connection, tx, id, by, reason, ct);
                return [.. lifted.Select(l => RevocationFeedEndpoints.LiftRecord(l.Entry, l.Lift, by, reason, action.AlertId))];
            },
            cancellationToken);
        if (lifted.Count > 0)
        {
            return new(ActionChange.Done, action, [.. lifted.Select(l => l.Lift)]);
        }

        if (entries.Count == 0)
        {
            // A revocation that failed before the list took anything revoked nothing the list could give back.
            return new(ActionChange.Conflict, action, [], action.State == ActionStates.Failed
                ? $"the action is failed ({action.Error ?? "no reason recorded"}) and put nothing of {action.Kind} on {action.Target} on the revocation list: there is nothing to lift"
                : $"nothing of {action.Kind} on {action.Target} is on the revocation list");
        }

        if (entries.All(e => e.Lift is not null && e.LiftedBy == by && e.Lift.Reason == reason))
        {
            return new(ActionChange.Done, action, [.. entries.Select(e => e.Lift!)]);
        }

        return new(ActionChange.Conflict, action, [], "the revocation is not in force: " + string.Join("; ", entries.Select(e => e.Lift is { } lift
            ? $"{RevocationFeedEndpoints.Describe(e.Entry)} was lifted by {e.LiftedBy} at {lift.LiftedAt:O} ({lift.Reason})"
            : $"{RevocationFeedEndpoints.Describe(e.Entry)} expired at {e.Entry.ExpiresAt:O}")));
    }

    /// <summary>
    /// A delivered command's drivers did their work: the action is done, or active for an isolation (its release
    /// due after its time-to-live). A release first marks its isolation released.
    /// </summary>
    public async Task<(ActionChange Change, ActionRecord? Action)> CompleteAsync(ActionRecord action, WorkDone done, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(done);
        var now = time.GetUtcNow();
        if (action is { Kind: ActionKinds.ReleaseWorkload, IsolationActionId: { } isolationId })
        {
            await TransitionAsync(
                isolationId,
                [ActionStates.Active, ActionStates.Releasing],
                a => a with { State = ActionStates.Released, UpdatedAt = now, Detail = $"released: {done.Detail}" },
                AuditKinds.Completed,
                "system",
                a => $"isolation of {a.Target} released",
                cancellationToken);
        }

        return await TransitionAsync(
            action.Id,
            ActionStates.Executable,
            a => a with
            {
                State = done.StaysActive ? ActionStates.Active : ActionStates.Done,
                ExpiresAt = done.StaysActive ? now + Ttl(a) : a.ExpiresAt,
                Attempts = a.Attempts + 1,
                Detail = done.Detail,
                Error = null,
                UpdatedAt = now,
            },
            AuditKinds.Completed,
            "system",
            a => $"{a.Kind} on {a.Target}: {done.Detail}",
            cancellationToken);
    }

    /// <summary>
    /// An attempt failed and will be retried: counted, with the reason. When another delivery of the same command has
    /// meanwhile ended the action (a command sent again — the timekeeper's re-send, a broker's redelivery — taken by a
    /// second consumer while this one's driver call was failing), the record stays as that delivery left it, but the failed
    /// call is still written to the trail: the driver was called and refused, and the audit says so. Returns the action
    /// as stored; <see cref="ActionChange.Conflict"/> when it had already left the executable states.
    /// </summary>
    public async Task<(ActionChange Change, ActionRecord? Action)> AttemptFailedAsync(Guid id, int attempt, string reason, CancellationToken cancellationToken)
    {
        var (change, after) = await TransitionAsync(
            id,
            ActionStates.Executable,
            a => a with { Attempts = a.Attempts + 1, Error = reason, UpdatedAt = time.GetUtcNow() },
            AuditKinds.AttemptFailed,
            "system",
            a => $"attempt {attempt} of {a.Kind} on {a.Target} failed: {reason}",
            cancellationToken);
        if (change == ActionChange.Conflict && after is not null)
        {
            await audit.AppendAsync(
                AuditKinds.AttemptFailed,
                "system",
                $"attempt {attempt} of {after.Kind} on {after.Target} failed after the action was already {after.State}: {reason}",
                cancellationToken,
                actionId: id.ToString(),
                alertId: after.AlertId,
                principal: after.Principal);
        }

        return (change, after);
    }

    /// <summary>The action cannot or will no longer be carried out. A failed release puts its isolation back in force.</summary>
    public async Task<(ActionChange Change, ActionRecord? Action)> FailAsync(ActionRecord action, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        var now = time.GetUtcNow();
        var (change, after) = await TransitionAsync(
            action.Id,
            ActionStates.Executable,
            a => a with { State = ActionStates.Failed, Attempts = a.Attempts + 1, Error = reason, UpdatedAt = now },
            AuditKinds.Failed,
            "system",
            a => $"{a.Kind} on {a.Target} failed: {reason}",
            cancellationToken);
        if (change == ActionChange.Done && after is { Kind: ActionKinds.ReleaseWorkload, IsolationActionId: { } isolationId })
        {
            // The workload is still isolated: put it back to active so a responder can try the release again.
            await TransitionAsync(
                isolationId,
                [ActionStates.Releasing],
                a => a with { State = ActionStates.Active, Error = $"release failed: {reason}", UpdatedAt = now },
                AuditKinds.Failed,
                "system",
                a => $"release of {a.Target} failed; isolation stays in force",
                cancellationToken);
        }

        return (change, after);
    }

    /// <summary>Reads, checks the state, writes with compare-and-set and audits before/after; retries a lost race a few times.</summary>
    public async Task<(ActionChange Change, ActionRecord? Action)> TransitionAsync(
        Guid id,
        IReadOnlyCollection<string> from,
        Func<ActionRecord, ActionRecord> change,
        string auditKind,
        string actor,
        Func<ActionRecord, string> summary,
        CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var before = await actions.GetAsync(id, cancellationToken);
            if (before is null)
            {
                return (ActionChange.NotFound, null);
            }

            if (!from.Contains(before.State))
            {
                return (ActionChange.Conflict, before);
            }

            var after = change(before);

            // The compare-and-set and its audit entry are one commit: both or neither.
            if (await audit.AppendAsync(
                auditKind,
                actor,
                summary(after),
                cancellationToken,
                actionId: id.ToString(),
                alertId: after.AlertId,
                principal: after.Principal,
                beforeJson: Json(before),
                afterJson: Json(after),
                change: (connection, tx, ct) => ActionStore.TryUpdateAsync(after, before.State, connection, tx, ct)))
            {
                if (after.State != before.State)
                {
                    telemetry.ActionEntered(after);
                }

                return (ActionChange.Done, after);
            }
        }

        return (ActionChange.Conflict, await actions.GetAsync(id, cancellationToken));
    }

    /// <summary>
    /// The action's time-to-live, at most <see cref="MaxTtl"/>: an out-of-range value stored before the API bounded it
    /// must not overflow the time arithmetic of every later dispatch.
    /// </summary>
    public TimeSpan Ttl(ActionRecord action) =>
        action.TtlSeconds is { } s ? TimeSpan.FromSeconds(Math.Clamp(s, 1, (long)MaxTtl.TotalSeconds)) : policy.IsolationTtl;

    public static string Json(ActionRecord action) => JsonSerializer.Serialize(action, ResponderJsonContext.Default.ActionRecord);
}
