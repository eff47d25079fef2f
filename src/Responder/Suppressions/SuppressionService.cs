namespace ZtStream.Responder.Suppressions;

/// <summary>
/// What a suppression made from an alert covers; every member optional (the defaults are the narrowest).
/// <paramref name="Cluster"/>: the cluster it holds in, one the alert names (its default: the cluster of a cluster-local
/// principal, or of the namespace a namespace scope names; else every cluster), or <see cref="SuppressionRecord.EveryCluster"/>
/// for every cluster on purpose.
/// </summary>
internal sealed record SuppressionRequest(List<string>? Rules = null, string? Scope = null, DateTimeOffset? ExpiresAt = null, string? Note = null, string? Cluster = null);

/// <summary>
/// Makes, narrows and lifts suppressions, bounding what each role may switch off: an analyst only the alert's own
/// <c>detector/rule</c> reasons, for the alert's principal; a responder also a whole detector, any rule (<c>*</c>), a
/// namespace or everyone. Every suppression expires within <see cref="MaxLifetime"/>. The Verifier learns each change
/// through <c>zt.feedback.v1</c> before it is stored, so what the store lists is what the Verifier applies; a change whose
/// write then fails is followed there by the suppression as stored. Each change takes the suppression's next
/// <see cref="SuppressionRecord.Version"/> in the transaction that writes it with its audit entry.
/// </summary>
internal sealed class SuppressionService(
    SuppressionStore suppressions,
    IEventLog log,
    AuditLog audit,
    IOptions<ResponderOptions> options,
    TimeProvider time)
{
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(90);

    /// <summary>How often a narrowing is decided again on a suppression others keep narrowing before it is refused.</summary>
    private const int MaxNarrowAttempts = 3;

    /// <summary>
    /// Validates and creates a suppression from <paramref name="alert"/>; returns it, or the problem. With
    /// <paramref name="requestId"/> (an <c>Idempotency-Key</c>'s request) its id is derived from it, and a suppression
    /// that request already made (its answer lost in a crash) is answered as it is, the Verifier told nothing again: it may
    /// have been narrowed or lifted since. One that another run of the request makes between the check and the insert (a
    /// first run stalled past its lease, racing its retry) is answered as it is too, after the Verifier, told this run's,
    /// is told it as stored.
    /// </summary>
    public async Task<(SuppressionRecord? Suppression, Problem? Problem)> CreateAsync(
        StoredAlert alert, SuppressionRequest request, Caller caller, CancellationToken cancellationToken, Guid? requestId = null)
    {
        var id = SuppressionRecord.IdFrom(requestId ?? Guid.NewGuid());
        if (requestId is not null && await suppressions.GetAsync(id, cancellationToken) is { } made)
        {
            return (made, null);
        }

        var now = time.GetUtcNow();
        var (validated, problem) = Validate(id, alert.Alert, request, caller, now);
        if (validated is not { } record)
        {
            return (null, problem);
        }

        if (await PublishAsync(Feedback(record, caller.Name, now, lifted: false), cancellationToken) is { } unavailable)
        {
            return (null, unavailable);
        }

        var inserted = await AuditedAsync(
            AuditKinds.SuppressionCreated,
            "of",
            null,
            record,
            alert.Alert.Principal,
            (connection, tx, ct) => suppressions.TryInsertAsync(connection, tx, record, ct),
            caller,
            cancellationToken);
        if (!inserted)
        {
            // Another run of the same request made it since the check above: this run stalled past its claim's lease and the
            // retry that took the claim over went ahead. Answer that one, as a retry after a crash does; the Verifier, told of
            // this run's (another expiry, counted from this run's start), is told the one stored.
            await RestoreAsync([record], caller, cancellationToken);
            return (await suppressions.GetAsync(id, cancellationToken) ?? record, null);
        }

        return (record, null);
    }

    /// <summary>
    /// Narrows an active suppression: fewer of its rules, a narrower scope, an earlier expiry. The narrowing is decided on
    /// the suppression as read and written only while it is still at the version read: one narrowed meanwhile by someone
    /// else is read again and the request decided on that (a narrowing of the expiry keeps the other's fewer rules instead
    /// of writing the wider ones back), one lifted meanwhile is a 409. With <paramref name="seen"/> (the version the caller
    /// decided on) a suppression changed since is a 409 with its <c>current_version</c>, never decided again: the caller
    /// saw a suppression that is no longer there. The Verifier, told of each attempt before its write, is told the
    /// suppression as stored after one that lost or failed.
    /// </summary>
    public async Task<(SuppressionRecord? Suppression, Problem? Problem)> NarrowAsync(
        string id, StoredAlert? alert, SuppressionRequest request, Caller caller, CancellationToken cancellationToken, long? seen = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (before, missing) = await StoredAsync(id, seen, cancellationToken);
            if (before is null)
            {
                return (null, missing);
            }

            if (before.State != SuppressionStates.Active)
            {
                return (null, Problems.Of(409, $"suppression {id} is {before.State}; only an active one can be narrowed"));
            }

            var (after, problem) = Narrowed(before, alert, request);
            if (problem is not null)
            {
                return (null, problem);
            }

            if (await PublishAsync(Feedback(after!, caller.Name, after!.UpdatedAt, lifted: false), cancellationToken) is { } unavailable)
            {
                return (null, unavailable);
            }

            // The entry's before is the suppression the narrowing replaced.
            var narrowed = await AuditedAsync(
                AuditKinds.SuppressionNarrowed,
                "narrowed to",
                before,
                after,
                alert?.Alert.Principal,
                (connection, tx, ct) => suppressions.NarrowAsync(connection, tx, before, after, ct),
                caller,
                cancellationToken);
            if (narrowed)
            {
                return (after, null);
            }

            // Lifted or narrowed meanwhile. A next attempt tells the Verifier again; a last one, or one decided on a version,
            // tells it what is stored, so this narrowing, published above, does not outlive the change it lost to.
            var now = await suppressions.GetAsync(id, cancellationToken);
            if (now is { State: SuppressionStates.Active } && seen is null && attempt < MaxNarrowAttempts)
            {
                continue;
            }

            await RestoreAsync([before], caller, cancellationToken);
            return (null, Lost(now ?? before, seen, "narrowed"));
        }
    }

    /// <summary>
    /// Writes a suppression made or narrowed (<paramref name="change"/>: <paramref name="before"/>, null for a new one,
    /// becomes <paramref name="after"/>) with its audit entry, which names it as <paramref name="how"/> its rules, scope and
    /// expiry. Both commit together: a suppression is never stored unaudited, nor audited unstored. When the write fails,
    /// the Verifier, told already, is told again the suppression as stored.
    /// </summary>
    private async Task<bool> AuditedAsync(
        string kind,
        string how,
        SuppressionRecord? before,
        SuppressionRecord after,
        string? principal,
        Func<DbConnection, DbTransaction, CancellationToken, Task<bool>> change,
        Caller caller,
        CancellationToken cancellationToken) =>
        await StoredOrToldAgainAsync(
            () => audit.AppendAsync(
                kind,
                caller.Name,
                $"suppression {after.Id} {how} {string.Join(", ", after.Rules)} for {Describe(after)} until {after.ExpiresAt:O}",
                cancellationToken,
                alertId: after.AlertId,
                principal: principal,
                beforeJson: before is null ? null : Json(before),
                afterJson: Json(after),
                change: change),
            [before ?? after],
            caller,
            cancellationToken);

    /// <summary>What <paramref name="request"/> narrows <paramref name="before"/> to, or why it does not narrow it.</summary>
    private (SuppressionRecord? After, Problem? Problem) Narrowed(SuppressionRecord before, StoredAlert? alert, SuppressionRequest request)
    {
        var errors = Limits(request);
        var rules = request.Rules is { Count: > 0 } r ? r.Distinct(StringComparer.Ordinal).ToList() : [.. before.Rules];
        var wider = rules.Where(x => !before.Rules.Any(b => Covers(b, x))).ToList();
        if (wider.Count > 0)
        {
            errors.Add(new ItemError(0, "rules", $"narrowing keeps a subset of the suppression's rules ({string.Join(", ", before.Rules)}); not covered: {string.Join(", ", wider)}"));
        }

        var scope = request.Scope ?? before.Scope;
        if (!SuppressionScopes.All.Contains(scope))
        {
            errors.Add(new ItemError(0, "scope", $"must be one of {string.Join(", ", SuppressionScopes.All)}"));
        }
        else if (!SuppressionScopes.Narrows(before.Scope, scope))
        {
            errors.Add(new ItemError(0, "scope", $"{before.Scope} cannot narrow to {scope}"));
        }

        var expires = request.ExpiresAt ?? before.ExpiresAt;
        if (expires > before.ExpiresAt)
        {
            errors.Add(new ItemError(0, "expires_at", $"narrowing cannot extend the expiry beyond {before.ExpiresAt:O}"));
        }
        else if (expires <= time.GetUtcNow())
        {
            errors.Add(new ItemError(0, "expires_at", "must be in the future (lift the suppression to end it now)"));
        }

        if (errors.Count > 0)
        {
            return (null, Problems.Invalid(errors));
        }

        var (principal, ns, rc) = Target(scope, alert?.Alert, before);
        if (scope == SuppressionScopes.Namespace && ns is null)
        {
            return (null, Problems.Invalid([new ItemError(0, "scope", "the alert names no namespace")]));
        }

        // One held in every cluster on purpose stays so unless a cluster is asked for (a narrowing to one).
        var asked = request.Cluster ?? (before.Cluster == SuppressionRecord.EveryCluster ? SuppressionRecord.EveryCluster : null);
        var (cluster, clusterError) = alert is null ? (asked ?? before.Cluster, null) : ClusterOf(scope, alert.Alert, asked);
        if (clusterError is null && before.Cluster is { } held && held != SuppressionRecord.EveryCluster && !string.Equals(cluster, held, StringComparison.Ordinal))
        {
            clusterError = new ItemError(0, "cluster", $"the suppression holds in cluster {held} only; a narrowing cannot make it hold {(cluster is null or SuppressionRecord.EveryCluster ? "in every cluster" : "in cluster " + cluster)}");
        }

        if (clusterError is not null)
        {
            return (null, Problems.Invalid([clusterError]));
        }

        if (EveryoneUnderAnotherName(scope, principal) is { } disguised)
        {
            return (null, Problems.Invalid([disguised]));
        }

        return (before with
        {
            Scope = scope,
            Principal = principal,
            Namespace = ns,
            ResourceClass = rc,
            Cluster = cluster,
            Rules = rules,
            ExpiresAt = expires,
            UpdatedAt = time.GetUtcNow(),
            Version = before.Version + 1,
        }, null);
    }

    /// <summary>
    /// Lifts a suppression (the same behaviour scores again at once); <paramref name="reason"/> is required. With
    /// <paramref name="seen"/> (the version the caller decided on) it is lifted only while still at that version, compared
    /// in the transaction that writes the lift: a suppression changed since is a 409 with its <c>current_version</c>.
    /// </summary>
    public async Task<(SuppressionRecord? Suppression, Problem? Problem)> LiftAsync(
        string id, string reason, Caller caller, CancellationToken cancellationToken, long? seen = null)
    {
        if (Bounds.Refusal(Bounds.Text("reason", reason, Bounds.MaxReasonLength)) is { } tooLong)
        {
            return (null, tooLong);
        }

        var (before, missing) = await StoredAsync(id, seen, cancellationToken);
        if (before is null)
        {
            return (null, missing);
        }

        if (before.State == SuppressionStates.Lifted)
        {
            return (null, AlreadyLifted(before));
        }

        if (await PublishAsync(Feedback(before, caller.Name, time.GetUtcNow(), lifted: true), cancellationToken) is { } unavailable)
        {
            return (null, unavailable);
        }

        var lifted = new List<SuppressionRecord>();
        var written = await StoredOrToldAgainAsync(
            () => audit.AppendChangesAsync(async (connection, tx, ct) => await LiftAsync(connection, tx, [before], reason, caller, lifted, ct, asRead: seen is not null), cancellationToken),
            [before],
            caller,
            cancellationToken);
        if (written.Count == 0)
        {
            // Another change was stored between the reading above and this one: it stands, this lift is not recorded, and
            // the Verifier, told of this lift, is told the suppression as that change left it.
            await RestoreAsync([before], caller, cancellationToken);
            return (null, Lost(await suppressions.GetAsync(id, cancellationToken) ?? before, seen, "lifted"));
        }

        return (lifted[0], null);
    }

    /// <summary>
    /// The first half of lifting every active suppression made from an alert with its status change (it leaves
    /// <c>false_positive</c>): the Verifier is told of each lift before anything is stored, as for every change. Answers
    /// the suppressions to lift in the change's transaction (<see cref="LiftAsync(DbConnection, DbTransaction, IReadOnlyList{SuppressionRecord}, string, Caller, List{SuppressionRecord}, CancellationToken)"/>),
    /// or the 503 of a log that cannot take them, and then the Verifier is told again those it was told of.
    /// </summary>
    public async Task<(IReadOnlyList<SuppressionRecord> Active, Problem? Problem)> AnnounceLiftsAsync(string alertId, Caller caller, CancellationToken cancellationToken)
    {
        var active = await suppressions.QueryAsync(new SuppressionQuery(SuppressionStates.Active, AlertId: alertId), cancellationToken);
        for (var i = 0; i < active.Count; i++)
        {
            if (await PublishAsync(Feedback(active[i], caller.Name, time.GetUtcNow(), lifted: true), cancellationToken) is { } unavailable)
            {
                try
                {
                    await RestoreAsync(active.Take(i), caller, cancellationToken);
                }
                catch (EventLogUnavailableException)
                {
                    // The log that refused this lift refuses telling the earlier ones back too: those stay lifted for the
                    // Verifier (more alerts, never fewer) until their next change, and the 503 says why nothing was stored.
                }

                return ([], unavailable);
            }
        }

        return (active, null);
    }

    /// <summary>
    /// Lifts <paramref name="active"/> in the caller's transaction, adding each lifted one to <paramref name="lifted"/>, and
    /// answers their <c>suppression.lifted</c> entries for the same transaction; one lifted meanwhile by someone else is
    /// left as they lifted it, and so, with <paramref name="asRead"/>, is one changed in any way since it was read. The
    /// Verifier must have been told first.
    /// </summary>
    public async Task<IReadOnlyList<AuditRecord>> LiftAsync(
        DbConnection connection,
        DbTransaction tx,
        IReadOnlyList<SuppressionRecord> active,
        string reason,
        Caller caller,
        List<SuppressionRecord> lifted,
        CancellationToken cancellationToken,
        bool asRead = false)
    {
        ArgumentNullException.ThrowIfNull(active);
        ArgumentNullException.ThrowIfNull(lifted);
        var entries = new List<AuditRecord>();
        foreach (var before in active)
        {
            if (await suppressions.LiftAsync(connection, tx, before.Id, caller.Name, reason, asRead ? before.Version : null, cancellationToken) is not { } after)
            {
                continue;
            }

            lifted.Add(after);
            entries.Add(new AuditRecord(
                AuditKinds.SuppressionLifted,
                caller.Name,
                $"suppression {before.Id} lifted: {reason}",
                AlertId: before.AlertId,
                Principal: before.Principal,
                BeforeJson: Json(before),
                AfterJson: Json(after)));
        }

        return entries;
    }

    /// <summary>
    /// Tells the Verifier each of <paramref name="told"/> as it is stored now, after a change it was told of was not stored
    /// (the status change lost to another, the log refused a later one): it keeps the last word per suppression, so the
    /// lift it heard first does not switch off a suppression that stays. Where the store cannot be read (the failure that
    /// undid the change took it down), a suppression is told lifted: the Verifier then errs towards raising alerts, never
    /// towards rules left switched off by a suppression the store may not have. A tell the log refuses throws
    /// (<see cref="EventLogUnavailableException"/>): the caller answers it, nothing is dropped unsaid.
    /// </summary>
    public async Task RestoreAsync(IEnumerable<SuppressionRecord> told, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(told);
        ArgumentNullException.ThrowIfNull(caller);
        foreach (var s in told)
        {
            // One never stored (its creation failed) is told lifted: the Verifier must not apply what the store lacks.
            var now = await StoredOrUnknownAsync(s.Id, cancellationToken);
            await AppendFeedbackAsync(Feedback(now ?? s, caller.Name, time.GetUtcNow(), lifted: now is null || now.State == SuppressionStates.Lifted), cancellationToken);
        }
    }

    /// <summary>Suppression <paramref name="id"/> as stored; null where none is, or where the store cannot say.</summary>
    private async Task<SuppressionRecord?> StoredOrUnknownAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            return await suppressions.GetAsync(id, cancellationToken);
        }
        catch (Exception ex) when (TransientFaults.IsTransient(ex))
        {
            return null;
        }
    }

    /// <summary>
    /// Runs the write of a change the Verifier was told of before it. When the write fails (the store refuses it, the
    /// connection is lost; its transaction rolled back), the Verifier is told <paramref name="told"/> again as stored
    /// (<see cref="RestoreAsync"/>) and the failure goes up (a 5xx problem); if that fails too, both go up together.
    /// </summary>
    internal async Task<T> StoredOrToldAgainAsync<T>(Func<Task<T>> write, IReadOnlyList<SuppressionRecord> told, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        return await UndoneOnFailureAsync(write, () => RestoreAsync(told, caller, cancellationToken), "a suppression's write failed, and telling the Verifier the suppression as stored failed too");
    }

    /// <summary>
    /// Runs <paramref name="write"/>; when it fails, runs <paramref name="undo"/> and rethrows the failure, or, when the undo
    /// fails as well, throws both together, neither hidden by the other. A cancelled write is not undone here.
    /// </summary>
    internal static async Task<T> UndoneOnFailureAsync<T>(Func<Task<T>> write, Func<Task> undo, string bothFailed)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(undo);
        try
        {
            return await write();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            try
            {
                await undo();
            }
            catch (Exception undone) when (undone is not OperationCanceledException)
            {
                throw new AggregateException(bothFailed, ex, undone);
            }

            throw;
        }
    }

    private (SuppressionRecord? Record, Problem? Problem) Validate(string id, Alert alert, SuppressionRequest request, Caller caller, DateTimeOffset now)
    {
        var own = alert.Reasons.Select(r => $"{r.Detector}/{r.Rule}").Distinct(StringComparer.Ordinal).ToList();
        var detectors = alert.Reasons.Select(r => r.Detector).Distinct(StringComparer.Ordinal).ToList();
        var rules = request.Rules is { Count: > 0 } given ? given.Select(x => x.Trim()).Distinct(StringComparer.Ordinal).ToList() : own;
        var errors = Limits(request);
        var unrelated = rules.Where(x => !own.Contains(x) && x != "*" && !detectors.Contains(x)).ToList();
        var wide = rules.Where(x => x == "*" || detectors.Contains(x)).ToList();
        if (unrelated.Count > 0)
        {
            errors.Add(new ItemError(0, "rules", $"not reasons of alert {alert.Id}: {string.Join(", ", unrelated)}; its reasons are {string.Join(", ", own)}"));
        }

        if (wide.Count > 0 && !caller.IsResponder)
        {
            errors.Add(new ItemError(0, "rules", $"an analyst may suppress only the alert's own detector/rule reasons ({string.Join(", ", own)}), not {string.Join(", ", wide)} (that needs the responder role)"));
        }

        if (rules.Count == 0)
        {
            errors.Add(new ItemError(0, "rules", $"alert {alert.Id} has no reasons to suppress"));
        }

        var scope = request.Scope ?? SuppressionScopes.ResourceClass;
        if (!SuppressionScopes.All.Contains(scope))
        {
            errors.Add(new ItemError(0, "scope", $"must be one of {string.Join(", ", SuppressionScopes.All)}"));
        }

        var expires = request.ExpiresAt ?? now + options.Value.VerdictSuppression;
        if (expires <= now)
        {
            errors.Add(new ItemError(0, "expires_at", "must be in the future"));
        }
        else if (expires > now + MaxLifetime)
        {
            errors.Add(new ItemError(0, "expires_at", $"a suppression lasts at most {MaxLifetime.TotalDays:0} days (until {now + MaxLifetime:O})"));
        }

        if (errors.Count > 0)
        {
            return (null, Problems.Invalid(errors));
        }

        if (SuppressionScopes.IsWide(scope) && !caller.IsResponder)
        {
            return (null, Problems.Of(403, $"a suppression for {scope} needs the responder role; an analyst may suppress for the alert's principal ({SuppressionScopes.ResourceClass} or {SuppressionScopes.Principal})"));
        }

        var (principal, ns, rc) = Target(scope, alert, null);
        if (scope == SuppressionScopes.Namespace && ns is null)
        {
            return (null, Problems.Invalid([new ItemError(0, "scope", $"alert {alert.Id} names no namespace")]));
        }

        if (EveryoneUnderAnotherName(scope, principal) is { } disguised)
        {
            return (null, Problems.Invalid([disguised]));
        }

        var (cluster, clusterError) = ClusterOf(scope, alert, request.Cluster);
        if (clusterError is not null)
        {
            return (null, Problems.Invalid([clusterError]));
        }

        // Silencing prod for what was judged benign in staging is the lever a per-cluster suppression exists to deny; a
        // responder may still decide it, as for the wide scopes, and the audit entry says so.
        if (cluster == SuppressionRecord.EveryCluster && OwnCluster(scope, alert) is { } ownCluster && !caller.IsResponder)
        {
            return (null, Problems.Of(403, $"a {scope} suppression made from alert {alert.Id} holds in cluster {ownCluster}; holding it in every cluster (cluster {SuppressionRecord.EveryCluster}) needs the responder role"));
        }

        return (new SuppressionRecord
        {
            Id = id,
            AlertId = alert.Id,
            Scope = scope,
            Principal = principal,
            Namespace = ns,
            ResourceClass = rc,
            Cluster = cluster,
            Rules = rules,
            CreatedBy = caller.Name,
            CreatedAt = now,
            UpdatedAt = now,
            ExpiresAt = expires,
            Note = request.Note,
            Version = 1,
        }, null);
    }

    /// <summary>Principal, namespace and resource class of a scope, from the alert (or, without it, the suppression as it was).</summary>
    private static (string Principal, string? Namespace, string? ResourceClass) Target(string scope, Alert? alert, SuppressionRecord? was)
    {
        var principal = alert?.Principal ?? (was?.Principal is { } p && p != AlertFeedback.AllPrincipals ? p : null);
        var ns = alert is null ? was?.Namespace : alert.TargetWorkload?.Namespace ?? alert.Workload?.Namespace;
        var rc = alert is null ? was?.ResourceClass : alert.ResourceClass;
        return scope switch
        {
            SuppressionScopes.Everyone => (AlertFeedback.AllPrincipals, null, null),
            SuppressionScopes.Namespace => (AlertFeedback.AllPrincipals, ns, null),
            SuppressionScopes.Principal => (principal ?? AlertFeedback.AllPrincipals, null, null),
            _ => (principal ?? AlertFeedback.AllPrincipals, null, rc),
        };
    }

    /// <summary>
    /// The cluster a suppression of <paramref name="scope"/> made from <paramref name="alert"/> holds in, or why
    /// <paramref name="asked"/> cannot be it. Where the scope names something of one cluster — the alert's cluster-local
    /// principal (<see cref="Alert.PrincipalCluster"/>), the namespace of its workload in a named cluster — the suppression
    /// holds there only, whatever is asked: staging's <c>system:serviceaccount:ci:deployer</c> is not prod's, so a verdict
    /// on the one must not silence the other (a lever: make noise in staging, get it judged benign, act in prod). Otherwise
    /// (a person, everyone) it holds in every cluster, or in the one asked for, which must be one the alert names.
    /// </summary>
    private static (string? Cluster, ItemError? Problem) ClusterOf(string scope, Alert alert, string? asked)
    {
        if (asked == SuppressionRecord.EveryCluster)
        {
            return (asked, null);
        }

        if (asked is not null && IsolatorClusters.NameProblem(asked) is { } bad)
        {
            return (null, new ItemError(0, "cluster", bad + $" (or {SuppressionRecord.EveryCluster}: every cluster)"));
        }

        var own = OwnCluster(scope, alert);
        if (own is not null)
        {
            return asked is null || string.Equals(asked, own, StringComparison.Ordinal)
                ? (own, null)
                : (null, new ItemError(0, "cluster", $"a {scope} suppression made from alert {alert.Id} holds in cluster {own}, where its {(scope == SuppressionScopes.Namespace ? "namespace" : "principal")} is; not in {asked}"));
        }

        if (asked is null)
        {
            return (null, null);
        }

        string[] named = [.. new[] { alert.PrincipalCluster, alert.Workload?.Cluster, alert.TargetWorkload?.Cluster }.OfType<string>().Distinct(StringComparer.Ordinal)];
        return named.Contains(asked, StringComparer.Ordinal)
            ? (asked, null)
            : (null, new ItemError(0, "cluster", named.Length == 0
                ? $"alert {alert.Id} names no cluster; a suppression made from it holds in every cluster"
                : $"alert {alert.Id} names cluster {string.Join(", ", named)}, not {asked}"));
    }

    /// <summary>The one cluster what <paramref name="scope"/> names of <paramref name="alert"/> is of, or null when it is of none.</summary>
    private static string? OwnCluster(string scope, Alert alert) => scope switch
    {
        SuppressionScopes.Everyone => null,
        SuppressionScopes.Namespace => (alert.TargetWorkload ?? alert.Workload)?.Cluster,
        _ => alert.PrincipalCluster,
    };

    /// <summary>
    /// A principal-bound scope whose principal reads as every principal: the alert's principal is event data, and one
    /// named <c>*</c> would make "this principal" mean everyone to the Verifier — a wide suppression an analyst could make,
    /// or a responder make without asking for it. Such a suppression is asked for as <c>everyone</c>, by a responder.
    /// </summary>
    private static ItemError? EveryoneUnderAnotherName(string scope, string principal) =>
        !SuppressionScopes.IsWide(scope) && principal == AlertFeedback.AllPrincipals
            ? new ItemError(0, "scope", $"the alert's principal is '{AlertFeedback.AllPrincipals}', which a suppression reads as every principal: {scope} would switch the rules off for everyone; ask for scope {SuppressionScopes.Everyone} (a responder)")
            : null;

    /// <summary>The API's input bounds: at most <see cref="Bounds.MaxRules"/> rules of bounded length, a bounded note.</summary>
    private static List<ItemError> Limits(SuppressionRequest request)
    {
        List<ItemError> errors = [.. Bounds.Text("note", request.Note, Bounds.MaxReasonLength)];
        if (request.Rules is { } rules)
        {
            if (rules.Count > Bounds.MaxRules)
            {
                errors.Add(new ItemError(0, "rules", $"at most {Bounds.MaxRules} rules"));
            }

            errors.AddRange(rules.SelectMany((rule, i) => Bounds.Id($"rules[{i}]", rule)));
        }

        return errors;
    }

    /// <summary>Whether suppressing <paramref name="held"/> already covers <paramref name="rule"/>.</summary>
    private static bool Covers(string held, string rule) =>
        held == "*" || held == rule || (rule.StartsWith(held + "/", StringComparison.Ordinal) && !held.Contains('/', StringComparison.Ordinal));

    private static string Describe(SuppressionRecord s) => s.Scope switch
    {
        SuppressionScopes.Everyone => "every principal",
        SuppressionScopes.Namespace => $"every principal in namespace {s.Namespace}",
        SuppressionScopes.Principal => s.Principal,
        _ => $"{s.Principal} on {s.ResourceClass ?? "any resource class"}",
    } + s.Cluster switch
    {
        null => "",
        SuppressionRecord.EveryCluster => $" in every cluster (asked for: cluster {SuppressionRecord.EveryCluster})",
        var cluster => $" in cluster {cluster}",
    };

    private static AlertFeedback Feedback(SuppressionRecord s, string by, DateTimeOffset now, bool lifted) => new()
    {
        Id = Guid.NewGuid().ToString(),
        AlertId = s.AlertId,
        Verdict = AlertStatuses.FalsePositive,
        Principal = s.Principal,
        Rules = s.Rules,
        ResourceClass = s.ResourceClass,
        Namespace = s.Namespace,
        Cluster = s.VerifierCluster,
        By = by,
        At = now,
        ExpiresAt = s.ExpiresAt,
        SuppressionId = s.Id,
        Lifted = lifted,
    };

    /// <summary>Appends to <c>zt.feedback.v1</c>; a problem (503) when the log cannot take it now, and then nothing is recorded.</summary>
    internal async Task<Problem?> PublishAsync(AlertFeedback feedback, CancellationToken cancellationToken)
    {
        try
        {
            await AppendFeedbackAsync(feedback, cancellationToken);
            return null;
        }
        catch (EventLogUnavailableException ex)
        {
            return Problems.Create(503, "event-log-unavailable", "Event log unavailable", $"the event log cannot take the change now: {ex.Message}") with
            {
                RetryAfterSeconds = Problems.RetrySeconds(ex.RetryAfter),
            };
        }
    }

    private Task AppendFeedbackAsync(AlertFeedback feedback, CancellationToken cancellationToken) =>
        log.AppendAsync(Topics.Feedback, [new LogRecord(feedback.Principal, ContractJson.Serialize(feedback))], cancellationToken);

    private static Problem AlreadyLifted(SuppressionRecord s) =>
        Problems.Of(409, $"suppression {s.Id} was lifted by {s.LiftedBy} at {s.LiftedAt:O} ({s.LiftReason})");

    /// <summary>
    /// Suppression <paramref name="id"/> as stored, for a change of it: else why not, none stored (404) or, when the
    /// caller decided on version <paramref name="seen"/>, one that has changed since (409).
    /// </summary>
    private async Task<(SuppressionRecord? Stored, Problem? Problem)> StoredAsync(string id, long? seen, CancellationToken cancellationToken)
    {
        var stored = await suppressions.GetAsync(id, cancellationToken);
        if (stored is null)
        {
            return (null, Problems.Of(404, $"no suppression {id}"));
        }

        return seen is { } version && stored.Version != version ? (null, ChangedSince(stored, version)) : (stored, null);
    }

    /// <summary>The 409 of a change decided on version <paramref name="seen"/> of a suppression that has changed since.</summary>
    private static Problem ChangedSince(SuppressionRecord now, long seen) => Problems.Stale(
        now.Version,
        $"suppression {now.Id} has changed since version {seen} was read: " + (now.State == SuppressionStates.Lifted
            ? $"it was lifted by {now.LiftedBy} at {now.LiftedAt:O} ({now.LiftReason})"
            : $"it is now {now.State}, {string.Join(", ", now.Rules)} for {Describe(now)} until {now.ExpiresAt:O}")
        + $" (version {now.Version}); read it again and decide on that");

    /// <summary>Why a change whose write lost to another is refused, given the suppression as that other left it.</summary>
    private static Problem Lost(SuppressionRecord now, long? seen, string change) => now switch
    {
        _ when seen is { } version && now.Version != version => ChangedSince(now, version),
        { State: SuppressionStates.Lifted } => AlreadyLifted(now),
        _ => Problems.Of(409, $"suppression {now.Id} changed while it was being {change}; read it again"),
    };

    private static string Json(SuppressionRecord s) => JsonSerializer.Serialize(s, ResponderJsonContext.Default.SuppressionRecord);
}
