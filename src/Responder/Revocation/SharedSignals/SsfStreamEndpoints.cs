namespace ZtStream.Responder.Revocation.SharedSignals;

/// <summary>A receiver that authenticated to the stream-management API.</summary>
internal sealed record SsfClient(string Name, SsfClientOptions Options)
{
    /// <summary>The <c>aud</c> of its streams' SETs.</summary>
    public string Audience => Options.Audience!;
}

/// <summary>The clients of <see cref="SharedSignalsOptions.Clients"/>, by their bearer tokens.</summary>
internal sealed class SsfClients(SharedSignalsOptions options)
{
    private readonly List<(byte[] Hash, SsfClient Client)> clients = [.. options.Clients.Select(c => (
        c.Value.TokenSha256 is { Length: > 0 } h ? Convert.FromHexString(h) : BearerTokens.Hash(c.Value.Token ?? ""),
        new SsfClient(c.Key, c.Value)))];

    public SsfClient? Authenticate(HttpContext http) =>
        BearerTokens.Presented(http, maxHeaderLength: 4096) is { } presented ? BearerTokens.Find(clients, presented) : null;
}

/// <summary>
/// The SSF 1.0 stream-management API (§8): receivers create, read, update, replace and delete their streams, read and
/// set their status, add and remove subjects and ask for a verification event — each authenticated with its own
/// bearer token and seeing only its own streams. Poll streams are served at <c>/ssf/poll/{stream_id}</c> (RFC 8936).
/// Also <c>POST /v1/ssf/signals</c>, where a responder sends a CAEP signal by hand. Errors are RFC 9457 problem documents.
/// </summary>
internal static class SsfStreamEndpoints
{
    public const string StreamsPath = "/ssf/streams";
    public const string StatusPath = "/ssf/status";
    public const string AddSubjectPath = "/ssf/subjects:add";
    public const string RemoveSubjectPath = "/ssf/subjects:remove";
    public const string VerifyPath = "/ssf/verify";
    public const string PollPath = "/ssf/poll";
    public const string SignalsPath = "/v1/ssf/signals";
    private static readonly JsonBodyLimit StreamBodyLimit = new(64 * 1024, "the stream API's fixed limit");

    // What a stream keeps of a receiver's configuration: longer is refused naming the member, never cut short.
    private const int MaxDescriptionLength = 256;
    private const int MaxReasonLength = 256;
    private const int MaxAuthorizationLength = 4096;
    private const int MaxEndpointUrlLength = 2048;
    private const int MaxEventsRequested = 64;

    /// <summary>What <c>POST /v1/ssf/signals</c> takes (docs/ssf.md), each a string.</summary>
    private static readonly string[] SignalMembers =
        ["event", "subject_id", "session_id", "reason", "credential_type", "change_type", "namespace", "current_level", "previous_level", "change_direction"];

    internal static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(StreamsPath, OnClient(bodyRequired: false, CreateAsync)).ExcludeFromDescription();
        endpoints.MapGet(StreamsPath, Handler(ReadAsync)).ExcludeFromDescription();
        endpoints.MapPatch(StreamsPath, OnClient(bodyRequired: true, (http, request) => UpdateAsync(http, request, replace: false))).ExcludeFromDescription();
        endpoints.MapPut(StreamsPath, OnClient(bodyRequired: true, (http, request) => UpdateAsync(http, request, replace: true))).ExcludeFromDescription();
        endpoints.MapDelete(StreamsPath, OnQueryStream(DeleteAsync)).ExcludeFromDescription();
        endpoints.MapGet(StatusPath, OnQueryStream(ReadStatusAsync)).ExcludeFromDescription();
        endpoints.MapPost(StatusPath, OnStream(UpdateStatusAsync)).ExcludeFromDescription();
        endpoints.MapPost(AddSubjectPath, OnStream((http, request) => SubjectAsync(http, request, add: true))).ExcludeFromDescription();
        endpoints.MapPost(RemoveSubjectPath, OnStream((http, request) => SubjectAsync(http, request, add: false))).ExcludeFromDescription();
        endpoints.MapPost(VerifyPath, OnStream(VerifyAsync)).ExcludeFromDescription();
        endpoints.MapPost(PollPath + "/{streamId}", OnClient(bodyRequired: false, (http, request) => PollAsync(http, request, (string)http.GetRouteValue("streamId")!)))
            .ExcludeFromDescription();
        endpoints.MapPost(SignalsPath, Handler(SignalAsync)).RequireApiRole(ApiRoles.Responder).ExcludeFromDescription();
    }

    /// <summary>As a route handler (not a RequestDelegate), so the returned result is written.</summary>
    private static Delegate Handler(Func<HttpContext, Task<IResult>> handler) => handler;

    /// <summary>A receiver's request: the handler runs once <see cref="ClientRequestAsync"/> authenticated it and read its body.</summary>
    private static Delegate OnClient(bool bodyRequired, Func<HttpContext, ClientRequest, Task<IResult>> handler) => Handler(async http =>
    {
        var (request, failure) = await ClientRequestAsync(http, bodyRequired);
        return request is null ? failure! : await handler(http, request);
    });

    /// <summary>
    /// A request without a body that names a stream in its query (<c>?stream_id=</c>): the handler runs once the caller
    /// authenticated and the id was read; whether the stream is the caller's is the handler's question.
    /// </summary>
    private static Delegate OnQueryStream(Func<HttpContext, SsfClient, string, SsfServices, Task<IResult>> handler) => Handler(async http =>
    {
        if (Authenticate(http) is not { } client)
        {
            return Unauthorized(http);
        }

        var (id, refused) = QueryStreamId(http);
        return id is null ? refused! : await handler(http, client, id, Services(http));
    });

    /// <summary>A request about one of the caller's streams: the handler runs once <see cref="StreamRequestAsync"/> found it.</summary>
    private static Delegate OnStream(Func<HttpContext, StreamRequest, Task<IResult>> handler) => Handler(async http =>
    {
        var (request, failure) = await StreamRequestAsync(http);
        return request is null ? failure! : await handler(http, request);
    });

    private static async Task<IResult> CreateAsync(HttpContext http, ClientRequest request)
    {
        var (client, body, services) = request;
        if ((await services.Streams.ForClientAsync(client.Name, http.RequestAborted)).Count >= services.Options.MaxStreamsPerClient)
        {
            return Problem(409, "too-many-streams", "Too many streams", $"Receiver '{client.Name}' has {services.Options.MaxStreamsPerClient} streams, the most allowed; delete one or update it.");
        }

        var now = services.Time.GetUtcNow();
        var stream = new SsfStream
        {
            StreamId = Guid.NewGuid().ToString("N"),
            Client = client.Name,
            Aud = client.Audience,
            DeliveryMethod = SsfDelivery.PollMethod,
            EventsRequested = Events(SecurityEventTokens.Supported),
            Status = SsfStreamStatus.Enabled,
            CreatedAt = now,
            UpdatedAt = now,
        };
        if (PushNotAllowed(client, body) is { } refused)
        {
            return refused;
        }

        var errors = new List<ItemError>();
        var applied = Apply(stream, body, replace: true, services.Options, errors);
        TransmitterSupplied(body, Configuration(applied, services.Options), errors);
        if (errors.Count > 0)
        {
            return Invalid(errors);
        }

        await services.Streams.CreateAsync(applied, http.RequestAborted);
        await AuditAsync(http, "ssf.stream_created", client, $"stream {applied.StreamId} created ({applied.Delivery}, {string.Join(", ", applied.Delivered().Select(SsfEventTypes.ShortName))})", applied.StreamId);
        // Not asked by SSF 1.0 §8.1.1, but what a 201 names (RFC 9110 §15.3.2): where the receiver reads the stream again.
        Locations.Set(http, StreamsPath, "stream_id", applied.StreamId);
        return Json(Configuration(applied, services.Options), statusCode: 201);
    }

    private static async Task<IResult> ReadAsync(HttpContext http)
    {
        if (Authenticate(http) is not { } client)
        {
            return Unauthorized(http);
        }

        var services = Services(http);
        // Without a stream_id (or an empty one) the list; with one, that stream.
        if (http.Request.Query["stream_id"].ToString().Length > 0)
        {
            var (id, refused) = QueryStreamId(http);
            if (id is null)
            {
                return refused!;
            }

            return await services.Streams.GetOwnAsync(client.Name, id, http.RequestAborted) is { } stream
                ? Json(Configuration(stream, services.Options))
                : NotFound(id);
        }

        var all = await services.Streams.ForClientAsync(client.Name, http.RequestAborted);
        return Json(new JsonArray([.. all.Select(s => (JsonNode)Configuration(s, services.Options))]));
    }

    private static async Task<IResult> UpdateAsync(HttpContext http, ClientRequest request, bool replace)
    {
        var (client, body, services) = request;
        var idErrors = new List<ItemError>();
        if (Member(body, "stream_id", "stream_id", int.MaxValue, idErrors) is not { } id)
        {
            ErrorUnlessNamed(idErrors, "stream_id", "is required: the stream to update");
            return Invalid(idErrors);
        }

        if (await services.Streams.GetOwnAsync(client.Name, id, http.RequestAborted) is not { } stream)
        {
            return NotFound(id);
        }

        var errors = new List<ItemError>();
        TransmitterSupplied(body, Configuration(stream, services.Options), errors);
        if (errors.Count > 0)
        {
            return Invalid(errors);
        }

        if (PushNotAllowed(client, body) is { } refused)
        {
            return refused;
        }

        var updated = Apply(stream, body, replace, services.Options, errors);
        if (errors.Count > 0)
        {
            return Invalid(errors);
        }

        updated = updated with { UpdatedAt = services.Time.GetUtcNow() };
        if (!await services.Streams.UpdateAsync(updated, http.RequestAborted))
        {
            // Deleted since it was read: nothing was written, so nothing is audited or answered as the stream.
            return NotFound(id);
        }

        await AuditAsync(http, "ssf.stream_updated", client, $"stream {id} {(replace ? "replaced" : "updated")} ({updated.Delivery}, {string.Join(", ", updated.Delivered().Select(SsfEventTypes.ShortName))})", id);
        return Json(Configuration(updated, services.Options));
    }

    private static async Task<IResult> DeleteAsync(HttpContext http, SsfClient client, string id, SsfServices services)
    {
        if (!await services.Streams.DeleteAsync(client.Name, id, http.RequestAborted))
        {
            return NotFound(id);
        }

        await services.Outbox.AbandonAsync(SsfStream.ReceiverOf(id), "the stream was deleted", services.Time.GetUtcNow(), http.RequestAborted);
        await AuditAsync(http, "ssf.stream_deleted", client, $"stream {id} deleted", id);
        return Results.NoContent();
    }

    private static async Task<IResult> ReadStatusAsync(HttpContext http, SsfClient client, string id, SsfServices services)
    {
        if (await services.Streams.GetOwnAsync(client.Name, id, http.RequestAborted) is not { } stream)
        {
            return NotFound(id);
        }

        return Json(Status(stream));
    }

    private static async Task<IResult> UpdateStatusAsync(HttpContext http, StreamRequest request)
    {
        var (client, body, stream, services) = request;
        var id = stream.StreamId;
        var errors = new List<ItemError>();
        var status = Member(body, "status", "status", int.MaxValue, errors);
        var reason = Member(body, "reason", "reason", MaxReasonLength, errors);
        if (!SsfStreamStatus.IsValid(status))
        {
            ErrorUnlessNamed(errors, "status", status is null ? "is required: enabled, paused or disabled" : $"must be enabled, paused or disabled; was '{Clip(status, 64)}'");
        }

        if (errors.Count > 0)
        {
            return Invalid(errors);
        }

        var updated = stream with { Status = status!, Reason = reason, UpdatedAt = services.Time.GetUtcNow() };
        if (!await services.Streams.UpdateAsync(updated, http.RequestAborted))
        {
            return NotFound(id);
        }

        if (status == SsfStreamStatus.Disabled)
        {
            // Disabled: nothing is held for later (SSF 1.0 §8.1.2).
            await services.Outbox.AbandonAsync(stream.Receiver, "the stream was disabled", services.Time.GetUtcNow(), http.RequestAborted);
        }
        else if (status == SsfStreamStatus.Enabled)
        {
            services.Signal.Set();
        }

        await AuditAsync(http, "ssf.stream_status", client, $"stream {id} {status}" + (updated.Reason is null ? "" : $": {updated.Reason}"), id);
        return Json(Status(updated));
    }

    private static async Task<IResult> SubjectAsync(HttpContext http, StreamRequest request, bool add)
    {
        var (client, body, stream, services) = request;
        var id = stream.StreamId;

        var errors = new List<ItemError>();
        SsfSubjects.Check(body["subject"], "subject", errors);
        if (errors.Count > 0 || body["subject"] is not JsonObject subject)
        {
            return Invalid(errors);
        }

        await services.Streams.SetSubjectAsync(stream.StreamId, (JsonObject)subject.DeepClone(), add, services.Time.GetUtcNow(), http.RequestAborted);
        await AuditAsync(http, add ? "ssf.subject_added" : "ssf.subject_removed", client, $"stream {id}: subject {subject.ToJsonString()} {(add ? "added" : "removed")}", id);
        return add ? Results.Ok() : Results.NoContent();
    }

    private static async Task<IResult> VerifyAsync(HttpContext http, StreamRequest request)
    {
        var (_, body, stream, services) = request;
        var errors = new List<ItemError>();
        var state = Member(body, "state", "state", int.MaxValue, errors);
        if (errors.Count > 0)
        {
            return Invalid(errors);
        }

        var now = services.Time.GetUtcNow();
        if (stream.VerifiedAt is { } last && now - last < services.Options.MinVerificationInterval)
        {
            var wait = services.Options.MinVerificationInterval - (now - last);
            return Problem(429, "verification-too-soon", "Verification requested too soon",
                $"Ask at most once every {services.Options.MinVerificationInterval.TotalSeconds:0.#} s (min_verification_interval).", (int)Math.Ceiling(wait.TotalSeconds));
        }

        var payload = new JsonObject();
        if (state is not null)
        {
            payload["state"] = state;
        }

        await services.Streams.MarkVerifiedAsync(stream.StreamId, now, http.RequestAborted);
        await services.Transmitter.QueueAsync(
            new SsfSignal(SsfEventTypes.Verification, SecurityEventTokens.StreamSubject(stream.StreamId), payload, Guid.NewGuid(), null, stream.StreamId),
            http.RequestAborted);
        return Results.NoContent();
    }

    /// <summary>RFC 8936: acknowledges and records refusals from the receiver, then hands out what it has not acknowledged yet.</summary>
    private static async Task<IResult> PollAsync(HttpContext http, ClientRequest request, string streamId)
    {
        var (client, body, services) = request;
        if (await services.Streams.GetOwnAsync(client.Name, streamId, http.RequestAborted) is not { DeliveryMethod: SsfDelivery.PollMethod } stream)
        {
            return NotFound(streamId);
        }

        var errors = new List<ItemError>();
        var poll = ReadPoll(body, errors);
        if (errors.Count > 0)
        {
            return Invalid(errors);
        }

        var now = services.Time.GetUtcNow();
        foreach (var jti in poll.Acks)
        {
            await services.Outbox.AcknowledgeAsync(stream.Receiver, jti, now, http.RequestAborted);
        }

        foreach (var (jti, reason) in poll.Refusals)
        {
            await services.Outbox.RejectedByReceiverAsync(stream.Receiver, jti, reason, now, http.RequestAborted);
        }

        var max = poll.MaxEvents;
        var sets = new JsonObject();
        var more = false;
        if (stream.Status == SsfStreamStatus.Enabled && max > 0)
        {
            var pending = await services.Outbox.PollAsync(stream.Receiver, max + 1, http.RequestAborted);
            foreach (var item in pending.Take(max))
            {
                sets[item.Jti] = item.SetToken;
            }

            more = pending.Count > max;
        }

        return Json(new JsonObject { ["sets"] = sets, ["moreAvailable"] = more });
    }

    /// <summary>What an RFC 8936 poll asks: the SETs it acknowledges, those it refuses (with why) and how many it takes.</summary>
    private sealed record Poll(IReadOnlyList<string> Acks, IReadOnlyList<(string Jti, string Reason)> Refusals, int MaxEvents);

    /// <summary>
    /// What the poll <paramref name="body"/> asks for; each member that is not as RFC 8936 §2.4 writes it is added to
    /// <paramref name="errors"/> by its path: an acknowledgement or a refusal of another shape is not dropped (the
    /// receiver would be sent the SET again, or its refusal lost), and nothing of a poll is done when one is refused.
    /// </summary>
    private static Poll ReadPoll(JsonObject body, List<ItemError> errors)
    {
        var acks = new List<string>();
        if (body["ack"] is JsonArray ackArray)
        {
            for (var i = 0; i < ackArray.Count; i++)
            {
                if (ackArray[i] is JsonValue v && v.TryGetValue<string>(out var jti))
                {
                    acks.Add(jti);
                }
                else
                {
                    errors.Add(new ItemError(0, $"ack[{i}]", "must be a string: the jti of a SET received"));
                }
            }
        }
        else if (body["ack"] is not null)
        {
            errors.Add(new ItemError(0, "ack", "must be an array of jti strings"));
        }

        var refusals = new List<(string, string)>();
        if (body["setErrs"] is JsonObject setErrs)
        {
            foreach (var (jti, node) in setErrs)
            {
                var path = $"setErrs.{Clip(jti, 64)}";
                if (node is not JsonObject err)
                {
                    errors.Add(new ItemError(0, path, "must be an object: {\"err\": \"<RFC 8935 error code>\", \"description\": \"…\"}"));
                    continue;
                }

                var code = Member(err, "err", path + ".err", 256, errors);
                var description = Member(err, "description", path + ".description", int.MaxValue, errors);
                if (code is null)
                {
                    ErrorUnlessNamed(errors, path + ".err", "is required: the RFC 8935 error code");
                }
                else
                {
                    refusals.Add((jti, $"refused by the receiver: {code}" + (description is null ? "" : $" — {description}")));
                }
            }
        }
        else if (body["setErrs"] is not null)
        {
            errors.Add(new ItemError(0, "setErrs", "must be an object: the jti of each SET refused → {\"err\", \"description\"}"));
        }

        var max = 100;
        if (body["maxEvents"] is { } maxNode)
        {
            if (maxNode is JsonValue m && m.GetValueKind() == JsonValueKind.Number && m.TryGetValue<long>(out var n) && n >= 0)
            {
                max = (int)Math.Min(n, 1000);
            }
            else
            {
                errors.Add(new ItemError(0, "maxEvents", "must be a whole number from 0"));
            }
        }

        if (body["returnImmediately"] is { } immediately && immediately.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
        {
            errors.Add(new ItemError(0, "returnImmediately", "must be true or false"));
        }

        return new Poll(acks, refusals, max);
    }

    /// <summary>A responder sends a CAEP signal by hand: session-revoked, credential-change or assurance-level-change.</summary>
    private static async Task<IResult> SignalAsync(HttpContext http)
    {
        var (body, error) = await ReadBodyAsync(http, required: true);
        if (error is not null)
        {
            return error;
        }

        // Every member of a signal is a string, as the rest of the API refuses a member it does not take: one of another
        // type (a reason sent as a number) or a misspelt one is refused naming it, never dropped for its default.
        if (body!.FirstOrDefault(m => !SignalMembers.Contains(m.Key) || m.Value?.GetValueKind() != JsonValueKind.String) is { Key: { } refused })
        {
            return InvalidSignal([new ItemError(0, refused, SignalMembers.Contains(refused)
                ? "must be a string"
                : $"is not a member of a signal; it takes {string.Join(", ", SignalMembers)}")]);
        }

        var services = Services(http);
        var caller = ApiAuth.CallerOf(http);
        var problems = new List<ItemError>();
        var subjectId = Text(body!, "subject_id");
        if (subjectId is null)
        {
            problems.Add(new ItemError(0, "subject_id", "is required"));
        }

        var reason = Clip(Text(body!, "reason"), 512) ?? $"sent by {caller.Name}";
        var now = services.Time.GetUtcNow();
        var payload = SecurityEventTokens.CaepPayload(now, reason, "responder:" + caller.Name);
        var eventType = Text(body!, "event") switch
        {
            "session-revoked" => SsfEventTypes.SessionRevoked,
            "credential-change" => SsfEventTypes.CredentialChange,
            "assurance-level-change" => SsfEventTypes.AssuranceLevelChange,
            var other => null,
        };
        switch (eventType)
        {
            case null:
                problems.Add(new ItemError(0, "event", "must be session-revoked, credential-change or assurance-level-change"));
                break;
            case SsfEventTypes.CredentialChange:
                payload["credential_type"] = Text(body!, "credential_type") ?? "password";
                var change = Text(body!, "change_type") ?? "revoke";
                if (change is not ("create" or "revoke" or "update" or "delete"))
                {
                    problems.Add(new ItemError(0, "change_type", "must be create, revoke, update or delete"));
                }

                payload["change_type"] = change;
                break;
            case SsfEventTypes.AssuranceLevelChange:
                if (Text(body!, "current_level") is not { } level)
                {
                    problems.Add(new ItemError(0, "current_level", "is required for assurance-level-change"));
                }
                else
                {
                    payload["namespace"] = Text(body!, "namespace") ?? "RFC8176";
                    payload["current_level"] = level;
                    if (Text(body!, "previous_level") is { } previous)
                    {
                        payload["previous_level"] = previous;
                    }

                    var direction = Text(body!, "change_direction") ?? "decrease";
                    if (direction is not ("increase" or "decrease"))
                    {
                        problems.Add(new ItemError(0, "change_direction", "must be increase or decrease"));
                    }

                    payload["change_direction"] = direction;
                }

                break;
        }

        if (problems.Count > 0)
        {
            return InvalidSignal(problems);
        }

        var subject = SecurityEventTokens.UserSubject(subjectId!, services.Options.EffectiveSubjectIssuer());
        if (eventType == SsfEventTypes.SessionRevoked && Text(body!, "session_id") is { } session)
        {
            subject = new JsonObject
            {
                ["format"] = "complex",
                ["session"] = new JsonObject { ["format"] = "opaque", ["id"] = session },
                ["user"] = subject,
            };
        }

        var id = Guid.NewGuid();
        var (queued, _) = await services.Transmitter.QueueAsync(new SsfSignal(eventType!, subject, payload, id, id.ToString()), http.RequestAborted);
        if (http.RequestServices.GetService<AuditLog>() is { } audit)
        {
            await audit.AppendAsync("ssf.signal_sent", caller.Name, $"{SsfEventTypes.ShortName(eventType!)} for {subjectId} sent to {queued.Count} receiver(s): {reason}", http.RequestAborted, principal: subjectId);
        }

        return Json(new JsonObject { ["id"] = id.ToString(), ["event"] = eventType, ["queued"] = new JsonArray([.. queued.Select(q => (JsonNode)q)]) }, statusCode: 202);
    }

    /// <summary>A management request about one of the caller's streams: authenticated, its JSON body read, the stream found.</summary>
    private sealed record StreamRequest(SsfClient Client, JsonObject Body, SsfStream Stream, SsfServices Services);

    private static async Task<(StreamRequest? Request, IResult? Error)> StreamRequestAsync(HttpContext http)
    {
        var (request, error) = await ClientRequestAsync(http, required: true);
        if (request is null)
        {
            return (null, error);
        }

        var (client, body, services) = request;
        var errors = new List<ItemError>();
        var id = Member(body, "stream_id", "stream_id", int.MaxValue, errors);
        if (id is null)
        {
            ErrorUnlessNamed(errors, "stream_id", "is required: the id of the stream");
        }

        if (errors.Count > 0 || id is null)
        {
            return (null, Invalid(errors));
        }

        return await services.Streams.GetOwnAsync(client.Name, id, http.RequestAborted) is { } stream
            ? (new StreamRequest(client, body, stream, services), null)
            : (null, NotFound(id));
    }

    /// <summary>An authenticated receiver's request: its JSON body (an empty object when it may be left out and was).</summary>
    private sealed record ClientRequest(SsfClient Client, JsonObject Body, SsfServices Services);

    /// <summary>An authenticated receiver's request and its JSON body, or the problem to answer.</summary>
    private static async Task<(ClientRequest? Request, IResult? Error)> ClientRequestAsync(HttpContext http, bool required)
    {
        if (Authenticate(http) is not { } client)
        {
            return (null, Unauthorized(http));
        }

        var (body, error) = await ReadBodyAsync(http, required);
        return body is null ? (null, error) : (new ClientRequest(client, body, Services(http)), null);
    }

    /// <summary>A stream's configuration as SSF 1.0 §8.1.1 writes it.</summary>
    internal static JsonObject Configuration(SsfStream stream, SharedSignalsOptions options)
    {
        var delivery = new JsonObject { ["method"] = stream.DeliveryMethod };
        delivery["endpoint_url"] = stream.DeliveryMethod == SsfDelivery.PollMethod ? PollUrl(stream, options) : stream.EndpointUrl;
        var config = new JsonObject
        {
            ["stream_id"] = stream.StreamId,
            ["iss"] = options.IssuerId(),
            ["aud"] = stream.Aud,
            ["delivery"] = delivery,
            ["events_supported"] = Array(SecurityEventTokens.Supported),
            ["events_requested"] = Array(stream.Requested()),
            ["events_delivered"] = Array(stream.Delivered()),
            ["min_verification_interval"] = (int)options.MinVerificationInterval.TotalSeconds,
        };
        if (stream.Description is not null)
        {
            config["description"] = stream.Description;
        }

        return config;
    }

    /// <summary>
    /// The receiver-supplied members of <paramref name="body"/> applied to <paramref name="stream"/>; each member that is
    /// not valid is added to <paramref name="errors"/> by its path, never dropped for its default (a push stream's
    /// <c>authorization_header</c> sent as a number would otherwise push without one).
    /// </summary>
    private static SsfStream Apply(SsfStream stream, JsonObject body, bool replace, SharedSignalsOptions options, List<ItemError> errors)
    {
        var result = stream;
        if (body.ContainsKey("delivery") || replace)
        {
            var delivery = body["delivery"] as JsonObject;
            if (body["delivery"] is not (null or JsonObject))
            {
                errors.Add(new ItemError(0, "delivery", "must be an object: {\"method\":\"urn:ietf:rfc:8935\",\"endpoint_url\":\"https://…\"} (push) or {\"method\":\"urn:ietf:rfc:8936\"} (poll)"));
            }

            var method = Member(delivery, "method", "delivery.method", int.MaxValue, errors) ?? SsfDelivery.PollMethod;
            var endpointUrl = Member(delivery, "endpoint_url", "delivery.endpoint_url", MaxEndpointUrlLength, errors);
            var authorization = Member(delivery, "authorization_header", "delivery.authorization_header", MaxAuthorizationLength, errors);
            if (method == SsfDelivery.PushMethod)
            {
                if (endpointUrl is null)
                {
                    ErrorUnlessNamed(errors, "delivery.endpoint_url", "is required for push: the receiver's http or https URL");
                }
                else if (!HttpUrls.TryParse(endpointUrl, out var endpoint))
                {
                    errors.Add(new ItemError(0, "delivery.endpoint_url", "must be an absolute http or https URL"));
                }
                else
                {
                    result = result with { DeliveryMethod = method, EndpointUrl = endpoint.ToString(), AuthorizationHeader = authorization };
                }
            }
            else if (method == SsfDelivery.PollMethod)
            {
                // A poll stream's endpoint_url is the transmitter's (its configuration names it): sent back unchanged only.
                var pollUrl = PollUrl(stream, options);
                if (endpointUrl is not null && endpointUrl != pollUrl)
                {
                    errors.Add(new ItemError(0, "delivery.endpoint_url", $"is set by the transmitter for poll delivery ({pollUrl}); send it unchanged or leave it out"));
                }

                if (authorization is not null)
                {
                    errors.Add(new ItemError(0, "delivery.authorization_header", "is for push delivery only: a poll stream is read with the receiver's own token"));
                }

                result = result with { DeliveryMethod = method, EndpointUrl = null, AuthorizationHeader = null };
            }
            else
            {
                errors.Add(new ItemError(0, "delivery.method", $"must be {SsfDelivery.PushMethod} (push) or {SsfDelivery.PollMethod} (poll); '{Clip(method, 64)}' is not supported"));
            }
        }

        if (body["events_requested"] is JsonArray requested)
        {
            if (requested.Count > MaxEventsRequested)
            {
                errors.Add(new ItemError(0, "events_requested", $"must list at most {MaxEventsRequested} event types; was {requested.Count}"));
            }

            var events = new List<string>();
            for (var i = 0; i < requested.Count; i++)
            {
                if (requested[i] is JsonValue v && v.TryGetValue<string>(out var type))
                {
                    events.Add(type);
                }
                else
                {
                    errors.Add(new ItemError(0, $"events_requested[{i}]", "must be a string: an event type URI"));
                }
            }

            result = result with { EventsRequested = Events(events) };
        }
        else if (body["events_requested"] is not null)
        {
            errors.Add(new ItemError(0, "events_requested", "must be an array of event type URIs"));
        }
        else if (replace)
        {
            result = result with { EventsRequested = Events(SecurityEventTokens.Supported) };
        }

        if (body.ContainsKey("description") || replace)
        {
            result = result with { Description = Member(body, "description", "description", MaxDescriptionLength, errors) };
        }

        return result;
    }

    /// <summary>
    /// Adds to <paramref name="errors"/> each transmitter-supplied member of <paramref name="body"/> that is not what the
    /// transmitter set (<paramref name="configuration"/>): a receiver may send them back unchanged (SSF 1.0 §8.1.1), never
    /// set them, and one it sent is not dropped as if it had been taken (a stream_id on create names no stream it chose).
    /// </summary>
    private static void TransmitterSupplied(JsonObject body, JsonObject configuration, List<ItemError> errors)
    {
        foreach (var member in new[] { "stream_id", "iss", "aud", "events_supported", "events_delivered", "min_verification_interval" })
        {
            if (body[member] is { } sent && !JsonNode.DeepEquals(sent, configuration[member]))
            {
                errors.Add(new ItemError(0, member, "is set by the transmitter; send it unchanged or leave it out"));
            }
        }
    }

    /// <summary>
    /// The string member <paramref name="name"/> of <paramref name="o"/> (null when absent, null or blank); one of another
    /// type, or longer than <paramref name="max"/>, is added to <paramref name="errors"/> as <paramref name="path"/>.
    /// </summary>
    private static string? Member(JsonObject? o, string name, string path, int max, List<ItemError> errors)
    {
        if (o?[name] is not { } node)
        {
            return null;
        }

        if (node.GetValueKind() != JsonValueKind.String)
        {
            errors.Add(new ItemError(0, path, "must be a string"));
            return null;
        }

        var text = node.GetValue<string>();
        if (Bounds.Id(path, text, max).FirstOrDefault() is { } tooLong)
        {
            errors.Add(tooLong);
            return null;
        }

        return string.IsNullOrWhiteSpace(text) ? null : text;
    }

    /// <summary>Adds <paramref name="reason"/> for <paramref name="path"/> unless that member is already refused (as not a string).</summary>
    private static void ErrorUnlessNamed(List<ItemError> errors, string path, string reason)
    {
        if (!errors.Exists(e => e.Field == path))
        {
            errors.Add(new ItemError(0, path, reason));
        }
    }

    private static string PollUrl(SsfStream stream, SharedSignalsOptions options) =>
        new Uri(options.EffectivePublicUrl(), $"{PollPath}/{stream.StreamId}").ToString();

    /// <summary>A push <c>endpoint_url</c> outside the client's <see cref="SsfClientOptions.PushEndpoints"/>: 403 naming what it may use.</summary>
    private static IResult? PushNotAllowed(SsfClient client, JsonObject body)
    {
        if (body["delivery"] is not JsonObject delivery || Text(delivery, "method") != SsfDelivery.PushMethod
            || !Uri.TryCreate(Text(delivery, "endpoint_url"), UriKind.Absolute, out var endpoint) || client.Options.AllowsPush(endpoint))
        {
            return null;
        }

        var allowed = client.Options.PushEndpoints;
        return Problem(403, "push-endpoint-not-allowed", "delivery.endpoint_url is not allowed for this receiver",
            (allowed.Count == 0
                ? $"Receiver '{client.Name}' has no push endpoints allowed: create a poll stream (leave out delivery)"
                : $"Receiver '{client.Name}' may push only to {string.Join(", ", allowed)} or below")
            + $"; the operator allows more under {SharedSignalsOptions.Section}:Clients:{client.Name}:PushEndpoints.");
    }

    private static JsonObject Status(SsfStream stream)
    {
        var status = new JsonObject { ["stream_id"] = stream.StreamId, ["status"] = stream.Status };
        if (stream.Reason is not null)
        {
            status["reason"] = stream.Reason;
        }

        return status;
    }

    private static async Task<(JsonObject? Body, IResult? Error)> ReadBodyAsync(HttpContext http, bool required)
    {
        // The stream API's bodies are small JSON objects (RFC 8935 stream configuration); the limit is fixed, not a setting.
        var (buffer, refused) = await Problems.ReadBodyAsync(http, StreamBodyLimit);
        if (refused is not null)
        {
            return (null, Problem(refused.Status, refused.Status == 413 ? "body-too-large" : "invalid-request", refused.Title, refused.Detail!));
        }

        if (buffer.Length == 0)
        {
            return required
                ? (null, Problem(400, "invalid-request", "A JSON body is required", "Send the request as a JSON object."))
                : (new JsonObject(), null);
        }

        // SSF 1.0 §8.1 and RFC 8936 §2.4 send these bodies as application/json; as the rest of the API (JsonMediaType),
        // a +json type and any charset are taken, another type or none is not.
        if (!JsonMediaType.Is(http.Request.ContentType))
        {
            return (null, Problems.Result(Problems.UnsupportedMediaType(http.Request.ContentType, "send the body as application/json")));
        }

        try
        {
            // A member named twice is refused (a JsonException naming it), not left to JsonObject's dictionary to throw on.
            if (JsonNode.Parse(buffer, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) is not JsonObject body)
            {
                return (null, Problem(400, "invalid-request", "The body must be a JSON object", "Send the request as a JSON object."));
            }

            var bad = new List<ItemError>();
            RefusedStrings(body, "", bad);
            return bad.Count > 0
                ? (null, Invalid(bad))
                : (body, null);
        }
        catch (JsonException exception)
        {
            return (null, Problem(400, "invalid-request", "The body is not valid JSON", exception.Message));
        }
    }

    /// <summary>
    /// Adds to <paramref name="errors"/> each string member of <paramref name="node"/> that <see cref="Bounds.Id"/> refuses (a
    /// control character, a bidi control, a zero-width character, a variation selector that varies nothing), named by its
    /// path: every string of these bodies is a name, an id, a URL, a header value or a one-line reason, stored (PostgreSQL
    /// refuses a NUL in text), audited, signed into SETs or sent as a header. All of them, as every other 400 lists its fields.
    /// </summary>
    private static void RefusedStrings(JsonNode? node, string path, List<ItemError> errors)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, value) in o)
                {
                    RefusedStrings(value, path.Length == 0 ? name : $"{path}.{name}", errors);
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    RefusedStrings(a[i], $"{path}[{i}]", errors);
                }

                break;
            case JsonValue v when v.TryGetValue<string>(out var text):
                errors.AddRange(Bounds.Id(path, text, int.MaxValue));
                break;
        }
    }

    /// <summary>The one <c>stream_id</c> of the query, or the 400 naming it: required, and given once.</summary>
    private static (string? Id, IResult? Refused) QueryStreamId(HttpContext http)
    {
        var values = http.Request.Query["stream_id"];
        return values.Count > 1 ? (null, Invalid([new ItemError(0, "stream_id", $"is given {values.Count} times: name one stream")]))
            : values.FirstOrDefault() is { Length: > 0 } id ? (id, null)
            : (null, Invalid([new ItemError(0, "stream_id", "is required: the id of the stream")]));
    }

    private static SsfClient? Authenticate(HttpContext http) => http.RequestServices.GetRequiredService<SsfClients>().Authenticate(http);

    private static IResult Unauthorized(HttpContext http)
    {
        http.Response.Headers.WWWAuthenticate = "Bearer realm=\"ztstream-ssf\"";
        return Problem(401, "unauthorized", "Receiver credential missing or not valid",
            "Send the receiver's token as 'Authorization: Bearer <token>' (Responder:Drivers:SharedSignals:Clients).");
    }

    private static IResult NotFound(string streamId) =>
        Problem(404, "stream-not-found", "No such stream", $"This receiver has no stream '{Clip(streamId, 64)}'.");

    /// <summary>A refused management request: each member at fault named in <c>errors</c> by its path.</summary>
    private static IResult Invalid(IReadOnlyList<ItemError> errors) => Problems.Result(Problems.Invalid(errors, "ssf-invalid-request"));

    /// <summary>A refused signal: each member at fault named in <c>errors</c>, as the rest of the /v1 API names them.</summary>
    private static IResult InvalidSignal(IReadOnlyList<ItemError> errors) =>
        Problems.Result(Problems.Create(400, "ssf-invalid-signal", "The signal is not valid",
            string.Join("; ", errors.Select(e => $"{e.Field} {e.Reason}")), errors));

    private static IResult Problem(int status, string type, string title, string detail, int? retryAfterSeconds = null) =>
        Problems.Result(Problems.Create(status, "ssf-" + type, title, detail) with { RetryAfterSeconds = retryAfterSeconds });

    /// <summary>A JSON answer written from the node itself, so no reflection-based serializer is involved.</summary>
    private static IResult Json(JsonNode node, int statusCode = 200) =>
        Results.Text(node.ToJsonString(), "application/json", Encoding.UTF8, statusCode);

    private static async Task AuditAsync(HttpContext http, string kind, SsfClient client, string summary, string streamId)
    {
        if (http.RequestServices.GetService<AuditLog>() is { } audit)
        {
            await audit.AppendAsync(kind, "ssf-receiver:" + client.Name, summary, http.RequestAborted, principal: "ssf-stream:" + streamId);
        }
    }

    private sealed record SsfServices(SsfStreamStore Streams, SsfOutbox Outbox, SharedSignalsTransmitter Transmitter, WakeSignal Signal, SharedSignalsOptions Options, TimeProvider Time);

    private static SsfServices Services(HttpContext http)
    {
        var s = http.RequestServices;
        return new(s.GetRequiredService<SsfStreamStore>(), s.GetRequiredService<SsfOutbox>(), s.GetRequiredService<SharedSignalsTransmitter>(),
            s.GetRequiredKeyedService<WakeSignal>(SsfDeliveryService.WakeKey), s.GetRequiredService<SharedSignalsOptions>(), s.GetRequiredService<TimeProvider>());
    }

    private static string Events(IEnumerable<string> events) => new JsonArray([.. events.Distinct(StringComparer.Ordinal).Select(e => (JsonNode)e)]).ToJsonString();

    private static JsonArray Array(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)v)]);

    private static string? Text(JsonObject? o, string name) => o?[name] is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s) ? s : null;

    private static string? Clip(string? s, int max) => s is null ? null : s.Length <= max ? s : s[..max];

}
