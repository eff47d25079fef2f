namespace ZtStream.Responder.Api;

/// <summary>
/// The alert queue and its triage: list (filters, cursor paging), the live stream of changes, one alert, status,
/// assignment, comments, bulk changes, suppressions, and the queue's charts (see docs/response.md).
/// </summary>
internal static class TriageApi
{
    private const int StreamBatch = 200;

    public static void Map(RouteGroupBuilder viewer, RouteGroupBuilder analyst)
    {
        viewer.MapGet("/alerts", ListAsync);
        viewer.MapGet("/alerts/stream", StreamAsync);
        viewer.MapGet("/alerts/stats", StatsAsync);
        viewer.MapGet("/alerts/{id}", GetAsync);
        viewer.MapGet("/alerts/{id}/activity", ActivityAsync);
        viewer.MapGet("/suppressions", ListSuppressionsAsync);
        viewer.MapGet("/suppressions/{id}", async (string id, HttpContext http, SuppressionStore suppressions) =>
            await suppressions.GetAsync(id, http.RequestAborted) is { } found
                ? Results.Json(found, ResponderJsonContext.Default.SuppressionRecord)
                : Problems.Result(404, $"no suppression {id}"));

        analyst.MapPost("/alerts/{id}/status", async (string id, HttpContext http, TriageService triage) =>
        {
            var (body, problem) = await Problems.ReadJsonAsync(http, ResponderJsonContext.Default.StatusRequest);
            return problem ?? await StatusAsync(triage, id, body?.Status, body?.Note, new SuppressionRequest(body?.Rules, body?.Scope, body?.ExpiresAt, Cluster: body?.Cluster), http, body?.Version);
        });
        analyst.MapPost("/alerts/{id}/verdict", async (string id, HttpContext http, TriageService triage) =>
        {
            var (body, problem) = await Problems.ReadJsonAsync(http, ResponderJsonContext.Default.VerdictRequest);
            if (problem is not null)
            {
                return problem;
            }

            if (body?.Verdict is not (AlertStatuses.FalsePositive or AlertStatuses.TruePositive))
            {
                return Problems.Result(Problems.Invalid([new ItemError(0, "verdict", "must be false_positive or true_positive")]));
            }

            return await StatusAsync(triage, id, body.Verdict, body.Note, new SuppressionRequest(body.Rules, body.Scope, body.ExpiresAt, Cluster: body.Cluster), http);
        });
        analyst.MapPost("/alerts/{id}/assign", async (string id, HttpContext http, TriageService triage) =>
        {
            var (body, problem) = await Problems.ReadJsonAsync(http, ResponderJsonContext.Default.AssignRequest);
            return problem ?? await AnswerAsync(
                triage.AssignAsync(id, body?.Assignee, ApiAuth.CallerOf(http), http.RequestAborted, body?.Version), AlertView.From, ResponderJsonContext.Default.AlertView);
        });
        analyst.MapPost("/alerts/{id}/comments", async (string id, HttpContext http, TriageService triage) =>
        {
            var (body, problem) = await Problems.ReadJsonAsync(http, ResponderJsonContext.Default.CommentRequest);
            // A comment has no address of its own: it is in the alert's history, which the alert's detail shows.
            return problem ?? await AnswerAsync(
                triage.CommentAsync(id, body?.Text, ApiAuth.CallerOf(http), http.RequestAborted, IdempotentRequestId.Of(http)),
                AlertView.From,
                ResponderJsonContext.Default.AlertView,
                StatusCodes.Status201Created,
                alert => Locations.Set(http, "alerts", alert.Alert.Id));
        }).Idempotent();
        analyst.MapPost("/alerts/bulk", BulkAsync);
        analyst.MapPost("/suppressions", CreateSuppressionAsync).Idempotent();
        analyst.MapMethods("/suppressions/{id}", ["PATCH"], NarrowSuppressionAsync);
        analyst.MapDelete("/suppressions/{id}", LiftSuppressionAsync);
    }

    private static async Task<IResult> ListAsync(HttpContext http, AlertStore alerts)
    {
        var errors = new List<ItemError>();
        QueryArgs.OnlyKnown(http.Request.Query, QueryArgs.AlertFilters, errors);
        var query = QueryArgs.Alerts(http.Request.Query, errors);
        if (errors.Count > 0)
        {
            return Problems.Result(Problems.Invalid(errors));
        }

        // Read the version first: a change committed while the page is read is then also in the stream from this version.
        var version = await alerts.VersionAsync(http.RequestAborted);
        var limit = query.Limit;
        var items = await alerts.QueryAsync(query with { Limit = limit + 1 }, http.RequestAborted);
        QueryArgs.Applied(http.Response, limit);
        var page = items.Take(limit).ToList();
        var next = items.Count > limit ? new AlertCursor(page[^1].Alert.LastSeen.ToUnixTimeMilliseconds(), page[^1].Alert.Id).Encode() : null;
        return Results.Json(
            new AlertPage([.. page.Select(AlertView.From)], limit, query.Offset, next, version),
            ResponderJsonContext.Default.AlertPage);
    }

    private static async Task<IResult> GetAsync(string id, HttpContext http, AlertStore alerts, ActionStore actions, SuppressionStore suppressions)
    {
        var stored = await alerts.GetAsync(id, http.RequestAborted);
        if (stored is null)
        {
            return Problems.Result(404, $"no alert {id}");
        }

        var history = await alerts.HistoryAsync(id, http.RequestAborted);
        var related = await actions.QueryAsync(new ActionQuery(AlertId: id, Limit: 1000), http.RequestAborted);
        var made = await suppressions.QueryAsync(new SuppressionQuery(AlertId: id), http.RequestAborted);
        return Results.Json(new AlertDetail(AlertView.From(stored), history, related, made), ResponderJsonContext.Default.AlertDetail);
    }

    private static async Task<IResult> StatusAsync(TriageService triage, string id, string? status, string? note, SuppressionRequest suppression, HttpContext http, long? seen = null)
    {
        var (outcome, problem) = await triage.SetStatusAsync(id, status, note, suppression, ApiAuth.CallerOf(http), http.RequestAborted, seen);
        return problem is not null
            ? Problems.Result(problem)
            : Results.Json(new StatusResult(AlertView.From(outcome!.Alert), outcome.Suppressions), ResponderJsonContext.Default.StatusResult);
    }

    private static async Task<IResult> BulkAsync(HttpContext http, TriageService triage)
    {
        var (body, problem) = await Problems.ReadJsonAsync(http, ResponderJsonContext.Default.BulkRequest);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new List<ItemError>();
        var items = BulkItems(body, errors);
        if (body?.Status is null && body?.Assignee is null && body?.Unassign != true)
        {
            errors.Add(new ItemError(0, "status", "give a status, an assignee or unassign: true"));
        }

        if (body?.Assignee is not null && body.Unassign)
        {
            errors.Add(new ItemError(0, "unassign", "give either assignee or unassign, not both"));
        }

        if (errors.Count > 0)
        {
            return Problems.Result(Problems.Invalid(errors));
        }

        var caller = ApiAuth.CallerOf(http);
        var changed = new List<AlertView>();
        var refused = new List<ItemError>();
        var stale = 0;
        for (var i = 0; i < items.Count; i++)
        {
            var (id, seen) = items[i];
            StoredAlert? after = null;
            Problem? failed = null;
            if (body!.Status is { } status)
            {
                var (outcome, p) = await triage.SetStatusAsync(id, status, body.Note, null, caller, http.RequestAborted, seen);
                (after, failed) = (outcome?.Alert, p);

                // The assignment below is decided on the alert as this status change left it.
                if (outcome is { Changed: true } && seen is not null)
                {
                    seen = outcome.Alert.Version;
                }
            }

            if (failed is null && (body.Assignee is not null || body.Unassign))
            {
                (after, failed) = await triage.AssignAsync(id, body.Assignee, caller, http.RequestAborted, seen);
            }

            if (failed is null)
            {
                changed.Add(AlertView.From(after!));
            }
            else if (failed.CurrentVersion is not null)
            {
                stale++;
                refused.Add(Problems.StaleItem(i, failed, failed.Detail ?? $"{id}: changed since version {seen}"));
            }
            else
            {
                refused.Add(new ItemError(i, failed.Errors is { Count: > 0 } e ? e[0].Field : "id", $"{id}: {failed.Errors?.FirstOrDefault()?.Reason ?? failed.Detail}"));
            }
        }

        if (changed.Count == 0)
        {
            // Nothing changed is an error like any other: a problem document listing each alert and why, 409 when every
            // one of them had changed since the version sent (read them again and decide on that).
            return Problems.Result(Problems.Create(
                stale == refused.Count ? 409 : 400,
                "bulk-refused",
                "No alert was changed",
                string.Join("; ", refused.Select(e => $"[{e.Index}] {e.Reason}")),
                refused));
        }

        // 207 when some alerts were changed and some not, as Ingest answers a partly accepted batch.
        return Results.Json(new BulkResult(changed, refused), ResponderJsonContext.Default.BulkResult, statusCode: refused.Count == 0 ? 200 : 207);
    }

    /// <summary>
    /// The alerts of a bulk request with the version each was decided on: from <c>items</c>, each with its
    /// <c>version</c>, or from <c>ids</c> (no version: each is changed as it is now). Adds a problem for anything else.
    /// </summary>
    private static List<(string Id, long? Version)> BulkItems(BulkRequest? body, List<ItemError> errors)
    {
        var count = body?.Items?.Count ?? body?.Ids?.Count ?? 0;
        if (body?.Ids is not null && body.Items is not null)
        {
            errors.Add(new ItemError(0, "items", "give items (each alert with its version) or ids, not both"));
            return [];
        }

        if (count is 0 or > BulkRequest.MaxIds)
        {
            errors.Add(new ItemError(0, body?.Items is null ? "ids" : "items", $"1 to {BulkRequest.MaxIds} alerts are required: items [{{\"id\", \"version\"}}] or ids"));
            return [];
        }

        if (body!.Items is not { } items)
        {
            errors.AddRange(body.Ids!.SelectMany((id, i) => Bounds.Id("ids", id).Select(e => e with { Index = i })));
            return [.. body.Ids!.Select(id => (id, (long?)null))];
        }

        for (var i = 0; i < items.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(items[i]?.Id))
            {
                errors.Add(new ItemError(i, "id", "the alert's id is required"));
            }
            else
            {
                errors.AddRange(Bounds.Id("id", items[i]!.Id).Select(e => e with { Index = i }));
            }

            if (items[i]?.Version is null)
            {
                errors.Add(new ItemError(i, "version", "the alert's version the change was decided on is required (send ids to change alerts whatever their version)"));
            }
        }

        return [.. items.Select(item => (item?.Id ?? "", item?.Version))];
    }

    private static async Task StreamAsync(
        HttpContext http,
        AlertStore alerts,
        [FromKeyedServices(AlertStore.WakeKey)] WakeSignal signal,
        Revocation.FeedStreamLimiter limiter,
        IOptions<Revocation.RevocationFeedOptions> streams,
        TimeProvider time)
    {
        var errors = new List<ItemError>();
        QueryArgs.OnlyKnown(http.Request.Query, QueryArgs.AlertStreamFilters, errors);
        var query = QueryArgs.Alerts(http.Request.Query, errors);
        if (!EventStream.TryResumeFrom(http.Request, "since_version", out var resumeFrom))
        {
            errors.Add(new ItemError(0, EventStream.ResumeField(http.Request, "since_version"), "must be a change version (the page's version, or an event id of this stream)"));
        }

        if (errors.Count > 0)
        {
            await Problems.WriteAsync(http, Problems.Invalid(errors));
            return;
        }

        // Each alert stream polls the store on its own: capped as the revocation streams are, counted apart from them.
        using var place = await limiter.EnterAsync(http, "alerts:" + ApiAuth.CallerOf(http).Name, "alert queue");
        if (place is null)
        {
            return;
        }

        // Without a position the stream starts now: what is already there is read through GET /v1/alerts.
        var last = resumeFrom ?? await alerts.VersionAsync(http.RequestAborted);

        // A console session's stream ends with the session (sign-out, expiry, an admin ending it): the browser's reconnect
        // then meets a 401 and returns to sign-in. API tokens are configured, without expiry, so theirs runs on.
        var caller = ApiAuth.CallerOf(http);
        var allowed = caller.CsrfToken is null ? null : ConsoleSignIn.SessionLive(http);

        var stream = await EventStream.StartAsync(http, time, 2000);

        // Changes made by other instances show up within the poll interval; this instance's wake the stream at once. The
        // revocation feed's interval and keep-alive (Responder:Feed) serve every event stream of the Responder.
        await stream.PumpAsync(
            last,
            (since, token) => alerts.ChangedSinceAsync(since, query, StreamBatch, token),
            StreamBatch,
            (buffer, a) =>
            {
                EventStream.AppendEvent(buffer, "alert", a.Version, JsonSerializer.Serialize(AlertView.From(a), ResponderJsonContext.Default.AlertView));
                return a.Version;
            },
            signal.NextAsync,
            streams.Value.PollInterval,
            streams.Value.KeepAlive,
            allowed);
    }

    private static async Task<IResult> StatsAsync(HttpContext http, AlertStatsStore stats, TimeProvider time)
    {
        var errors = new List<ItemError>();
        QueryArgs.OnlyKnown(http.Request.Query, ["since", "until", "buckets"], errors);
        var until = QueryArgs.Time(http.Request.Query["until"], "until", errors) ?? time.GetUtcNow();
        var since = QueryArgs.Time(http.Request.Query["since"], "since", errors) ?? until.AddDays(-1);
        if (since >= until)
        {
            errors.Add(new ItemError(0, "since", "must be before until"));
        }

        var buckets = QueryArgs.Int(http.Request.Query["buckets"], 24, "buckets", errors, min: 1, max: 200);

        if (errors.Count > 0)
        {
            return Problems.Result(Problems.Invalid(errors));
        }

        var bucketSeconds = (int)Math.Max(60, Math.Ceiling((until - since).TotalSeconds / buckets));
        return Results.Json(await stats.StatsAsync(since, until, bucketSeconds, http.RequestAborted), ResponderJsonContext.Default.AlertStats);
    }

    private static async Task<IResult> ActivityAsync(string id, HttpContext http, AlertStore alerts, AlertStatsStore stats)
    {
        var errors = new List<ItemError>();
        QueryArgs.OnlyKnown(http.Request.Query, ["hours"], errors);
        var hours = QueryArgs.Int(http.Request.Query["hours"], 6, "hours", errors, min: 1, max: 168);

        if (errors.Count > 0)
        {
            return Problems.Result(Problems.Invalid(errors));
        }

        var stored = await alerts.GetAsync(id, http.RequestAborted);
        if (stored is null)
        {
            return Problems.Result(404, $"no alert {id}");
        }

        var to = stored.Alert.LastSeen.AddMinutes(30);
        var activity = await stats.ActivityAsync(stored.Alert.Principal, id, to.AddHours(-hours), to, http.RequestAborted);
        return Results.Json(activity, ResponderJsonContext.Default.PrincipalActivity);
    }

    private static async Task<IResult> ListSuppressionsAsync(HttpContext http, SuppressionStore suppressions)
    {
        var q = http.Request.Query;
        var errors = new List<ItemError>();
        QueryArgs.OnlyKnown(q, ["state", "alert_id", "principal", "limit"], errors);
        var state = q["state"].FirstOrDefault();
        if (state is not (null or "" or "all" or SuppressionStates.Active or SuppressionStates.Expired or SuppressionStates.Lifted))
        {
            errors.Add(new ItemError(0, "state", "must be active (default), expired, lifted or all"));
        }

        var limit = QueryArgs.Limit(q["limit"], 200, SuppressionStore.MaxPage, errors);
        var query = new SuppressionQuery(state is null or "" ? SuppressionStates.Active : state == "all" ? null : state, q["alert_id"].FirstOrDefault(), q["principal"].FirstOrDefault(), limit);
        return await QueryArgs.ListAsync(
            http.Response, errors, limit, () => suppressions.QueryAsync(query, http.RequestAborted), ResponderJsonContext.Default.ListSuppressionRecord);
    }

    private static async Task<IResult> CreateSuppressionAsync(HttpContext http, AlertStore alerts, SuppressionService service)
    {
        var (body, problem) = await Problems.ReadJsonAsync(http, ResponderJsonContext.Default.SuppressionBody);
        if (problem is not null)
        {
            return problem;
        }

        if (string.IsNullOrWhiteSpace(body?.AlertId))
        {
            return Problems.Result(Problems.Invalid([new ItemError(0, "alert_id", "the alert the suppression is made from is required")]));
        }

        if (Bounds.Refusal(Bounds.Id("alert_id", body.AlertId)) is { } badId)
        {
            return Problems.Result(badId);
        }

        var alert = await alerts.GetAsync(body.AlertId, http.RequestAborted);
        if (alert is null)
        {
            return Problems.Result(404, $"no alert {body.AlertId}");
        }

        return await AnswerAsync(
            service.CreateAsync(
                alert, new SuppressionRequest(body.Rules, body.Scope, body.ExpiresAt, body.Note, body.Cluster), ApiAuth.CallerOf(http), http.RequestAborted, IdempotentRequestId.Of(http)),
            s => s,
            ResponderJsonContext.Default.SuppressionRecord,
            StatusCodes.Status201Created,
            made => Locations.Set(http, "suppressions", made.Id));
    }

    private static async Task<IResult> NarrowSuppressionAsync(string id, HttpContext http, AlertStore alerts, SuppressionStore store, SuppressionService service)
    {
        var (body, problem) = await Problems.ReadJsonAsync(http, ResponderJsonContext.Default.NarrowRequest);
        if (problem is not null)
        {
            return problem;
        }

        var existing = await store.GetAsync(id, http.RequestAborted);
        var alert = existing is null ? null : await alerts.GetAsync(existing.AlertId, http.RequestAborted);
        return await AnswerAsync(
            service.NarrowAsync(
                id, alert, new SuppressionRequest(body?.Rules, body?.Scope, body?.ExpiresAt, body?.Note, body?.Cluster), ApiAuth.CallerOf(http), http.RequestAborted, body?.Version),
            s => s,
            ResponderJsonContext.Default.SuppressionRecord);
    }

    /// <summary>The reason and version of a lift come as <c>?reason=&amp;version=</c> or as a body, whichever the client sends.</summary>
    private static async Task<IResult> LiftSuppressionAsync(string id, HttpContext http, SuppressionService service)
    {
        var errors = new List<ItemError>();
        var reason = http.Request.Query["reason"].FirstOrDefault();
        long? version = http.Request.Query["version"] is { Count: > 0 } v ? QueryArgs.Int(v, 0, "version", errors, min: 1) : null;
        if (errors.Count > 0)
        {
            return Problems.Result(Problems.Invalid(errors));
        }

        // Read whenever one is sent, also chunked (no Content-Length): a reason or version in it is never dropped.
        var (body, problem) = await Problems.ReadJsonAsync(http, ResponderJsonContext.Default.LiftRequest);
        if (problem is not null)
        {
            return problem;
        }

        reason = string.IsNullOrWhiteSpace(reason) ? body?.Reason : reason;
        version ??= body?.Version;

        if (string.IsNullOrWhiteSpace(reason))
        {
            return Problems.Result(Problems.Invalid([new ItemError(0, "reason", "lifting a suppression needs a reason (?reason= or {\"reason\": ...})")]));
        }

        return await AnswerAsync(service.LiftAsync(id, reason, ApiAuth.CallerOf(http), http.RequestAborted, version), s => s, ResponderJsonContext.Default.SuppressionRecord);
    }

    /// <summary>
    /// The answer to a triage change: the problem that refused it, or what it made or left (as <paramref name="view"/>
    /// shows it) with <paramref name="status"/>.
    /// </summary>
    /// <param name="made">Called with what a creating request made, before the answer is written: its <c>Location</c>.</param>
    private static async Task<IResult> AnswerAsync<T, TView>(
        Task<(T? Made, Problem? Problem)> change, Func<T, TView> view, JsonTypeInfo<TView> json, int status = StatusCodes.Status200OK, Action<T>? made = null)
        where T : class
    {
        var (result, refused) = await change;
        if (refused is not null)
        {
            return Problems.Result(refused);
        }

        made?.Invoke(result!);
        return Results.Json(view(result!), json, statusCode: status);
    }
}
