namespace ZtStream.Responder.Alerts;

/// <summary>
/// What a status change did: the alert after it, and the suppressions it created or lifted; <see cref="Changed"/> is
/// false when the alert already had the status (nothing was written).
/// </summary>
internal sealed record TriageOutcome(StoredAlert Alert, IReadOnlyList<SuppressionRecord> Suppressions, bool Changed = true);

/// <summary>
/// Every triage change of an alert — status, assignee, comment — in one place: stored with its history entry, audited
/// with the state before and after, and, for verdicts, kept in step with the suppressions: marking an alert a false
/// positive creates one (bounded by the caller's role), leaving false positive lifts them. Reversing a closed status
/// needs a reason.
/// </summary>
internal sealed class TriageService(AlertStore alerts, SuppressionService suppressions, AuditLog audit, Notifier notifier)
{
    public const int MaxNote = Bounds.MaxReasonLength;
    public const int MaxAssignee = 200;

    /// <summary>
    /// Sets the status. With <paramref name="seen"/> (the alert's <c>version</c> the caller decided on: the console sends
    /// the one its page was drawn from) a change to an alert that has changed since is refused (409) rather than made over
    /// a colleague's change the caller never saw. The version is compared again where the status is written, in the same
    /// transaction (<see cref="AlertStore.ChangeAsync"/>), as for an assignment: of two changes sent with the same version
    /// one is made and the other refused. A change decided on the alert as read here (its note, its suppression) that
    /// loses to one committed meanwhile is refused too, with or without a version, and the suppression it made is lifted.
    /// </summary>
    public async Task<(TriageOutcome? Outcome, Problem? Problem)> SetStatusAsync(
        string alertId, string? status, string? note, SuppressionRequest? suppression, Caller caller, CancellationToken cancellationToken, long? seen = null)
    {
        var errors = new List<ItemError>();
        if (!AlertStatuses.IsKnown(status))
        {
            errors.Add(new ItemError(0, "status", $"must be one of {string.Join(", ", AlertStatuses.All)}"));
        }

        errors.AddRange(Bounds.Text("note", note, MaxNote));
        if (status != AlertStatuses.FalsePositive)
        {
            errors.AddRange(SuppressionMembersWithout(suppression));
        }

        if (errors.Count > 0)
        {
            return (null, Problems.Invalid(errors));
        }

        var current = await alerts.GetAsync(alertId, cancellationToken);
        if (current is null)
        {
            return (null, NoAlert(alertId));
        }

        if (current.Status == status)
        {
            return (new TriageOutcome(current, [], Changed: false), null);
        }

        // Refused here before any suppression is made or lifted; compared again where the status is written.
        if (seen is { } version && current.Version != version)
        {
            return (null, ChangedSince(current, version));
        }

        if (AlertStatuses.IsClosed(current.Status) && string.IsNullOrWhiteSpace(note))
        {
            return (null, Problems.Invalid([new ItemError(0, "note", $"the alert is closed as {current.Status}; changing that needs a reason")]));
        }

        var made = new List<SuppressionRecord>();
        SuppressionRecord? created = null;
        IReadOnlyList<SuppressionRecord> toLift = [];
        if (status == AlertStatuses.FalsePositive)
        {
            // The suppression first: if the caller may not make it, or the log cannot take it, the status stays.
            (created, var problem) = await suppressions.CreateAsync(current, (suppression ?? new SuppressionRequest()) with { Note = note }, caller, cancellationToken);
            if (problem is not null)
            {
                return (null, problem);
            }

            made.Add(created!);
        }
        else if (current.Status == AlertStatuses.FalsePositive)
        {
            // Told to the Verifier now, lifted in the status change's transaction below: a change refused there lifts nothing.
            (toLift, var problem) = await suppressions.AnnounceLiftsAsync(alertId, caller, cancellationToken);
            if (problem is not null)
            {
                return (null, problem);
            }
        }

        var closed = AlertStatuses.IsClosed(status);
        var liftReason = $"alert {alertId} re-marked {status}: {note}";
        // The status write failed (its transaction rolled back): a false positive the store never recorded must not leave
        // its suppression switched on, and the lifts it announced did not happen. Undone as for a refusal below.
        var write = await SuppressionService.UndoneOnFailureAsync(
            () => alerts.ChangeAsync(
                audit,
                alertId,
                caller.Name,
                current.Version,
                s => s.Status == status ? null : new TriageChange(closed ? "verdict" : "status", status!, closed ? caller.Name : null, s.Assignee, Detail($"{s.Status} → {status}", note)),
                (before, after) => Entry(closed ? AuditKinds.Verdict : AuditKinds.AlertStatus, caller, before, after, $"{before.Status} → {status} on alert {alertId}", note),
                cancellationToken,
                toLift.Count == 0 ? null : (connection, tx, ct) => suppressions.LiftAsync(connection, tx, toLift, liftReason, caller, made, ct)),
            () => UndoAsync(alertId, status!, created, toLift, caller, "the status could not be stored", cancellationToken),
            $"alert {alertId}: the status write failed, and undoing what it made failed too");

        if (write.After is null)
        {
            // Another change was committed between the read above and the write: what this one made is undone, and the
            // suppressions it would have lifted stay, as the Verifier is told again.
            await UndoAsync(alertId, status!, created, toLift, caller, "the alert changed meanwhile", cancellationToken);

            return write switch
            {
                { Before: null } => (null, NoAlert(alertId)),
                { Stale: true } => (null, ChangedSince(write.Before, seen ?? current.Version)),
                _ => (new TriageOutcome(write.Before, [], Changed: false), null),
            };
        }

        // Paging targets follow the triage: an alert being worked is acknowledged there, a closed one resolved.
        await notifier.StatusChangedAsync(write.After.Alert, status!, cancellationToken);
        return (new TriageOutcome(write.After, made), null);
    }

    /// <summary>
    /// Undoes what a status change that was not stored made before its write: lifts the suppression it created and tells
    /// the Verifier again each suppression it announced as lifted, as stored.
    /// </summary>
    private async Task UndoAsync(
        string alertId, string status, SuppressionRecord? created, IReadOnlyList<SuppressionRecord> announced, Caller caller, string why, CancellationToken cancellationToken)
    {
        if (created is not null)
        {
            await suppressions.LiftAsync(created.Id, $"the change of alert {alertId} to {status} was refused: {why}", caller, cancellationToken);
        }

        await suppressions.RestoreAsync(announced, caller, cancellationToken);
    }

    /// <summary>
    /// The suppression's members sent with a status that makes none: each an error naming it, so a scope, rules, expiry
    /// or cluster meant for a false positive is never dropped while the status is written without it.
    /// </summary>
    private static IEnumerable<ItemError> SuppressionMembersWithout(SuppressionRequest? suppression)
    {
        const string Reason = "is taken only with false_positive, whose suppression it shapes";
        if (suppression?.Rules is not null)
        {
            yield return new ItemError(0, "rules", Reason);
        }

        if (suppression?.Scope is not null)
        {
            yield return new ItemError(0, "scope", Reason);
        }

        if (suppression?.ExpiresAt is not null)
        {
            yield return new ItemError(0, "expires_at", Reason);
        }

        if (suppression?.Cluster is not null)
        {
            yield return new ItemError(0, "cluster", Reason);
        }
    }

    /// <summary>Assigns (or with null unassigns); <paramref name="seen"/> as for <see cref="SetStatusAsync"/>, checked in the change's transaction.</summary>
    public async Task<(StoredAlert? Alert, Problem? Problem)> AssignAsync(
        string alertId, string? assignee, Caller caller, CancellationToken cancellationToken, long? seen = null)
    {
        assignee = string.IsNullOrWhiteSpace(assignee) ? null : assignee.Trim();
        if (assignee == AlertQuery.Unassigned)
        {
            return (null, Problems.Invalid([new ItemError(0, "assignee", $"a name other than '{AlertQuery.Unassigned}' (null unassigns)")]));
        }

        if (Bounds.Refusal(Bounds.Id("assignee", assignee, MaxAssignee)) is { } badName)
        {
            return (null, badName);
        }

        var write = await alerts.ChangeAsync(
            audit,
            alertId,
            caller.Name,
            seen,
            s => s.Assignee == assignee ? null : new TriageChange("assigned", s.Status, s.VerdictBy, assignee, assignee is null ? $"unassigned (was {s.Assignee})" : $"assigned to {assignee}"),
            (before, after) => Entry(AuditKinds.AlertAssigned, caller, before, after, assignee is null ? $"alert {alertId} unassigned" : $"alert {alertId} assigned to {assignee}", null),
            cancellationToken);
        return write switch
        {
            { Before: null } => (null, NoAlert(alertId)),
            { Stale: true } => (null, ChangedSince(write.Before, seen!.Value)),
            _ => (write.After ?? write.Before, null),
        };
    }

    /// <summary>
    /// Adds a comment to the alert's history. With <paramref name="requestId"/> (an <c>Idempotency-Key</c>'s request) the
    /// comment is written once for it: a run of that request again answers the alert as it stands.
    /// </summary>
    public async Task<(StoredAlert? Alert, Problem? Problem)> CommentAsync(string alertId, string? text, Caller caller, CancellationToken cancellationToken, Guid? requestId = null)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, Problems.Invalid([new ItemError(0, "text", $"a comment of 1 to {MaxNote} characters is required")]));
        }

        if (Bounds.Refusal(Bounds.Text("text", text, MaxNote)) is { } badText)
        {
            return (null, badText);
        }

        var write = await alerts.ChangeAsync(
            audit,
            alertId,
            caller.Name,
            seen: null,
            s => new TriageChange("comment", s.Status, s.VerdictBy, s.Assignee, text, requestId),
            (before, _) => new AuditRecord(AuditKinds.AlertComment, caller.Name, $"comment on alert {alertId}: {text}", AlertId: alertId, Principal: before.Alert.Principal),
            cancellationToken);
        return write.After is null ? (null, NoAlert(alertId)) : (write.After, null);
    }

    /// <summary>The audit entry of a status or assignment: the triage state before and after.</summary>
    private static AuditRecord Entry(string kind, Caller caller, StoredAlert before, StoredAlert after, string summary, string? note) => new(
        kind,
        caller.Name,
        note is null ? summary : $"{summary}: {note}",
        AlertId: after.Alert.Id,
        Principal: after.Alert.Principal,
        BeforeJson: State(before),
        AfterJson: State(after));

    private static string State(StoredAlert s) =>
        JsonSerializer.Serialize(new TriageState(s.Status, s.Assignee, s.VerdictBy), ResponderJsonContext.Default.TriageState);

    private static Problem ChangedSince(StoredAlert now, long seen) => Problems.Stale(
        now.Version,
        $"alert {now.Alert.Id} has changed since version {seen} was read: it is now {now.Status}, assigned to {now.Assignee ?? "nobody"} (version {now.Version}); read it again and decide on that");

    /// <summary>The answer for an alert id the store does not hold.</summary>
    private static Problem NoAlert(string alertId) => Problems.Of(404, $"no alert {alertId}");

    private static string Detail(string what, string? note) => string.IsNullOrWhiteSpace(note) ? what : $"{what}: {note}";
}

/// <summary>The triage state recorded before and after a change in the audit trail.</summary>
internal sealed record TriageState(string Status, string? Assignee, string? VerdictBy);
