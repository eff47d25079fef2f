using System.Data.Common;
using ZtStream.Contracts;
using ZtStream.Platform.EventLog;
using ZtStream.Responder.Alerts;
using ZtStream.Responder.Api;
using ZtStream.Responder.Audit;

namespace ZtStream.Responder.Suppressions;

/// <summary>What a suppression made from an alert covers; every member optional (the defaults are the narrowest).</summary>
internal sealed record SuppressionRequest(List<string>? Rules = null, string? Scope = null, DateTimeOffset? ExpiresAt = null, string? Note = null);

/// <summary>
/// Makes, narrows and lifts suppressions, bounding what each role may switch off: an analyst only the alert's own
/// <c>detector/rule</c> reasons, for the alert's principal; a responder also a whole detector, any rule (<c>*</c>), a
/// namespace or everyone. Every suppression expires within <see cref="MaxLifetime"/>. The Verifier learns each change
/// through <c>zt.feedback.v1</c> before it is stored, so what the store lists is what the Verifier applies.
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

    /// <summary>Validates and creates a suppression from <paramref name="alert"/>; returns it, or the problem.</summary>
    public async Task<(SuppressionRecord? Suppression, Problem? Problem)> CreateAsync(
        StoredAlert alert, SuppressionRequest request, Caller caller, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var (record, problem) = Validate(alert.Alert, request, caller, now);
        if (problem is not null)
        {
            return (null, problem);
        }

        if (await PublishAsync(Feedback(record!, caller.Name, now, lifted: false), cancellationToken) is { } unavailable)
        {
            return (null, unavailable);
        }

        await suppressions.InsertAsync(record!, cancellationToken);
        await audit.AppendAsync(
            AuditKinds.SuppressionCreated,
            caller.Name,
            $"suppression {record!.Id} of {string.Join(", ", record.Rules)} for {Describe(record)} until {record.ExpiresAt:O}",
            cancellationToken,
            alertId: record.AlertId,
            principal: alert.Alert.Principal,
            afterJson: Json(record));
        return (record, null);
    }

    /// <summary>
    /// Narrows an active suppression: fewer of its rules, a narrower scope, an earlier expiry. The narrowing is decided on
    /// the suppression as read and written only while it is still so: one narrowed meanwhile by someone else is read again
    /// and the request decided on that (a narrowing of the expiry keeps the other's fewer rules instead of writing the
    /// wider ones back, as it did before), one lifted meanwhile is a 409. The Verifier, told of each attempt before its
    /// write, is told the suppression as it is after one that lost.
    /// </summary>
    public async Task<(SuppressionRecord? Suppression, Problem? Problem)> NarrowAsync(
        string id, StoredAlert? alert, SuppressionRequest request, Caller caller, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var before = await suppressions.GetAsync(id, cancellationToken);
            if (before is null)
            {
                return (null, Problems.Of(404, $"no suppression {id}"));
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

            if (await suppressions.NarrowAsync(before, after, cancellationToken))
            {
                await audit.AppendAsync(
                    AuditKinds.SuppressionNarrowed,
                    caller.Name,
                    $"suppression {id} narrowed to {string.Join(", ", after.Rules)} for {Describe(after)} until {after.ExpiresAt:O}",
                    cancellationToken,
                    alertId: after.AlertId,
                    principal: alert?.Alert.Principal,
                    beforeJson: Json(before),
                    afterJson: Json(after));
                return (after, null);
            }

            // Lifted or narrowed meanwhile. A next attempt tells the Verifier again; a last one tells it what is stored, so
            // this narrowing, published above, does not outlive a lift it lost to.
            var now = await suppressions.GetAsync(id, cancellationToken);
            if (now is { State: SuppressionStates.Active } && attempt < MaxNarrowAttempts)
            {
                continue;
            }

            if (now is not null)
            {
                await PublishAsync(Feedback(now, caller.Name, time.GetUtcNow(), lifted: now.State == SuppressionStates.Lifted), cancellationToken);
            }

            return (null, now?.State == SuppressionStates.Lifted
                ? AlreadyLifted(now)
                : Problems.Of(409, $"suppression {id} changed while it was being narrowed; read it again"));
        }
    }

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

        return (before with { Scope = scope, Principal = principal, Namespace = ns, ResourceClass = rc, Rules = rules, ExpiresAt = expires, UpdatedAt = time.GetUtcNow() }, null);
    }

    /// <summary>Lifts a suppression (the same behaviour scores again at once); <paramref name="reason"/> is required.</summary>
    public async Task<(SuppressionRecord? Suppression, Problem? Problem)> LiftAsync(
        string id, string reason, Caller caller, CancellationToken cancellationToken)
    {
        if (Bounds.Text("reason", reason, Bounds.MaxReasonLength).ToList() is { Count: > 0 } tooLong)
        {
            return (null, Problems.Invalid(tooLong));
        }

        var before = await suppressions.GetAsync(id, cancellationToken);
        if (before is null)
        {
            return (null, Problems.Of(404, $"no suppression {id}"));
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
        if (await audit.AppendChangesAsync(async (connection, tx, ct) => await LiftAsync(connection, tx, [before], reason, caller, lifted, ct), cancellationToken) is { Count: 0 })
        {
            // Another lift was stored between the reading above and this one: it stands, and this one is not recorded.
            return (null, AlreadyLifted(await suppressions.GetAsync(id, cancellationToken) ?? before));
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
                await RestoreAsync(active.Take(i), caller, cancellationToken);
                return ([], unavailable);
            }
        }

        return (active, null);
    }

    /// <summary>
    /// Lifts <paramref name="active"/> in the caller's transaction, adding each lifted one to <paramref name="lifted"/>, and
    /// answers their <c>suppression.lifted</c> entries for the same transaction; one lifted meanwhile by someone else is
    /// left as they lifted it. The Verifier must have been told first.
    /// </summary>
    public async Task<IReadOnlyList<AuditRecord>> LiftAsync(
        DbConnection connection, DbTransaction tx, IReadOnlyList<SuppressionRecord> active, string reason, Caller caller, List<SuppressionRecord> lifted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(active);
        ArgumentNullException.ThrowIfNull(lifted);
        var entries = new List<AuditRecord>();
        foreach (var before in active)
        {
            if (!await suppressions.LiftAsync(connection, tx, before.Id, caller.Name, reason, cancellationToken))
            {
                continue;
            }

            var now = time.GetUtcNow();
            var after = before with { LiftedAt = now, LiftedBy = caller.Name, LiftReason = reason, State = SuppressionStates.Lifted, UpdatedAt = now };
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
    /// lift it heard first does not switch off a suppression that stays.
    /// </summary>
    public async Task RestoreAsync(IEnumerable<SuppressionRecord> told, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(told);
        ArgumentNullException.ThrowIfNull(caller);
        foreach (var s in told)
        {
            if (await suppressions.GetAsync(s.Id, cancellationToken) is { } now)
            {
                await PublishAsync(Feedback(now, caller.Name, time.GetUtcNow(), lifted: now.State == SuppressionStates.Lifted), cancellationToken);
            }
        }
    }

    private (SuppressionRecord? Record, Problem? Problem) Validate(Alert alert, SuppressionRequest request, Caller caller, DateTimeOffset now)
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

        return (new SuppressionRecord
        {
            Id = "sup-" + Guid.NewGuid().ToString("N")[..16],
            AlertId = alert.Id,
            Scope = scope,
            Principal = principal,
            Namespace = ns,
            ResourceClass = rc,
            Rules = rules,
            CreatedBy = caller.Name,
            CreatedAt = now,
            UpdatedAt = now,
            ExpiresAt = expires,
            Note = request.Note,
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

            errors.AddRange(rules.SelectMany((rule, i) => Bounds.Text($"rules[{i}]", rule, Bounds.MaxIdLength)));
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
            await log.AppendAsync(Topics.Feedback, [new LogRecord(feedback.Principal, ContractJson.Serialize(feedback))], cancellationToken);
            return null;
        }
        catch (EventLogUnavailableException ex)
        {
            return Problems.Create(503, "event-log-unavailable", "Event log unavailable", $"the event log cannot take the change now: {ex.Message}") with
            {
                RetryAfterSeconds = (int)Math.Ceiling(ex.RetryAfter.TotalSeconds),
            };
        }
    }

    private static Problem AlreadyLifted(SuppressionRecord s) =>
        Problems.Of(409, $"suppression {s.Id} was lifted by {s.LiftedBy} at {s.LiftedAt:O} ({s.LiftReason})");

    private static string Json(SuppressionRecord s) => JsonSerializer.Serialize(s, ResponderJsonContext.Default.SuppressionRecord);
}
