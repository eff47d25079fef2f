using ZtStream.Contracts.Events;

namespace ZtStream.Responder.Policy;

/// <summary>
/// Turns an alert into actions: every matching rule proposes one; protected targets and an exhausted
/// blast-radius budget send automatic actions to approval, and the first one deferred in a window raises the
/// window's one "response storm" alert. Decisions are serialised in this process so the budget count and the
/// insert that consumes it cannot interleave.
/// </summary>
internal sealed class ResponseDecider(
    ResponsePolicy policy,
    ActionStore actions,
    ActionService service,
    BlastRadiusLedger ledger,
    AlertStore alerts,
    AuditLog audit,
    Notifier notifier,
    TimeProvider time,
    ILogger<ResponseDecider> logger) : IDisposable
{
    public const string StormRule = "blast_radius_budget";
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<IReadOnlyList<ActionRecord>> DecideAsync(Alert alert, CancellationToken cancellationToken)
    {
        if (alert.RaisedBy is not null)
        {
            return [];
        }

        // A staged rule's alert is on trial: shown and judged, never acted on or notified about, whatever the policy's
        // rules match (its score is what the staged rules would add, so a score threshold alone would not stop it).
        if (alert.Staged)
        {
            return [];
        }

        var decided = new List<ActionRecord>();
        var toDispatch = new List<ActionRecord>();
        // CreateAsync sends the command of an automatic action while the gate is held: sending is quick, and the
        // budget count then never sees a decided action that has not been stored.
        await _gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var rule in policy.Rules)
            {
                if (!rule.Matches(alert))
                {
                    continue;
                }

                var proposal = Propose(rule, alert, out var skipped);
                if (proposal is null)
                {
                    await audit.AppendAsync(
                        AuditKinds.Decision,
                        $"policy:{rule.Name}",
                        $"{rule.Action} skipped: {skipped}",
                        cancellationToken,
                        alertId: alert.Id,
                        principal: alert.Principal);
                    continue;
                }

                var existing = await actions.GetAsync(proposal.Id, cancellationToken);
                if (existing is not null)
                {
                    // Decided before (redelivery or an update of a deduplicated alert); a crash may have left it unsent.
                    if (existing.State == ActionStates.Queued)
                    {
                        toDispatch.Add(existing);
                    }

                    // A notify decided once tells the routes again of each higher count (once per count: the outbox's key).
                    await NotifyAsync(existing, alert, cancellationToken);
                    continue;
                }

                var action = await ApplyLimitsAsync(rule, proposal, alert, cancellationToken);
                var (stored, isNew) = await service.CreateAsync(action, $"policy:{rule.Name}", cancellationToken);
                if (isNew)
                {
                    decided.Add(stored);
                }

                await NotifyAsync(stored, alert, cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }

        foreach (var action in toDispatch)
        {
            await service.TrySendNowAsync(action, cancellationToken);
        }

        return decided;
    }

    private async Task<ActionRecord> ApplyLimitsAsync(PolicyRule rule, ActionRecord proposal, Alert alert, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var mode = rule.Mode;
        var decision = $"rule {rule.Name}: {rule.Mode}";
        if (policy.DryRun)
        {
            mode = ResponseModes.DryRun;
            decision = $"rule {rule.Name}: the policy is in dry-run mode";
        }
        else if (mode == ResponseModes.Automatic && proposal.Kind != ActionKinds.Notify)
        {
            if (policy.IsProtectedSubject(proposal.SubjectId) && proposal.Kind is ActionKinds.RevokeToken or ActionKinds.RevokeSubjectSessions)
            {
                mode = ResponseModes.Approval;
                decision = $"rule {rule.Name}: subject {proposal.SubjectId} is protected, never acted on automatically";
            }
            else if (proposal.Kind == ActionKinds.IsolateWorkload && policy.IsProtectedWorkload(proposal.WorkloadId, proposal.Namespace, proposal.WorkloadName))
            {
                mode = ResponseModes.Approval;
                decision = $"rule {rule.Name}: workload {proposal.Target} is protected, never acted on automatically";
            }
            else if ((rule.RequireEvidenceScope ?? policy.RequireEvidenceScope) && Unvouched(alert, proposal) is { } unvouched)
            {
                mode = ResponseModes.Approval;
                decision = $"rule {rule.Name}: {unvouched}; waiting for approval";
            }
            else
            {
                // The budget's slots are in the store all instances share, taken under one lock: two Responders
                // deciding at once cannot both take the last slot.
                var exceeded = await ledger.TryTakeAsync(proposal.Id, proposal.Namespace, proposal.Cluster, now, policy.Budget, cancellationToken);
                if (exceeded is not null)
                {
                    mode = ResponseModes.Approval;
                    decision = $"rule {rule.Name}: blast-radius budget exhausted ({exceeded}); waiting for approval";
                    ResponderLog.BudgetExhausted(logger, proposal.Kind, proposal.Target, exceeded);
                    await RaiseStormAsync(proposal, exceeded, now, cancellationToken);
                }
            }
        }

        var state = mode switch
        {
            ResponseModes.Automatic when proposal.Kind == ActionKinds.Notify => ActionStates.Done,
            ResponseModes.Automatic => ActionStates.Queued,
            ResponseModes.DryRun => ActionStates.DryRun,
            _ => ActionStates.PendingApproval,
        };
        return proposal with
        {
            CreatedAt = now,
            UpdatedAt = now,
            Mode = mode,
            State = state,
            Decision = decision,
            DecidedAt = mode == ResponseModes.Approval ? null : now,
            DecidedBy = mode == ResponseModes.Approval ? null : $"policy:{rule.Name}",
            ApprovalExpiresAt = mode == ResponseModes.Approval ? now + policy.ApprovalExpiry : null,
            Detail = state == ActionStates.Done ? "sent to the notification routes the alert matches" : null,
        };
    }

    /// <summary>A notify action in force (decided automatically or approved) sends the alert to the routes it matches.</summary>
    private async Task NotifyAsync(ActionRecord action, Alert alert, CancellationToken cancellationToken)
    {
        if (action.Kind == ActionKinds.Notify && action.State == ActionStates.Done)
        {
            await notifier.AlertFiredAsync(alert, AlertStatuses.Open, action.Id, cancellationToken);
        }
    }

    /// <summary>
    /// One storm alert per budget window (fixed buckets); each action held in the window raises its count by one. The
    /// count and its audit entry commit together (as an alert flood's merge does), counted once per held action: a
    /// failure between them used to leave a count with no entry, and the redelivery that decided the action again
    /// counted it twice.
    /// </summary>
    private async Task RaiseStormAsync(ActionRecord held, string why, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var windowTicks = policy.Budget.Window.Ticks;
        var bucket = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % windowTicks), TimeSpan.Zero);
        var id = $"response-storm-{bucket.ToUnixTimeSeconds()}";
        var storm = await alerts.MergeAsync(
            audit,
            id,
            held.Id.ToString(),
            mergedCount: 0,
            existing =>
            {
                var count = (existing?.Alert.Count ?? 0) + 1;
                var alert = new Alert
                {
                    Id = id,
                    DedupKey = $"ztstream-responder|{Detectors.Responder}|{StormRule}|{bucket:O}",
                    Principal = "ztstream-responder",
                    Detector = Detectors.Responder,
                    Score = 95,
                    Severity = Severities.Critical,
                    Reasons = [new AlertReason(Detectors.Responder, StormRule, 95, $"response storm: {count} actions held for approval since {bucket:O}; {why}")],
                    EvidenceEventIds = [],
                    FirstSeen = existing?.Alert.FirstSeen ?? now,
                    LastSeen = now,
                    Count = count,
                    RaisedBy = "responder",
                };
                var after = JsonSerializer.Serialize(alert, ContractsJsonContext.Default.Alert);
                var entry = existing is null
                    ? new AuditRecord(AuditKinds.StormRaised, "system", $"response storm alert {id}: {why}", ActionId: held.Id.ToString(), AlertId: id, Principal: alert.Principal, AfterJson: after)
                    : new AuditRecord(
                        AuditKinds.AlertUpdated,
                        "system",
                        $"response storm alert {id}: {held.Kind} on {held.Target} held for approval, {count} since {bucket:O}; {why}",
                        ActionId: held.Id.ToString(),
                        AlertId: id,
                        Principal: alert.Principal,
                        BeforeJson: JsonSerializer.Serialize(existing.Alert, ContractsJsonContext.Default.Alert),
                        AfterJson: after);
                return (alert, $"held {held.Kind} on {held.Target} ({held.Id}) for approval: {why}", entry);
            },
            cancellationToken);
        if (storm is { Count: 1 })
        {
            ResponderLog.ResponseStorm(logger, id, why);
        }
    }

    /// <summary>
    /// Why the alert's evidence does not vouch for the action's target (null when it does): a revocation needs evidence
    /// whose every source's scope limits the subjects it may speak for, an isolation one that limits the workloads.
    /// </summary>
    private static string? Unvouched(Alert alert, ActionRecord proposal)
    {
        var (needed, noun, target) = proposal.Kind switch
        {
            ActionKinds.RevokeToken or ActionKinds.RevokeSubjectSessions => (SourceScopes.Subject, "subjects", $"subject {proposal.SubjectId ?? alert.Principal}"),
            ActionKinds.IsolateWorkload => (SourceScopes.Workload, "namespaces or workloads", proposal.Target),
            _ => (null, "", ""),
        };
        if (needed is null || alert.EvidenceScope?.Contains(needed) == true)
        {
            return null;
        }

        var sources = alert.EvidenceSources is { Count: > 0 } s ? $"source(s) {string.Join(", ", s)}" : "sources it does not name";
        return $"the evidence does not vouch for {target}: it came from {sources}, and not every one has a scope that limits the {noun} it may speak for";
    }

    private static ActionRecord? Propose(PolicyRule rule, Alert alert, out string? skipped)
    {
        ActionRecord Base(params string?[] target) => new()
        {
            Id = ActionRecord.DeterministicId([alert.Id, rule.Action, .. target]),
            Kind = rule.Action,
            Mode = rule.Mode,
            State = ActionStates.PendingApproval,
            AlertId = alert.Id,
            Rule = rule.Name,
            Principal = alert.Principal,
            SubjectId = alert.SubjectId,
            Reason = $"alert {alert.Id} ({alert.Severity}, score {alert.Score}): {alert.Reasons.FirstOrDefault()?.Text ?? alert.Detector}",
            Decision = "",
            RequestedBy = $"policy:{rule.Name}",
            CreatedAt = alert.LastSeen,
            UpdatedAt = alert.LastSeen,
        };

        skipped = $"the alert names no {TargetNoun(rule.Action)}";
        if (rule.Action == ActionKinds.IsolateWorkload && alert.Workload is { } target && WorkloadTargets.NotAWorkload(target.Id, target.Name) is { } notAWorkload)
        {
            skipped = notAWorkload;
            return null;
        }

        return rule.Action switch
        {
            ActionKinds.RevokeToken when alert.Token is { } t && (t.Jti is not null || t.SessionId is not null) =>
                Base(t.Jti, t.SessionId) with { Jti = t.Jti, SessionId = t.SessionId, ClientId = t.ClientId, TokenExpiresAt = t.ExpiresAt },
            ActionKinds.RevokeSubjectSessions when alert.SubjectId is not null => Base(alert.SubjectId),
            // An exec alert's target is the pod exec'd into, not the actor's workload: that is the one to cut off.
            // The cluster is part of the target (prod/api in two clusters is two workloads, two actions); a workload naming
            // none keeps the id it had before clusters were named.
            ActionKinds.IsolateWorkload when (alert.TargetWorkload ?? alert.Workload) is { } w =>
                (w.Cluster is null ? Base(w.Id) : Base(w.Id, w.Cluster)) with { WorkloadId = w.Id, Namespace = w.Namespace, WorkloadName = w.Name, Cluster = w.Cluster },
            ActionKinds.Notify => Base(),
            _ => null,
        };
    }

    private static string TargetNoun(string action) => action switch
    {
        ActionKinds.RevokeToken => "token id or session id",
        ActionKinds.RevokeSubjectSessions => "subject",
        ActionKinds.IsolateWorkload => "workload",
        _ => "target",
    };

    public void Dispose() => _gate.Dispose();
}
