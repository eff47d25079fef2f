using Microsoft.Net.Http.Headers;

namespace ZtStream.Ingest.SharedSignals;

/// <summary>
/// The RFC 8935 error body. RFC 8935 §2.3 asks for <c>application/json</c> with <c>err</c> and <c>description</c>; the
/// RFC 9457 members ride along so the answer reads as a problem document too.
/// </summary>
internal sealed record SetErrorResponse(string Err, string Description, string Type, string Title, int Status, string? Instance);

/// <summary>
/// <c>POST /v1/ssf/events</c>: a transmitter pushes one SET (RFC 8935), authenticating with a ZtStream source key as a
/// bearer token. 202 once its events are in the event log (or it was received before); 400 with an RFC 8935 error
/// when it is refused; 401 without a valid key; 503 with Retry-After when nothing could be kept.
/// </summary>
internal sealed class SsfPushEndpoint(
    SourceAuthenticator authenticator,
    SsfReceiver receiver,
    SourceRateLimiter rateLimiter,
    IOptions<SsfReceiverOptions> options,
    IOptions<IngestOptions> ingestOptions,
    ILogger<SsfPushEndpoint> logger)
{
    public const string Path = "/v1/ssf/events";
    private const string TypeBase = Problem.TypeBase + "ssf-";

    // The wait a 503 asks for when the receiver names none.
    private static readonly TimeSpan DefaultRetry = TimeSpan.FromSeconds(5);

    public async Task HandleAsync(HttpContext context)
    {
        var aborted = context.RequestAborted;
        string? source;
        try
        {
            source = await authenticator.AuthenticateAsync(context.Request.Headers.Authorization.ToString(), aborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            IngestLog.CredentialStoreFailed(logger, ex, "ssf");
            await Problems.WriteAsync(context, Problems.Create(503, "store-unavailable", "Credential store unavailable",
                "The source credential could not be checked; retry later.") with { RetryAfterSeconds = 5 });
            return;
        }

        if (source is null)
        {
            IngestLog.Unauthorized(logger, "ssf", context.Connection.RemoteIpAddress?.ToString());
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"ztstream-ingest\"";
            await Problems.WriteAsync(context, Problems.Create(401, "ssf-authentication-failed", "The transmitter could not be authenticated",
                "Send a ZtStream source key as 'Authorization: Bearer <key>' (made with 'ztstream sources add NAME')."));
            return;
        }

        // Each SET is a signature to check and a store lookup, accepted or not: it costs its source one event of its rate.
        if (!rateLimiter.TryEnter(source, out var wait))
        {
            IngestLog.RateLimited(logger, source, "ssf", wait);
            await Problems.WriteAsync(context, rateLimiter.Refusal(source, wait));
            return;
        }

        rateLimiter.Charge(source, 1);
        if (!IsSetMediaType(context.Request.ContentType))
        {
            await Problems.WriteAsync(context, Problems.UnsupportedMediaType(context.Request.ContentType,
                "push the SET as application/secevent+jwt (RFC 8935 §2), or application/jwt"));
            return;
        }

        var max = options.Value.MaxSetBytes;
        if (context.Request.ContentLength > max)
        {
            await Problems.WriteAsync(context, Problems.Create(413, "body-too-large", "Request body too large", $"The SET is {context.Request.ContentLength} bytes; the limit is {max}."));
            return;
        }

        string token;
        try
        {
            token = await ReadAsync(context, max);
        }
        catch (Exception ex) when (ex is BadHttpRequestException or IOException or InvalidDataException or DecoderFallbackException)
        {
            await WriteAsync(context, 400, SetErrors.InvalidRequest, "The body could not be read: " + ex.Message);
            return;
        }

        if (token.Length > max)
        {
            await Problems.WriteAsync(context, Problems.Create(413, "body-too-large", "Request body too large", $"The SET is over the limit of {max} bytes."));
            return;
        }

        var receipt = await receiver.ReceiveAsync(token, SsfReceiver.Push, source, polledFrom: null, aborted);
        switch (receipt.Outcome)
        {
            case SetOutcome.Accepted:
            case SetOutcome.Duplicate:
                context.Response.StatusCode = 202;
                return;
            case SetOutcome.Throttled:
                await Problems.WriteAsync(context, Problems.Create(429, "too-many-new-principals", "Too many new principals from this source",
                    $"This SET names a subject this Ingest has not seen recently, and source '{source}' has brought the {ingestOptions.Value.MaxNewPrincipalsPerMinute} new principals a minute Ingest:MaxNewPrincipalsPerMinute allows. Nothing from it was kept; push it again after Retry-After.")
                    with { RetryAfterSeconds = Problems.RetrySeconds(receipt.RetryAfter ?? DefaultRetry) });
                return;
            case SetOutcome.Unavailable:
                await Problems.WriteAsync(context, Problems.Create(503, "event-log-unavailable", "The SET could not be kept now", "Nothing from this SET was kept; push it again later.")
                    with { RetryAfterSeconds = Problems.RetrySeconds(receipt.RetryAfter ?? DefaultRetry) });
                return;
            default:
                await WriteAsync(context, 400, receipt.Rejection!.Error, receipt.Rejection.Description);
                return;
        }
    }

    /// <summary>
    /// RFC 8935 §2: a SET is pushed as <c>application/secevent+jwt</c> (RFC 8417 §7.2). <c>application/jwt</c>
    /// (RFC 7519 §10.3.1), the media type of any JWT, is taken too: a SET is one, and the SET's own <c>typ</c> header
    /// must still say <c>secevent+jwt</c>. Parameters (a <c>charset</c>) change nothing in a compact JWS, which is ASCII.
    /// Any other type, or none, is refused: the body was not sent as a SET.
    /// </summary>
    internal static bool IsSetMediaType(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed) && parsed.MediaType.Value is { } type
        && (type.Equals("application/secevent+jwt", StringComparison.OrdinalIgnoreCase) || type.Equals("application/jwt", StringComparison.OrdinalIgnoreCase));

    private static async Task<string> ReadAsync(HttpContext context, int max)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = max + 1L;
        }

        using var reader = new StreamReader(context.Request.Body, new UTF8Encoding(false, throwOnInvalidBytes: true));
        var buffer = new char[max + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await reader.ReadAsync(buffer.AsMemory(length), context.RequestAborted)) > 0)
        {
            length += read;
        }

        return new string(buffer, 0, length);
    }

    /// <summary>A refused SET: RFC 8935 §2.3's <c>application/json</c> body, which the transmitter reads, with the RFC 9457 members.</summary>
    private static Task WriteAsync(HttpContext context, int status, string err, string description)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var body = new SetErrorResponse(err, description, TypeBase + err.Replace('_', '-'), Title(err), status, context.Request.Path.Value);
        return JsonSerializer.SerializeAsync(context.Response.Body, body, IngestJsonContext.Default.SetErrorResponse, CancellationToken.None);
    }

    private static string Title(string err) => err switch
    {
        SetErrors.InvalidRequest => "The SET is not valid",
        SetErrors.InvalidKey => "The SET's signing key is not acceptable",
        SetErrors.InvalidIssuer => "The SET's issuer is not a configured transmitter",
        SetErrors.InvalidAudience => "The SET is not addressed to this receiver",
        SetErrors.AuthenticationFailed => "The transmitter could not be authenticated",
        SetErrors.AccessDenied => "The transmitter may not send this SET",
        _ => "The SET could not be received now",
    };
}
