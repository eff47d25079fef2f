using System.Net.Http.Headers;

namespace ZtStream.Responder.Revocation.OAuth;

/// <summary>
/// Revokes tokens at an IdP's OAuth 2.0 revocation endpoint (RFC 7009): a form POST with client authentication.
/// 200 means done, also for a token the IdP does not know (RFC 7009 §2.2); 503 and other 5xx are retried with
/// backoff that honours Retry-After; 400 and 401 fail with the IdP's error.
/// </summary>
internal sealed class OAuthTokenRevoker(
    HttpClient http,
    OAuthRevocationOptions options,
    TimeProvider time,
    ILogger<OAuthTokenRevoker> logger) : ITokenRevoker
{
    public const string DriverName = "oauth";

    public string Name => DriverName;

    public async Task<DriverResult> RevokeTokenAsync(RevokeToken command, CancellationToken cancellationToken)
    {
        // RFC 7009 revokes one token; ZtStream knows tokens by their id (jti), which IdPs that support
        // revocation by id accept in the token parameter. A session id is the next best handle.
        var token = command.Jti ?? command.SessionId;
        if (string.IsNullOrEmpty(token))
        {
            return new DriverResult(false, "oauth: nothing to revoke (the command names no token id or session id)");
        }

        var attempt = 0;
        while (true)
        {
            attempt++;
            TimeSpan? wait;
            string transient;
            try
            {
                using var request = BuildRequest(options, token);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(options.RequestTimeout);
                // The status decides; of the body only the start is read, within the request's time (ErrorAnswers.BodyAsync).
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    DriverLog.OAuthRevoked(logger, command.ActionId, (int)response.StatusCode, attempt);
                    return new DriverResult(true, $"oauth: the IdP accepted the revocation of {Describe(command)} ({(int)response.StatusCode}; RFC 7009 answers 200 for unknown tokens too)");
                }

                var error = ErrorAnswers.OAuth(await ErrorAnswers.BodyAsync(response, timeout.Token)).Suffix;
                if ((int)response.StatusCode < 500 && response.StatusCode != HttpStatusCode.TooManyRequests)
                {
                    var what = response.StatusCode == HttpStatusCode.Unauthorized
                        ? "client authentication failed"
                        : "the IdP rejected the revocation";
                    throw new DriverFailedException(DriverName, $"{what} ({(int)response.StatusCode}{error})", permanent: true);
                }

                transient = $"{(int)response.StatusCode}{error}";
                wait = Backoff.RetryAfter(response, time.GetUtcNow());
            }
            catch (HttpRequestException exception)
            {
                transient = exception.Message;
                wait = null;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                transient = $"no answer within {options.RequestTimeout.TotalSeconds:0.#} s";
                wait = null;
            }

            if (wait > options.MaxBackoff)
            {
                throw new DriverFailedException(DriverName, $"the IdP asked to retry after {wait.Value.TotalSeconds:0} s, beyond the {options.MaxBackoff.TotalSeconds:0} s limit ({transient})", permanent: false);
            }

            if (attempt >= options.MaxAttempts)
            {
                throw new DriverFailedException(DriverName, $"gave up after {attempt} attempts: {transient}", permanent: false);
            }

            var delay = wait ?? Backoff.Exponential(attempt, options.InitialBackoff, options.MaxBackoff);
            DriverLog.OAuthRetrying(logger, command.ActionId, attempt, transient, delay);
            await Task.Delay(delay, time, cancellationToken);
        }
    }

    public Task<DriverResult> RevokeSubjectSessionsAsync(RevokeSubjectSessions command, CancellationToken cancellationToken) =>
        // RFC 7009 has no subject-wide revocation; the built-in list and SSF carry that one.
        Task.FromResult(new DriverResult(false, "oauth: RFC 7009 cannot revoke all of a subject's sessions; left to the other drivers"));

    /// <summary>The RFC 7009 request for <paramref name="token"/> with the client's credentials (also what <c>ztstream check</c> sends).</summary>
    internal static HttpRequestMessage BuildRequest(OAuthRevocationOptions options, string token)
    {
        var form = new List<KeyValuePair<string, string>> { new("token", token) };
        if (!string.IsNullOrEmpty(options.TokenTypeHint))
        {
            form.Add(new("token_type_hint", options.TokenTypeHint));
        }

        var request = new HttpRequestMessage(HttpMethod.Post, options.Endpoint);
        if (options.ClientAuthentication == OAuthRevocationOptions.ClientSecretPost)
        {
            form.Add(new("client_id", options.ClientId!));
            form.Add(new("client_secret", options.ClientSecret!));
        }
        else
        {
            // RFC 6749 §2.3.1: both parts are form-encoded before they are joined and base64-encoded.
            var credentials = $"{FormEncode(options.ClientId!)}:{FormEncode(options.ClientSecret!)}";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        }

        request.Content = new FormUrlEncodedContent(form);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    private static string FormEncode(string value) => WebUtility.UrlEncode(value);

    private static string Describe(RevokeToken command) =>
        command.Jti is not null ? $"token {command.Jti}" : $"session {command.SessionId}";
}
