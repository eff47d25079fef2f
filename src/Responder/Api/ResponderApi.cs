namespace ZtStream.Responder.Api;

/// <summary>The REST API the SOC console and responders use (see docs/response.md).</summary>
internal static class ResponderApi
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var viewer = endpoints.MapGroup("/v1").RequireApiRole(ApiRoles.Viewer);
        var analyst = endpoints.MapGroup("/v1").RequireApiRole(ApiRoles.Analyst);
        var responder = endpoints.MapGroup("/v1").RequireApiRole(ApiRoles.Responder);

        viewer.MapGet("/me", (HttpContext http, IOptions<ResponderOptions> options) =>
        {
            var caller = ApiAuth.CallerOf(http);
            return Results.Json(
                new CallerView(caller.Name, caller.Role, caller.CsrfToken, options.Value.VerdictSuppression.TotalDays), ResponderJsonContext.Default.CallerView);
        });
        TriageApi.Map(viewer, analyst);
        viewer.MapGet("/actions", ListActionsAsync);
        viewer.MapGet("/actions/{id:guid}", GetActionAsync);
        viewer.MapGet("/audit", AuditAsync);

        responder.MapPost("/actions", TriggerAsync).Idempotent();
        responder.MapPost("/actions/{id:guid}/approve", async (Guid id, HttpContext http, ActionService s) =>
        {
            var (_, problem) = await Problems.ReadJsonAsync(http, ResponderJsonContext.Default.NoBodyRequest);
            return problem ?? await Answer(s.ApproveAsync(id, ApiAuth.CallerOf(http).Name, http.RequestAborted), "approved", ActionStates.PendingApproval);
        });
        responder.MapPost("/actions/{id:guid}/reject", async (Guid id, HttpContext http, ActionService s) =>
        {
            var (body, refused) = await ReadCheckedAsync(http, ResponderJsonContext.Default.NoteRequest, b => Bounds.Text("reason", b?.Reason, Bounds.MaxReasonLength));
            return refused ?? await Answer(s.RejectAsync(id, ApiAuth.CallerOf(http).Name, body?.Reason, http.RequestAborted), "rejected", ActionStates.PendingApproval);
        });
        responder.MapPost("/actions/{id:guid}/extend", async (Guid id, HttpContext http, ActionService s) =>
        {
            var (body, refused) = await ReadCheckedAsync(http, ResponderJsonContext.Default.ExtendRequest, b => Bounds.Ttl(b?.TtlSeconds));
            if (refused is not null)
            {
                return refused;
            }

            TimeSpan? ttl = body?.TtlSeconds is { } secs ? TimeSpan.FromSeconds(secs) : null;
            return await Answer(s.ExtendAsync(id, ttl, ApiAuth.CallerOf(http).Name, http.RequestAborted), "extended", ActionStates.Active);
        });
        responder.MapPost("/actions/{id:guid}/release", async (Guid id, HttpContext http, ActionService s) =>
        {
            var (body, refused) = await ReadCheckedAsync(http, ResponderJsonContext.Default.NoteRequest, b => Bounds.Text("reason", b?.Reason, Bounds.MaxReasonLength));
            if (refused is not null)
            {
                return refused;
            }

            var caller = ApiAuth.CallerOf(http);
            return await Answer(s.ReleaseAsync(id, caller.Name, body?.Reason ?? $"released by {caller.Name}", http.RequestAborted), "released", ActionStates.Active, ActionKinds.IsolateWorkload);
        });
        responder.MapPost("/actions/{id:guid}/lift", LiftRevocationAsync);
    }

    /// <summary>
    /// Lifts every entry a revocation action has on the revocation list, in one commit (<see cref="ActionService.LiftRevocationAsync"/>):
    /// the console's <i>Lift revocation</i>. The reason is required, as for one entry.
    /// </summary>
    private static async Task<IResult> LiftRevocationAsync(
        Guid id, HttpContext http, ActionService service, [FromKeyedServices(RevocationFeedEndpoints.WakeKey)] WakeSignal written, ILogger<RevocationFeedHub> logger)
    {
        var (body, refused) = await ReadCheckedAsync(http, ResponderJsonContext.Default.NoteRequest, b => Bounds.LiftReason(b?.Reason));
        if (refused is not null)
        {
            return refused;
        }

        var caller = ApiAuth.CallerOf(http);
        var reason = body!.Reason!;
        var result = await service.LiftRevocationAsync(id, caller.Name, reason, http.RequestAborted);
        switch (result.Change)
        {
            case ActionChange.NotFound:
                return Problems.Result(404, $"no action {id}");
            case ActionChange.Conflict:
                var field = result.Action is { } a && a.Kind is not (ActionKinds.RevokeToken or ActionKinds.RevokeSubjectSessions) ? "kind" : "state";
                var refusal = result.Refusal ?? "the revocation cannot be lifted now";
                return Problems.Result(Problems.Of(409, refusal, [new ItemError(0, field, refusal)]));
        }

        written.Set();
        foreach (var lift in result.Lifts)
        {
            ResponderLog.RevocationLifted(logger, lift.Lifts, caller.Name, reason);
        }

        return Results.Json(new ActionLift(id, result.Lifts), ResponderJsonContext.Default.ActionLift);
    }

    private static async Task<IResult> ListActionsAsync(HttpContext http, ActionStore actions)
    {
        var q = http.Request.Query;
        var errors = new List<ItemError>();
        QueryArgs.OnlyKnown(q, ["state", "kind", "alert_id", "cluster", "limit", "offset"], errors);
        var query = new ActionQuery(
            State: QueryArgs.OneOf(q["state"], "state", ActionStates.All, errors),
            Kind: QueryArgs.OneOf(q["kind"], "kind", [ActionKinds.RevokeToken, ActionKinds.RevokeSubjectSessions, ActionKinds.IsolateWorkload, ActionKinds.ReleaseWorkload, ActionKinds.Notify], errors),
            AlertId: q["alert_id"].FirstOrDefault(),
            Limit: QueryArgs.Limit(q["limit"], 100, ActionStore.MaxPage, errors),
            Offset: QueryArgs.Int(q["offset"], 0, "offset", errors),
            Cluster: QueryArgs.Cluster(q["cluster"], errors));
        return await QueryArgs.ListAsync(
            http.Response, errors, query.Limit, () => actions.QueryAsync(query, http.RequestAborted), ResponderJsonContext.Default.ListActionRecord);
    }

    private static async Task<IResult> GetActionAsync(Guid id, HttpContext http, ActionStore actions)
    {
        var action = await actions.GetAsync(id, http.RequestAborted);
        return action is null ? Problems.Result(404, $"no action {id}") : Results.Json(action, ResponderJsonContext.Default.ActionRecord);
    }

    private static async Task<IResult> AuditAsync(HttpContext http, AuditLog audit)
    {
        var q = http.Request.Query;
        var errors = new List<ItemError>();
        QueryArgs.OnlyKnown(q, ["action_id", "alert_id", "principal", "actor", "kind", "since", "until", "limit"], errors);
        var query = new AuditQuery(
            ActionId: q["action_id"].FirstOrDefault(),
            AlertId: q["alert_id"].FirstOrDefault(),
            Principal: q["principal"].FirstOrDefault(),
            Actor: q["actor"].FirstOrDefault(),
            Kind: q["kind"].FirstOrDefault(),
            Since: QueryArgs.Time(q["since"], "since", errors),
            Until: QueryArgs.Time(q["until"], "until", errors),
            Limit: QueryArgs.Limit(q["limit"], 100, AuditLog.MaxPage, errors));
        return await QueryArgs.ListAsync(
            http.Response, errors, query.Limit, () => audit.QueryAsync(query, http.RequestAborted), ResponderJsonContext.Default.ListAuditEntry);
    }

    private static async Task<IResult> TriggerAsync(HttpContext http, ActionService service, AlertStore alerts, ResponsePolicy policy, TimeProvider time)
    {
        var (body, problem) = await Problems.ReadJsonAsync(http, ResponderJsonContext.Default.ActionRequest);
        if (problem is not null)
        {
            return problem;
        }

        if (body is null)
        {
            return Problems.Result(Problems.Invalid([new ItemError(0, "$", "a JSON body is required")]));
        }

        var errors = new List<ItemError>();
        switch (body.Kind)
        {
            case ActionKinds.RevokeToken when body.Jti is null && body.SessionId is null:
                errors.Add(new ItemError(0, "jti", "revoke_token needs jti or session_id"));
                break;
            case ActionKinds.RevokeSubjectSessions when body.SubjectId is null:
                errors.Add(new ItemError(0, "subject_id", "revoke_subject_sessions needs subject_id"));
                break;
            case ActionKinds.IsolateWorkload when body.WorkloadId is null:
                errors.Add(new ItemError(0, "workload_id", "isolate_workload needs workload_id"));
                break;
            case ActionKinds.RevokeToken or ActionKinds.RevokeSubjectSessions or ActionKinds.IsolateWorkload:
                break;
            default:
                errors.Add(new ItemError(0, "kind", "must be revoke_token, revoke_subject_sessions or isolate_workload (release with POST /v1/actions/{id}/release)"));
                break;
        }

        errors.AddRange(Bounds.Ttl(body.TtlSeconds));
        errors.AddRange(Bounds.Id("jti", body.Jti));
        errors.AddRange(Bounds.Id("session_id", body.SessionId));
        errors.AddRange(Bounds.Id("subject_id", body.SubjectId));
        errors.AddRange(Bounds.Id("client_id", body.ClientId));
        errors.AddRange(Bounds.Id("workload_id", body.WorkloadId));
        errors.AddRange(Bounds.Id("namespace", body.Namespace));
        errors.AddRange(Bounds.Id("name", body.Name));
        errors.AddRange(Bounds.Cluster(body.Kind, body.Cluster));
        errors.AddRange(Bounds.Id("alert_id", body.AlertId));
        errors.AddRange(Bounds.Text("reason", body.Reason, Bounds.MaxReasonLength));
        if (Invalid(errors) is { } invalid)
        {
            return invalid;
        }

        // The action is filed under the alert it names (its page, the audit trail): only an alert that was raised. The
        // automation path stores its alert before making the action, so no alert a policy acts on is missing here.
        if (body.AlertId is not null && await alerts.GetAsync(body.AlertId, http.RequestAborted) is null)
        {
            return Problems.Result(Problems.Of(404, $"alert_id: no alert {body.AlertId} is stored",
                [new ItemError(0, "alert_id", $"no alert {body.AlertId} is stored; name an alert of GET /v1/alerts, or leave alert_id out")]));
        }

        var caller = ApiAuth.CallerOf(http);
        var now = time.GetUtcNow();
        var action = new ActionRecord
        {
            // A retry of a request that ran before (its answer lost in a crash) meets that action and answers it.
            Id = IdempotentRequestId.Of(http) ?? Guid.NewGuid(),
            Kind = body.Kind!,
            Mode = ResponseModes.Manual,
            State = ActionStates.Queued,
            AlertId = body.AlertId,
            Principal = body.SubjectId ?? body.WorkloadId,
            SubjectId = body.SubjectId,
            Jti = body.Jti,
            SessionId = body.SessionId,
            ClientId = body.ClientId,
            TokenExpiresAt = body.TokenExpiresAt,
            WorkloadId = body.WorkloadId,
            Namespace = body.Namespace,
            WorkloadName = body.Name,
            Cluster = body.Cluster,
            TtlSeconds = body.TtlSeconds ?? (body.Kind == ActionKinds.IsolateWorkload ? (long)policy.IsolationTtl.TotalSeconds : null),
            Reason = body.Reason ?? $"triggered by {caller.Name}",
            Decision = $"triggered by {caller.Name}",
            RequestedBy = caller.Name,
            CreatedAt = now,
            UpdatedAt = now,
            DecidedAt = now,
            DecidedBy = caller.Name,
        };
        var (created, _) = await service.CreateAsync(action, caller.Name, http.RequestAborted);
        Locations.Set(http, "actions", created.Id.ToString());
        return Results.Json(created, ResponderJsonContext.Default.ActionRecord, statusCode: 202);
    }

    /// <summary>
    /// A request body read (<see cref="Problems.ReadJsonAsync"/>) and its fields checked by <paramref name="check"/>: the
    /// body, and the problem of a body that could not be read or of its bad fields, if any.
    /// </summary>
    private static async Task<(T? Body, IResult? Refused)> ReadCheckedAsync<T>(HttpContext http, JsonTypeInfo<T> json, Func<T?, IEnumerable<ItemError>> check)
        where T : class
    {
        var (body, problem) = await Problems.ReadJsonAsync(http, json);
        return (body, problem ?? Invalid(check(body)));
    }

    /// <summary>A 400 problem naming every rejected field, or null when there is none.</summary>
    private static IResult? Invalid(IEnumerable<ItemError> errors) => Bounds.Refusal(errors) is { } refusal ? Problems.Result(refusal) : null;

    /// <summary>
    /// The answer to a change of an action that may be made only in state <paramref name="from"/> (and, when given, of kind
    /// <paramref name="kind"/>): the action, or a problem. A 409 — the action was in another state, or moved there while
    /// the change was under way (another responder decided first) — names the field that decided it (<c>state</c>, or
    /// <c>kind</c>) and says what the action is now and who decided it.
    /// </summary>
    private static async Task<IResult> Answer(Task<(ActionChange Change, ActionRecord? Action)> operation, string verb, string from, string? kind = null)
    {
        var (change, action) = await operation;
        return change switch
        {
            ActionChange.Done when action is not null => Results.Json(action, ResponderJsonContext.Default.ActionRecord),
            ActionChange.Done => Results.NoContent(),
            ActionChange.NotFound => Problems.Result(404, "no such action"),
            _ when action is null => Problems.Result(409, $"the action cannot be {verb} now"),
            _ when kind is not null && action.Kind != kind => Refused(action, "kind", $"is {action.Kind}; only {kind} is {verb}"),
            _ => Refused(action, "state", $"is {action.State}{(action.DecidedBy is { } by ? $" (decided by {by} at {action.DecidedAt:O})" : "")}; it can be {verb} only while {from}"),
        };

        static IResult Refused(ActionRecord action, string field, string reason) =>
            Problems.Result(Problems.Of(409, $"action {action.Id} ({action.Kind}) {reason}", [new ItemError(0, field, reason)]));
    }
}
