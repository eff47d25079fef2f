using Microsoft.Net.Http.Headers;

namespace ZtStream.Ingest.Endpoints;

/// <summary>
/// One request, start to end: authenticate the source, rate-limit it, read the body within limits, map and
/// validate each item, append the good ones to <see cref="Topics.Events"/> keyed by principal, and answer
/// 202 (all accepted), 207 (some) or a problem document. 202/207 are sent only after the log acknowledged.
/// The endpoint is a source adapter (<see cref="SourceAdapters.All"/>), or none for <c>/v1/events</c>'s canonical events.
/// </summary>
internal sealed class IngestHandler(
    SourceAuthenticator authenticator,
    PubSubPushAuthenticator pubSubPush,
    SourceRateLimiter rateLimiter,
    NewPrincipalLimiter newPrincipals,
    EventBatchParser eventParser,
    EventValidator validator,
    EventAppender appender,
    IngestMetrics metrics,
    SourceGate gate,
    IOptions<IngestOptions> options,
    TimeProvider time,
    ILogger<IngestHandler> logger)
{
    public const string SourceHeader = EventAppender.SourceHeader;

    public async Task HandleAsync(HttpContext context, SourceAdapter? adapter)
    {
        var started = time.GetTimestamp();
        var status = await HandleCoreAsync(context, adapter);
        metrics.BatchCompleted(Name(adapter), status, time.GetElapsedTime(started));
    }

    private async Task<int> HandleCoreAsync(HttpContext context, SourceAdapter? adapter)
    {
        var name = Name(adapter);
        var aborted = context.RequestAborted;
        string? source;
        SourceScope scope;
        var authorization = context.Request.Headers.Authorization.ToString();
        string? refusal = null;
        try
        {
            AuthenticatedSource? authenticated;
            if (adapter?.Name == K8sAuditMapper.SourceName && pubSubPush.Configured && PubSubPushAuthenticator.TryReadToken(authorization, out var token))
            {
                // GKE's audit log through an authenticated Pub/Sub push subscription: Google's token, not a source key.
                (authenticated, refusal) = await pubSubPush.AuthenticateAsync(token, aborted);
            }
            else
            {
                authenticated = await authenticator.AuthenticateSourceAsync(authorization, aborted);
            }

            (source, scope) = (authenticated?.Name, authenticated?.Scope ?? SourceScope.None);
        }
        catch (JwksUnavailableException ex)
        {
            // Never accept what cannot be verified, and never refuse it for good either: Pub/Sub retries a 503.
            return await ProblemAsync(context, 503, "signing-keys-unavailable", "Token signing keys unavailable",
                $"The Pub/Sub push token could not be verified: {ex.Message}. Retry later.", retryAfter: ex.RetryAfter);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            IngestLog.CredentialStoreFailed(logger, ex, name);
            return await ProblemAsync(context, 503, "store-unavailable", "Credential store unavailable",
                "The source credential could not be checked; retry later.", retryAfter: TimeSpan.FromSeconds(5));
        }

        if (refusal is not null)
        {
            IngestLog.PubSubTokenRefused(logger, name, context.Connection.RemoteIpAddress?.ToString(), refusal);
            metrics.Rejected("unknown", name, "unauthorized", 1);
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"ztstream-ingest\", error=\"invalid_token\"";
            return await ProblemAsync(context, 401, "unauthorized", "Pub/Sub push token not valid", $"The bearer token is not a valid Pub/Sub push token: {refusal}.");
        }

        if (source is null)
        {
            IngestLog.Unauthorized(logger, name, context.Connection.RemoteIpAddress?.ToString());
            metrics.Rejected("unknown", name, "unauthorized", 1);
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"ztstream-ingest\"";
            return await ProblemAsync(context, 401, "unauthorized", "Source credential missing or not valid",
                "Send the source's API key as 'Authorization: Bearer <key>'. Keys are made with 'ztstream sources add NAME'.");
        }

        if (adapter?.Idp is { } idp && scope.RefuseIdentityRecords(source, idp) is { } labelled)
        {
            // Refused whole, before the body is read: none of the provider's records could be taken from this key.
            IngestLog.OutsideScope(logger, source, name, 1);
            metrics.Rejected(source, name, "outside_scope", 1);
            return await WriteAsync(context, Problems.Create(403, "outside-scope", "Outside the source's scope", $"No item was accepted: {labelled.Reason}.") with { Accepted = 0 });
        }

        if (!rateLimiter.TryEnter(source, out var wait))
        {
            IngestLog.RateLimited(logger, source, name, wait);
            metrics.Rejected(source, name, "rate_limited", 1);
            return await WriteAsync(context, rateLimiter.Refusal(source, wait));
        }

        if (ContentCodings.OtherCharset(context.Request.ContentType) is { } charset)
        {
            metrics.Rejected(source, name, "unsupported_media_type", 1);
            return await ProblemAsync(context, 415, "unsupported-charset", "Unsupported charset",
                $"The body is declared as charset '{ItemError.Clip(charset, 40)}'; Ingest reads JSON as UTF-8 only (RFC 8259): send it as UTF-8, with charset=utf-8 or no charset.");
        }

        EventsFormat format = EventsFormat.Json;
        if (adapter is null && !TryFormat(context.Request.ContentType, out format))
        {
            metrics.Rejected(source, name, "unsupported_media_type", 1);
            return await WriteAsync(context, Problems.UnsupportedMediaType(context.Request.ContentType,
                $"send application/json (an array of events, or one), application/x-ndjson (one event per line), {CloudEventMapping.BatchMediaType} or {CloudEventMapping.StructuredMediaType} (one)"));
        }

        if (!ContentCodings.TryDecode(context.Request, out var body, out var coding))
        {
            metrics.Rejected(source, name, "unsupported_media_type", 1);
            context.Response.Headers.AcceptEncoding = ContentCodings.Supported;
            return await ProblemAsync(context, 415, "unsupported-content-encoding", "Unsupported content encoding",
                $"Content-Encoding '{ItemError.Clip(coding ?? string.Empty, 80)}' is not read; send the body uncompressed or with one of: {ContentCodings.Supported}.");
        }

        var max = options.Value.MaxBodyBytes;
        if (context.Request.ContentLength > max)
        {
            metrics.Rejected(source, name, "too_large", 1);
            return await ProblemAsync(context, 413, "body-too-large", "Request body too large",
                $"The body is {context.Request.ContentLength} bytes; the limit is {max} (Ingest:MaxBodyBytes).");
        }

        byte[]? buffer = null;
        try
        {
            int length;
            (buffer, length) = await ReadBodyAsync(context, body, coding is null ? context.Request.ContentLength : null, max);
            if (length > max)
            {
                metrics.Rejected(source, name, "too_large", 1);
                return await ProblemAsync(context, 413, "body-too-large", "Request body too large", coding is null
                    ? $"The body is over the limit of {max} bytes (Ingest:MaxBodyBytes)."
                    : $"The body, decoded from {coding}, is over the limit of {max} bytes (Ingest:MaxBodyBytes); decoding stopped there.");
            }

            MapResult result;
            try
            {
                // The items may keep slices of the buffer (MappedEvent.Json): it goes back to the pool only in the finally below, after the append.
                result = Map(adapter, format, buffer.AsMemory(0, length));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The mappers report bad items as errors; reaching here is a defect, but the sender still gets a clear 400, not a 500.
                IngestLog.BatchFailed(logger, ex, name);
                metrics.Rejected(source, name, "malformed", 1);
                return await ProblemAsync(context, 400, "unprocessable-body", "Request body could not be processed",
                    "The body could not be read as this endpoint's format.");
            }

            return await AcceptAsync(context, adapter, source, scope, result);
        }
        catch (BadHttpRequestException ex)
        {
            metrics.Rejected(source, name, ex.StatusCode == 413 ? "too_large" : "malformed", 1);
            return await ProblemAsync(context, ex.StatusCode is >= 400 and < 500 ? ex.StatusCode : 400, "unreadable-body", "Request body could not be read", ex.Message);
        }
        catch (InvalidDataException ex) when (coding is not null)
        {
            metrics.Rejected(source, name, "malformed", 1);
            return await ProblemAsync(context, 400, "unreadable-body", "Request body could not be decoded",
                $"The body is not valid {coding} data (Content-Encoding): {ex.Message}");
        }
        catch (IOException ex)
        {
            metrics.Rejected(source, name, "malformed", 1);
            return await ProblemAsync(context, 400, "unreadable-body", "Request body could not be read", ex.Message);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            if (coding is not null)
            {
                await body.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Okta's one-time Event Hook verification: a GET carrying <c>x-okta-verification-challenge</c>, answered with
    /// <c>{"verification": value}</c>. Okta sends the hook's authorization header with it, so the source key is checked
    /// as for a delivery: only a registered source whose deliveries could be taken can verify ZtStream as its hook.
    /// </summary>
    public async Task HandleOktaVerificationAsync(HttpContext context)
    {
        const string name = "okta";
        AuthenticatedSource? source;
        try
        {
            source = await authenticator.AuthenticateSourceAsync(context.Request.Headers.Authorization.ToString(), context.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            IngestLog.CredentialStoreFailed(logger, ex, name);
            await ProblemAsync(context, 503, "store-unavailable", "Credential store unavailable",
                "The source credential could not be checked; retry later.", retryAfter: TimeSpan.FromSeconds(5));
            return;
        }

        if (source is null)
        {
            IngestLog.Unauthorized(logger, name, context.Connection.RemoteIpAddress?.ToString());
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"ztstream-ingest\"";
            await ProblemAsync(context, 401, "unauthorized", "Source credential missing or not valid",
                "Set the event hook's authentication field to 'Authorization' and its secret to 'Bearer <key>' (a key from 'ztstream sources add NAME').");
            return;
        }

        if ((source.Scope.RefuseIdentityRecords(source.Name, OktaMapper.Idp) ?? source.Scope.RefuseIdentityKinds(source.Name, OktaMapper.Idp)) is { } outside)
        {
            // Refused as every delivery from this key would be, or Okta would call the hook verified and then see each fail.
            IngestLog.OutsideScope(logger, source.Name, name, 1);
            await WriteAsync(context, Problems.Create(403, "outside-scope", "Outside the source's scope", $"The hook is not verified: {outside.Reason}."));
            return;
        }

        var challenge = context.Request.Headers[OktaMapper.VerificationHeader].ToString();
        if (string.IsNullOrEmpty(challenge) || challenge.Length > options.Value.MaxFieldLength)
        {
            await ProblemAsync(context, 400, "missing-verification-challenge", "No verification challenge",
                $"GET {context.Request.Path} is Okta's event hook verification: send the '{OktaMapper.VerificationHeader}' header (at most {options.Value.MaxFieldLength} characters). Deliveries are POSTed.");
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, new OktaVerification(challenge), IngestJsonContext.Default.OktaVerification, context.RequestAborted);
    }

    private async Task<int> AcceptAsync(HttpContext context, SourceAdapter? adapter, string source, SourceScope scope, MapResult result)
    {
        var name = Name(adapter);
        var o = options.Value;
        if (result.ItemCount > o.MaxItemsPerBatch)
        {
            metrics.Rejected(source, name, "too_large", result.ItemCount);
            return await ProblemAsync(context, 413, "batch-too-large", "Too many items in one request",
                $"The batch holds {result.ItemCount} items; the limit is {o.MaxItemsPerBatch} (Ingest:MaxItemsPerBatch). Split it.");
        }

        if (result.ItemCount == 0 && result.EmptyDeliveries > 0)
        {
            // A delivery that carries no events by design (CloudWatch Logs' CONTROL_MESSAGE): acknowledged, nothing lost.
            context.Response.StatusCode = 202;
            context.Response.ContentType = "application/json";
            await JsonSerializer.SerializeAsync(context.Response.Body, new AcceptedBatch(0, []), IngestJsonContext.Default.AcceptedBatch, context.RequestAborted);
            return 202;
        }

        if (result.ItemCount == 0)
        {
            metrics.Rejected(source, name, "invalid", 1);
            return await ProblemAsync(context, 400, "empty-batch", "The batch holds no events", "Send at least one item.");
        }

        var errors = new List<ItemError>(result.Errors);
        var good = new List<MappedEvent>(result.Items.Count);
        var outside = 0;
        foreach (var mapped in result.Items)
        {
            // Adapters produce well-formed events; the limits (lengths, time window, sizes) still apply to them. A name a
            // third party reports is kept with its hidden characters made visible, not refused (EventValidator.Escaped).
            var item = mapped;
            if (adapter is not null && EventValidator.Escaped(mapped.Event) is var escaped && !ReferenceEquals(escaped, mapped.Event))
            {
                item = new MappedEvent(mapped.Index, escaped);
            }

            if (adapter is null || validator.Check(item.Event, item.Index, string.Empty, errors))
            {
                if (scope.IsUnscoped)
                {
                    // Nothing to check or vouch for: an event accepted from its bytes is not read (the appender stamps the source).
                    good.Add(item);
                }
                else if (gate.Admit(item, source, scope, adapter: adapter is not null, errors) is { } admitted)
                {
                    good.Add(admitted);
                }
                else
                {
                    outside++;
                }
            }
        }

        errors.Sort((a, b) => a.Index.CompareTo(b.Index));
        if (outside > 0)
        {
            IngestLog.OutsideScope(logger, source, name, outside);
            metrics.Rejected(source, name, "outside_scope", outside);
        }

        if (errors.Count > outside)
        {
            metrics.Rejected(source, name, "invalid", errors.Select(e => e.Index).Distinct().Count() - outside);
        }

        if (good.Count == 0)
        {
            // Every item outside the source's scope: refused for who sent it (403), not for what it holds. Events are
            // counted, not items: a Google Workspace activity of two events outside the scope is two refusals of one item.
            var refused = outside > 0 && errors.Count == outside
                ? Problems.Create(403, "outside-scope", "Outside the source's scope", $"No item was accepted: all {result.ItemCount} are outside the scope of source {source}; see errors (index, field, reason).", errors)
                : Problems.Create(400, "invalid-events", "No item was accepted", $"All {result.ItemCount} item(s) were rejected; see errors (index, field, reason).", errors);
            return await WriteAsync(context, refused with { Accepted = 0 });
        }

        if (!newPrincipals.TryAdmit(source, good.Select(i => i.PrincipalKey), out var newPrincipalsWait, out var fresh))
        {
            // Nothing of this request is taken: the source sends it again after the minute, as any 429.
            IngestLog.NewPrincipalsCapped(logger, source, name, o.MaxNewPrincipalsPerMinute, newPrincipalsWait);
            metrics.Rejected(source, name, "new_principals", good.Count);
            return await ProblemAsync(context, 429, "too-many-new-principals", "Too many new principals from this source",
                $"This request names {fresh} principal(s) this Ingest has not seen recently; source '{source}' may bring {o.MaxNewPrincipalsPerMinute} new principals a minute (Ingest:MaxNewPrincipalsPerMinute). Nothing from it was accepted; send it again after Retry-After{(fresh > o.MaxNewPrincipalsPerMinute ? ", split into requests of fewer new principals" : "")}.",
                retryAfter: newPrincipalsWait);
        }

        rateLimiter.Charge(source, good.Count);
        using var activity = IngestMetrics.Source.StartActivity("ingest.accept");
        activity?.SetTag("ztstream.source", source);
        activity?.SetTag("ztstream.ingest.accepted", good.Count);
        activity?.SetTag("ztstream.ingest.rejected", result.ItemCount - good.Count);
        try
        {
            await appender.AppendAsync(good, source, scope, context.RequestAborted);
        }
        catch (EventLogUnavailableException ex)
        {
            IngestLog.EventLogUnavailable(logger, ex, good.Count, source, ex.RetryAfter);
            metrics.Rejected(source, name, "log_unavailable", good.Count);
            return await ProblemAsync(context, 503, "event-log-unavailable", "Event log unavailable",
                $"Nothing from this request was accepted: {ex.Message}. Retry the same request later.", retryAfter: ex.RetryAfter);
        }

        metrics.Accepted(source, name, good.Count);
        IngestLog.BatchHandled(logger, source, name, good.Count, result.ItemCount - good.Count);
        var ids = good.ConvertAll(e => e.Id);
        if (errors.Count == 0)
        {
            context.Response.StatusCode = 202;
            context.Response.ContentType = "application/json";
            await JsonSerializer.SerializeAsync(context.Response.Body, new AcceptedBatch(good.Count, ids), IngestJsonContext.Default.AcceptedBatch, context.RequestAborted);
            return 202;
        }

        return await WriteAsync(context, Problems.Create(
            207, "partially-accepted", "Some items were rejected", $"{good.Count} of {result.ItemCount} item(s) accepted; the rejected ones are listed in errors (index, field, reason).", errors) with
        {
            Accepted = good.Count,
            AcceptedIds = ids,
        });
    }

    private MapResult Map(SourceAdapter? adapter, EventsFormat format, ReadOnlyMemory<byte> body)
    {
        body = ContentCodings.WithoutByteOrderMark(body);
        return adapter is null ? eventParser.Parse(body, format) : adapter.Map(body.Span, SourceOptions(adapter.Idp));
    }

    /// <summary>The adapters' bounds; an item its source does not date is dated with the time the request arrived.</summary>
    /// <param name="idp">An identity provider, whose subjects may be named by user id (<c>Ingest:IdentitySubjects</c>).</param>
    private SourceMapOptions SourceOptions(string? idp) => SourceMapOptions.For(options.Value, idp) with { ReceivedAt = time.GetUtcNow() };

    /// <summary>Reads at most <paramref name="max"/> + 1 bytes of <paramref name="stream"/> (the body, decoded when it is compressed).</summary>
    /// <param name="declared">The body's length when the stream is the body itself, to size the buffer once.</param>
    private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpContext context, Stream stream, long? declared, int max)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // Our own limit answers with a problem document; the server's would only abort the read.
            limit.MaxRequestBodySize = max + 1L;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(declared is > 0 ? (int)Math.Min(declared.Value + 1, max + 1L) : 16 * 1024);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > max)
                    {
                        return (buffer, length);
                    }

                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, max + 1L));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length), context.RequestAborted);
                if (read == 0)
                {
                    return (buffer, length);
                }

                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static bool TryFormat(string? contentType, out EventsFormat format)
    {
        format = EventsFormat.Json;
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return true;
        }

        if (!MediaTypeHeaderValue.TryParse(contentType, out var parsed) || parsed.MediaType.Value is not { } mediaType)
        {
            return false;
        }

        switch (mediaType.ToLowerInvariant())
        {
            case "application/json":
            case "application/x-ndjson":
            case "application/ndjson":
            case "application/jsonl":
            case "application/json-lines":
                format = EventsFormat.Json;
                return true;
            case CloudEventMapping.BatchMediaType:
                format = EventsFormat.CloudEventsBatch;
                return true;
            case CloudEventMapping.StructuredMediaType:
                format = EventsFormat.CloudEvent;
                return true;
            default:
                return false;
        }
    }

    private static Task<int> ProblemAsync(HttpContext context, int status, string type, string title, string detail, TimeSpan? retryAfter = null) =>
        WriteAsync(context, Problems.Create(status, type, title, detail) with
        {
            RetryAfterSeconds = retryAfter is { } wait ? Problems.RetrySeconds(wait) : null,
        });

    private static async Task<int> WriteAsync(HttpContext context, Problem problem)
    {
        await Problems.WriteAsync(context, problem);
        return problem.Status;
    }

    private static string Name(SourceAdapter? adapter) => adapter?.Name ?? "events";

}
