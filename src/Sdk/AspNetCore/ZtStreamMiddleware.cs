using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;
using ZtStream.Contracts.Identity;

namespace ZtStream.Sdk.AspNetCore;

/// <summary>
/// For every authenticated request: rejects it when its token, session or subject is revoked, and records an
/// <c>access.request</c> event afterwards (denied ones too). Anonymous requests pass untouched.
/// </summary>
internal sealed class ZtStreamMiddleware
{
    public const string RevokedChallenge = "Bearer error=\"invalid_token\", error_description=\"revoked\"";

    private static readonly KeyValuePair<string, object?> FailOpenTag = new("mode", "fail_open");
    private static readonly KeyValuePair<string, object?> FailClosedTag = new("mode", "fail_closed");

    private readonly RequestDelegate _next;
    private readonly ZtStreamClient _client;
    private readonly RevocationList _revocations;
    private readonly ZtStreamRevocationOptions _enforcement;
    private readonly bool _enforce;
    private readonly Workload? _workload;
    private readonly string _subjectClaim;
    private readonly TimeProvider _time;
    private readonly SdkMetrics _metrics;
    private readonly ILogger<ZtStreamMiddleware> _logger;
    private int _warnedNotCurrent;

    public ZtStreamMiddleware(
        RequestDelegate next,
        ZtStreamClient client,
        RevocationList revocations,
        IOptions<ZtStreamOptions> options,
        TimeProvider time,
        SdkMetrics metrics,
        ILogger<ZtStreamMiddleware> logger)
    {
        _next = next;
        _client = client;
        _revocations = revocations;
        _enforcement = options.Value.Revocations;
        _enforce = _enforcement.Feed is not null;
        _workload = WorkloadIdentity.ToWorkload(options.Value.Workload);
        _subjectClaim = options.Value.SubjectClaim;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.User.Identity?.IsAuthenticated != true)
        {
            await _next(context);
            return;
        }

        var started = _time.GetUtcNow();
        var claims = TokenClaims.From(context.User, _subjectClaim);
        if (_enforce && Refuse(context, claims))
        {
            Emit(context, claims, started, bytes: 0, Outcomes.Denied);
            return;
        }

        var body = context.Features.Get<IHttpResponseBodyFeature>();
        CountingResponseBody? counter = null;
        if (body is not null)
        {
            counter = new CountingResponseBody(body);
            context.Features.Set<IHttpResponseBodyFeature>(counter);
        }

        var failed = false;
        try
        {
            await _next(context);
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            if (counter is not null)
            {
                context.Features.Set(body);
            }

            var status = context.Response.StatusCode;
            var outcome = failed || status >= 500 ? Outcomes.Error
                : status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden ? Outcomes.Denied
                : Outcomes.Success;
            Emit(context, claims, started, counter?.Bytes ?? 0, outcome, failed ? StatusCodes.Status500InternalServerError : null);
        }
    }

    /// <summary>Answers the request itself when the token is revoked, or when the list is not current and enforcement fails closed.</summary>
    private bool Refuse(HttpContext context, TokenClaims claims)
    {
        // The subject as the events name it: a client-credentials token without `sub` speaks as its client, so a
        // subject-wide revocation of that client applies to it.
        var match = _revocations.Match(claims.Jti, claims.SessionId, RevocationSubject(claims), claims.IssuedAt);
        if (match != RevocationMatch.None)
        {
            var what = match switch
            {
                RevocationMatch.Token => "token",
                RevocationMatch.Session => "session",
                _ => "subject",
            };
            _metrics.RevokedRequests.Add(1, new KeyValuePair<string, object?>("match", what));
            _logger.RequestRevoked(what, claims.Subject);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers[HeaderNames.WWWAuthenticate] = RevokedChallenge;
            return true;
        }

        if (_revocations.IsCurrent(_enforcement.StaleAfter))
        {
            Volatile.Write(ref _warnedNotCurrent, 0);
            return false;
        }

        _metrics.UnverifiedRequests.Add(1, _enforcement.FailClosed ? FailClosedTag : FailOpenTag);
        if (Interlocked.Exchange(ref _warnedNotCurrent, 1) == 0)
        {
            _logger.ListNotCurrent(_enforcement.FailClosed ? "refused (fail-closed)" : "allowed (fail-open)");
        }

        if (!_enforcement.FailClosed)
        {
            return false;
        }

        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers[HeaderNames.RetryAfter] = "5";
        return true;
    }

    /// <summary>
    /// The subject as the principal Ingest keys it: a login claim's value (<see cref="SubjectClaims.IsLogin"/>) folded as
    /// Ingest folds login names (<see cref="LoginNames.Fold"/>: width, case and NFC), so a whole-user revocation matches the
    /// token however the provider wrote the name (docs/sdk.md, "The event").
    /// </summary>
    private static string? RevocationSubject(TokenClaims claims) =>
        claims.Subject is { } subject && SubjectClaims.IsLogin(claims.SubjectClaim) ? LoginNames.Fold(subject) : claims.Subject ?? claims.ClientId;

    private void Emit(HttpContext context, TokenClaims claims, DateTimeOffset started, long bytes, string outcome, int? statusOverride = null)
    {
        try
        {
            var request = context.Request;
            var connection = context.Connection;
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
            var subjectId = claims.Subject ?? claims.ClientId;
            _client.Enqueue(new AccessEvent
            {
                Id = Guid.CreateVersion7(started).ToString(),
                Time = started,
                Kind = EventKinds.AccessRequest,
                Subject = subjectId is null
                    ? null
                    : new Subject
                    {
                        Id = subjectId,
                        // A token whose subject is its own client is a client-credentials (machine) token.
                        Type = claims.Subject is null || claims.Subject == claims.ClientId ? "service_account" : "user",
                        Tenant = claims.Tenant,
                        Claim = claims.SubjectClaim,
                    },
                Token = new TokenInfo
                {
                    Jti = claims.Jti,
                    ClientId = claims.ClientId,
                    SessionId = claims.SessionId,
                    IssuedAt = claims.IssuedAt,
                    ExpiresAt = claims.ExpiresAt,
                },
                Workload = _workload,
                Network = new NetworkInfo
                {
                    SrcIp = connection.RemoteIpAddress?.ToString(),
                    DstIp = connection.LocalIpAddress?.ToString(),
                    DstPort = connection.LocalPort == 0 ? null : connection.LocalPort,
                },
                Resource = new ResourceRef { Type = "http_route", Id = route ?? request.Path.Value },
                Action = request.Method,
                Outcome = outcome,
                Status = statusOverride ?? context.Response.StatusCode,
                Bytes = bytes,
                UserAgent = request.Headers.UserAgent.Count > 0 ? request.Headers.UserAgent.ToString() : null,
            });
        }
        catch (Exception ex)
        {
            // Recording must never break the request it records.
            _logger.EmitFailed(ex);
        }
    }
}
