namespace ZtStream.Responder.Api;

/// <summary>
/// Makes a creating POST safe to retry with an <c>Idempotency-Key</c> (draft-ietf-httpapi-idempotency-key-header): the
/// first request with a key runs and its answer is kept (a 2xx; an answer that created nothing gives the key up); a
/// repeat with the same key and the same request — method, path, caller and body, the fingerprint — answers that answer
/// again (status, <c>Location</c> and body, with <c>Idempotent-Replayed: true</c>) and runs nothing; the same key with another request
/// is 422, and a repeat while the first is under way 409 with <c>Retry-After</c>. A first run whose answer was never kept
/// (the process died) is run again by a repeat once its lease is over: the endpoint makes what it makes under ids derived
/// from the <see cref="IdempotentRequestId"/> it is given, so that run meets what the first made and answers it, as a
/// first answer (not marked replayed). Keys are the caller's own
/// (<see cref="IdempotencyKeys"/>). Without the header a request runs as it always did. Added after
/// <see cref="ApiAuth.RequireApiRole"/>, whose caller it scopes the key to.
/// </summary>
internal static class IdempotentRequests
{
    /// <summary>Set on an answer that is the first request's, answered again.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    public static RouteHandlerBuilder Idempotent(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (!http.Request.Headers.TryGetValue(IdempotencyKeyHeader.Name, out var lines))
            {
                return await next(context);
            }

            var (key, malformed) = IdempotencyKeyHeader.Parse(lines);
            if (key is null)
            {
                return Problems.Result(Problems.Invalid([new ItemError(0, IdempotencyKeyHeader.Name, malformed!)]));
            }

            // The body is read here for its hash and handed to the endpoint again from memory, within the same limit.
            var (body, refused) = await Problems.ReadBodyAsync(http, http.RequestServices.GetService<JsonBodyLimit>() ?? JsonBodyLimit.Default);
            if (refused is not null)
            {
                return Problems.Result(refused);
            }

            http.Request.Body = new MemoryStream(body, writable: false);
            var caller = ApiAuth.CallerOf(http);

            // A console user and an API token may share a name; they are different callers.
            var scope = (caller.CsrfToken is null ? "token:" : "console:") + caller.Name;
            var keys = http.RequestServices.GetRequiredService<IdempotencyKeys>();
            var claim = await keys.ClaimAsync(scope, key, Fingerprint(http.Request, scope, body), http.RequestAborted);
            var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("ZtStream.Responder.Api");
            switch (claim.Outcome)
            {
                case IdempotencyClaimOutcome.OtherRequest:
                    ResponderLog.IdempotencyKeyReused(logger, http.Request.Method, http.Request.Path.Value ?? "", scope, key);
                    return Problems.Result(Problems.Create(
                        422,
                        "idempotency-key-reused",
                        "The Idempotency-Key was sent with another request",
                        "this key was used for another request (method, path or body); send a new key for a new request",
                        [new ItemError(0, IdempotencyKeyHeader.Name, "used before with another request")]));
                case IdempotencyClaimOutcome.InUse:
                    return Problems.Result(Problems.Create(
                        409,
                        "idempotency-key-in-use",
                        "The request of this Idempotency-Key is under way",
                        "the first request with this key has not been answered yet; send it again later to be given its answer",
                        [new ItemError(0, IdempotencyKeyHeader.Name, "the first request with this key is under way")]) with { RetryAfterSeconds = 1 });
                case IdempotencyClaimOutcome.Answered:
                    // Worth a line: a repeat is a client's retry, or a captured request sent again.
                    ResponderLog.IdempotentReplay(logger, http.Request.Method, http.Request.Path.Value ?? "", scope, key);
                    await WriteAsync(http, claim.Answer!, replayed: true);
                    return Results.Empty;
            }

            http.Features.Set(new IdempotentRequestId(claim.RequestId!.Value));
            var answer = await RunAsync(context, next, keys, scope, key, claim.ClaimId!);
            await WriteAsync(http, answer, replayed: false);
            return Results.Empty;
        });

    /// <summary>
    /// Runs the endpoint with its answer written to memory, then keeps a 2xx as the key's answer or gives the key up. Once
    /// the endpoint has run, neither waits for the client: what it created is recorded even if the client has gone.
    /// </summary>
    private static async Task<IdempotentAnswer> RunAsync(
        EndpointFilterInvocationContext context, EndpointFilterDelegate next, IdempotencyKeys keys, string scope, string key, string claimId)
    {
        var http = context.HttpContext;
        var server = http.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        using var buffer = new MemoryStream();
        http.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(buffer));
        var kept = false;
        try
        {
            var result = await next(context) as IResult
                ?? throw new InvalidOperationException("an idempotent endpoint answers with an IResult");
            await result.ExecuteAsync(http);
            var location = http.Response.Headers.Location.ToString();
            var answer = new IdempotentAnswer(http.Response.StatusCode, http.Response.ContentType, buffer.ToArray(), location.Length == 0 ? null : location);
            if (answer.Status is >= 200 and < 300)
            {
                await keys.CompleteAsync(scope, key, claimId, answer, CancellationToken.None);
                kept = true;
            }

            return answer;
        }
        finally
        {
            http.Features.Set(server);
            if (!kept)
            {
                await keys.ReleaseAsync(scope, key, claimId, CancellationToken.None);
            }
        }
    }

    private static async Task WriteAsync(HttpContext http, IdempotentAnswer answer, bool replayed)
    {
        http.Response.StatusCode = answer.Status;
        http.Response.ContentType = answer.ContentType;
        if (replayed)
        {
            http.Response.Headers[ReplayedHeader] = "true";
        }

        if (answer.Location is not null)
        {
            http.Response.Headers.Location = answer.Location;
        }

        await http.Response.Body.WriteAsync(answer.Body, CancellationToken.None);
    }

    /// <summary>SHA-256 of method, path, caller and body: what makes a repeat the same request (the draft's fingerprint).</summary>
    private static string Fingerprint(HttpRequest request, string scope, byte[] body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method}\n{request.Path.Value}\n{scope}\n"));
        hash.AppendData(body);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
