namespace ZtStream.Responder.Revocation;

/// <summary>
/// <c>GET /v1/revocations</c> (snapshot, or one action's entries with <c>?action_id=</c>), <c>GET /v1/revocations/stream</c> (server-sent events, resumable with
/// <c>Last-Event-ID</c>), both for a feed credential (<see cref="ApiTokenAuthenticator.FeedCredential"/>) or a console
/// session, and <c>POST /v1/revocations/{version}/lift</c> for responders. Streams are served from
/// <see cref="RevocationFeedHub"/>'s memory and capped per credential.
/// </summary>
internal static class RevocationFeedEndpoints
{
    /// <summary>The key of the <see cref="WakeSignal"/> set when this process lists or lifts an entry.</summary>
    public const string WakeKey = "revocations";

    private static readonly Problem FeedUnauthorized =
        Problems.Of(401, "the revocation feed needs a credential: the feed token or an API token (Authorization: Bearer ...)");

    private static readonly Problem FormatInvalid =
        Problems.Invalid([new ItemError(0, RevocationFeed.FormatQuery, $"must be '{RevocationFeed.SignedFormat}' (the signed feed), or left out (unsigned)")]);

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(RevocationFeed.SnapshotPath, async (HttpContext http, RevocationStore store, ApiTokenAuthenticator auth, FeedSigner signer) =>
        {
            if (await ReaderAsync(http, auth) is null)
            {
                http.Response.Headers.WWWAuthenticate = "Bearer realm=\"ztstream-feed\"";
                return Problems.Result(FeedUnauthorized);
            }

            if (UnknownParameters(http.Request, [RevocationFeed.FormatQuery, "action_id"]) is { } unknown)
            {
                return Problems.Result(unknown);
            }

            if (!IsSigned(http.Request, out var signed))
            {
                return Problems.Result(FormatInvalid);
            }

            // ?action_id= narrows the snapshot to one action's entries: what the console needs to offer a lift.
            string? actionId = null;
            if (http.Request.Query.TryGetValue("action_id", out var asked))
            {
                if (asked.Count != 1 || !Guid.TryParse(asked[0], out var id))
                {
                    return Problems.Result(Problems.Invalid([new ItemError(0, "action_id", "must be one action id (a UUID)")]));
                }

                actionId = id.ToString();
            }

            var snapshot = await store.SnapshotAsync(http.RequestAborted, actionId);
            if (signed)
            {
                await signer.ReadyAsync(http.RequestAborted);
                return Results.Text(signer.Snapshot(snapshot), RevocationFeed.SignedMediaType);
            }

            return Results.Json(snapshot, ContractsJsonContext.Default.RevocationSnapshot);
        });

        // The public keys of the signed feed, for operators to pin in their SDKs' configuration: public, like any JWKS.
        endpoints.MapGet(RevocationFeed.JwksPath, async (FeedSigner signer, HttpContext http) =>
            Results.Text(await signer.JwksAsync(http.RequestAborted), "application/jwk-set+json"));

        endpoints.MapGet(RevocationFeed.StreamPath, StreamAsync);
        endpoints.MapPost("/v1/revocations/{version:long}/lift", LiftAsync).RequireApiRole(ApiRoles.Responder);
    }

    private static async Task StreamAsync(
        HttpContext http,
        RevocationFeedHub hub,
        FeedStreamLimiter limiter,
        ApiTokenAuthenticator auth,
        ResponderTelemetry telemetry,
        IOptions<RevocationFeedOptions> options,
        FeedSigner signer,
        TimeProvider time)
    {
        var credential = await ReaderAsync(http, auth);
        if (credential is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"ztstream-feed\"";
            await Problems.WriteAsync(http, FeedUnauthorized);
            return;
        }

        if (UnknownParameters(http.Request, [RevocationFeed.FormatQuery, "last_event_id"]) is { } unknown)
        {
            await Problems.WriteAsync(http, unknown);
            return;
        }

        if (!EventStream.TryResumeFrom(http.Request, "last_event_id", out var resumeFrom))
        {
            await Problems.WriteAsync(http, Problems.Invalid([new ItemError(0, EventStream.ResumeField(http.Request, "last_event_id"), "must be a revocation version (a whole number)")]));
            return;
        }

        if (!IsSigned(http.Request, out var signed))
        {
            await Problems.WriteAsync(http, FormatInvalid);
            return;
        }

        if (signed)
        {
            await signer.ReadyAsync(http.RequestAborted);
        }

        using var place = await limiter.EnterAsync(http, credential, "revocation");
        if (place is null)
        {
            return;
        }

        using var subscribed = telemetry.FeedSubscribed();

        // As the alert stream: a console session's stream ends with the session; a feed credential's runs on.
        var allowed = credential.StartsWith("session:", StringComparison.Ordinal) ? ConsoleSignIn.SessionLive(http) : null;

        // The hub polls the store for every stream, so a stream waits only for its wake or the keep-alive.
        var keepAlive = options.Value.KeepAlive;
        var stream = await EventStream.StartAsync(http, time, 1000);
        await stream.PumpAsync(
            resumeFrom ?? 0,
            hub.ReadAsync,
            RevocationFeedHub.BatchSize,
            (buffer, item) =>
            {
                buffer.Append(signed ? hub.Signed(item) : item.Text);
                return item.Version;
            },
            hub.NextAsync,
            keepAlive,
            keepAlive,
            allowed,
            signed ? signer.KeepAlive : null);
    }

    /// <summary>
    /// A 400 naming each query parameter the feed does not take, as the rest of the API refuses them: a misspelt
    /// <c>action_id</c> is never answered with the whole list as if it had not been sent.
    /// </summary>
    private static Problem? UnknownParameters(HttpRequest request, string[] known)
    {
        var errors = new List<ItemError>();
        QueryArgs.OnlyKnown(request.Query, known, errors);
        return errors.Count == 0 ? null : Problems.Invalid(errors);
    }

    /// <summary>Whether the request asks for the signed feed (<c>?format=jws</c>); false when <c>format</c> names anything else.</summary>
    private static bool IsSigned(HttpRequest request, out bool signed)
    {
        signed = false;
        if (!request.Query.TryGetValue(RevocationFeed.FormatQuery, out var format))
        {
            return true;
        }

        signed = format is [RevocationFeed.SignedFormat];
        return signed;
    }

    /// <summary>
    /// Who reads the feed: <see cref="ApiTokenAuthenticator.FeedCredential"/>, or a console session (any role, as any
    /// API token may read it). The console reads the snapshot to find the entries an action put on the list before it
    /// lifts them; without this a signed-in responder was refused and signed out.
    /// </summary>
    private static async Task<string?> ReaderAsync(HttpContext http, ApiTokenAuthenticator auth) =>
        auth.FeedCredential(http) ?? (await ConsoleSignIn.SessionCallerAsync(http) is { } session ? "session:" + session.Name : null);

    /// <summary>
    /// Lifts one entry: it leaves the snapshot, the stream publishes the lift and SDKs drop it. Only the built-in list
    /// changes: an IdP or a Shared Signals receiver told of the revocation is told nothing new (there is no "un-revoke"
    /// to send); the audit trail records who lifted it and why.
    /// </summary>
    private static async Task<IResult> LiftAsync(
        long version, HttpContext http, RevocationStore store, AuditLog audit, [FromKeyedServices(WakeKey)] WakeSignal written, ILogger<RevocationFeedHub> logger)
    {
        var (body, problem) = await Problems.ReadJsonAsync(http, ResponderJsonContext.Default.NoteRequest);
        if (problem is not null)
        {
            return problem;
        }

        if (Bounds.Refusal(Bounds.LiftReason(body?.Reason)) is { } invalid)
        {
            return Problems.Result(invalid);
        }

        var caller = ApiAuth.CallerOf(http);
        var reason = body!.Reason!;
        // The lift and its audit entry commit together: a lift nobody can account for must never put a token back in use.
        (LiftOutcome Outcome, RevocationLift? Lift, Contracts.Revocations.Revocation? Entry) result = default;
        await audit.AppendChangeAsync(
            async (connection, tx, ct) =>
            {
                result = await store.LiftAsync(connection, tx, version, caller.Name, reason, ct);
                return result is (LiftOutcome.Lifted, { } lifted, { } entry) ? LiftRecord(entry, lifted, caller.Name, reason) : null;
            },
            http.RequestAborted);
        var (outcome, lift, _) = result;
        switch (outcome)
        {
            case LiftOutcome.NotFound:
                return Problems.Result(404, $"no revocation entry {version}");
            case LiftOutcome.AlreadyLifted:
                // The entry is now at its lift's version: the stream's id of the lift, which a client resumes after.
                return Problems.Result(Problems.Stale(
                    lift!.Version, $"revocation entry {version} was already lifted at {lift.LiftedAt:O} ({lift.Reason}), at version {lift.Version}"));
        }

        written.Set();
        ResponderLog.RevocationLifted(logger, version, caller.Name, reason);
        return Results.Json(lift!, ContractsJsonContext.Default.RevocationLift);
    }

    /// <summary>
    /// The <c>revocation.lifted</c> entry of one lifted entry, whether it was lifted alone or with the rest of its action's
    /// (<see cref="Actions.ActionService.LiftRevocationAsync"/>, which also names the alert the action was filed under).
    /// </summary>
    public static AuditRecord LiftRecord(Contracts.Revocations.Revocation entry, RevocationLift lift, string by, string reason, string? alertId = null) => new(
        AuditKinds.RevocationLifted,
        by,
        $"lifted revocation {entry.Version} ({Describe(entry)}): {reason}",
        ActionId: entry.ActionId,
        AlertId: alertId,
        Principal: entry.SubjectId,
        BeforeJson: JsonSerializer.Serialize(entry, ContractsJsonContext.Default.Revocation),
        AfterJson: JsonSerializer.Serialize(lift, ContractsJsonContext.Default.RevocationLift));

    public static string Describe(Contracts.Revocations.Revocation entry) =>
        entry.Jti is not null ? $"token {entry.Jti}" : entry.SessionId is not null ? $"session {entry.SessionId}" : $"sessions of {entry.SubjectId}";
}
