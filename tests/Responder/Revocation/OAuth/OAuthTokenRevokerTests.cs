using ZtStream.Responder.Revocation.OAuth;
using ZtStream.Responder.Tests.Drivers;

namespace ZtStream.Responder.Tests.Revocation.OAuth;

public sealed class OAuthTokenRevokerTests
{
    private sealed record Seen(string? Authorization, string ContentType, Dictionary<string, string> Form);

    /// <summary>An IdP revocation endpoint answering from a script of (status, retry-after, body); the last answer repeats.</summary>
    private static async Task<(LoopbackApp App, ConcurrentQueue<Seen> Seen)> StartIdpAsync(params (int Status, string? RetryAfter, string? Body)[] answers)
    {
        var seen = new ConcurrentQueue<Seen>();
        var next = 0;
        var app = await LoopbackApp.StartAsync(web => web.MapPost("/oauth2/revoke", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync();
            seen.Enqueue(new Seen(
                context.Request.Headers.Authorization.ToString() is { Length: > 0 } auth ? auth : null,
                context.Request.ContentType ?? "",
                form.ToDictionary(field => field.Key, field => field.Value.ToString())));
            var answer = answers[Math.Min(Interlocked.Increment(ref next) - 1, answers.Length - 1)];
            context.Response.StatusCode = answer.Status;
            if (answer.RetryAfter is not null)
            {
                context.Response.Headers.RetryAfter = answer.RetryAfter;
            }

            if (answer.Body is not null)
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(answer.Body);
            }
        }));
        return (app, seen);
    }

    private static OAuthTokenRevoker Revoker(LoopbackApp idp, TimeProvider time, string auth = OAuthRevocationOptions.ClientSecretBasic, int maxAttempts = 4) =>
        new(
            new HttpClient(),
            new OAuthRevocationOptions
            {
                Endpoint = new Uri(idp.BaseAddress, "oauth2/revoke"),
                ClientId = "ztstream:responder",
                ClientSecret = "s3cr+t/=",
                ClientAuthentication = auth,
                MaxAttempts = maxAttempts,
            },
            time,
            NullLogger<OAuthTokenRevoker>.Instance);

    private static RevokeToken Command(string? jti = "jti-unknown-42") => new()
    {
        ActionId = Guid.NewGuid(),
        Jti = jti,
        SubjectId = "alice",
        Reason = "token replayed from another workload",
        RequestedBy = "policy:token-binding",
    };

    [Fact]
    public async Task RevokeToken_BasicAuth_PostsFormAndTreatsUnknownToken200AsDone()
    {
        var (idp, seen) = await StartIdpAsync((200, null, null));
        await using var _ = idp;

        var result = await Revoker(idp, TimeProvider.System).RevokeTokenAsync(Command(), Ct);

        Assert.True(result.Changed);
        Assert.Contains("200", result.Detail, StringComparison.Ordinal);
        var request = Assert.Single(seen);
        Assert.StartsWith("application/x-www-form-urlencoded", request.ContentType, StringComparison.Ordinal);
        Assert.Equal("jti-unknown-42", request.Form["token"]);
        Assert.Equal("access_token", request.Form["token_type_hint"]);
        Assert.False(request.Form.ContainsKey("client_secret"));
        // RFC 6749 §2.3.1: id and secret are form-encoded before base64.
        var expected = Convert.ToBase64String(Encoding.UTF8.GetBytes("ztstream%3Aresponder:s3cr%2Bt%2F%3D"));
        Assert.Equal($"Basic {expected}", request.Authorization);
    }

    [Fact]
    public async Task RevokeToken_ClientSecretPost_SendsCredentialsInTheForm()
    {
        var (idp, seen) = await StartIdpAsync((200, null, null));
        await using var _ = idp;

        await Revoker(idp, TimeProvider.System, OAuthRevocationOptions.ClientSecretPost).RevokeTokenAsync(Command(), Ct);

        var request = Assert.Single(seen);
        Assert.Null(request.Authorization);
        Assert.Equal("ztstream:responder", request.Form["client_id"]);
        Assert.Equal("s3cr+t/=", request.Form["client_secret"]);
        Assert.Equal("jti-unknown-42", request.Form["token"]);
    }

    [Fact]
    public async Task RevokeToken_503WithRetryAfter_WaitsAsAskedThenSucceeds()
    {
        var (idp, seen) = await StartIdpAsync((503, "2", null), (503, "1", null), (200, null, null));
        await using var _ = idp;
        var time = new RecordingTimeProvider();

        var result = await Revoker(idp, time).RevokeTokenAsync(Command(), Ct);

        Assert.True(result.Changed);
        Assert.Equal(3, seen.Count);
        Assert.Equal([TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)], time.Delays);
    }

    [Fact]
    public async Task RevokeToken_RetryAfterAsHttpDate_WaitsUntilThatTime()
    {
        var time = new RecordingTimeProvider(new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.Zero));
        var at = time.GetUtcNow().AddSeconds(5).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        var (idp, seen) = await StartIdpAsync((503, at, null), (200, null, null));
        await using var _ = idp;

        var result = await Revoker(idp, time).RevokeTokenAsync(Command(), Ct);

        Assert.True(result.Changed);
        Assert.Equal(2, seen.Count);
        Assert.Equal(TimeSpan.FromSeconds(5), Assert.Single(time.Delays));
    }

    [Fact]
    public async Task RevokeToken_500WithoutRetryAfter_BacksOffExponentiallyThenGivesUpTransiently()
    {
        var (idp, seen) = await StartIdpAsync((500, null, """{"error":"server_error"}"""));
        await using var _ = idp;
        var time = new RecordingTimeProvider();

        var failure = await Assert.ThrowsAsync<DriverFailedException>(() =>
            Revoker(idp, time, maxAttempts: 3).RevokeTokenAsync(Command(), Ct));

        Assert.False(failure.Permanent);
        Assert.Contains("3 attempts", failure.Message, StringComparison.Ordinal);
        Assert.Contains("server_error", failure.Message, StringComparison.Ordinal);
        Assert.Equal(3, seen.Count);
        Assert.Equal([TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1)], time.Delays);
    }

    [Fact]
    public async Task RevokeToken_RetryAfterBeyondLimit_FailsTransientlyWithoutWaiting()
    {
        var (idp, seen) = await StartIdpAsync((503, "3600", null));
        await using var _ = idp;
        var time = new RecordingTimeProvider();

        var failure = await Assert.ThrowsAsync<DriverFailedException>(() =>
            Revoker(idp, time).RevokeTokenAsync(Command(), Ct));

        Assert.False(failure.Permanent);
        Assert.Contains("3600", failure.Message, StringComparison.Ordinal);
        Assert.Single(seen);
        Assert.Empty(time.Delays);
    }

    [Theory]
    [InlineData(400, """{"error":"unsupported_token_type","error_description":"jti not accepted"}""", "unsupported_token_type — jti not accepted")]
    [InlineData(401, """{"error":"invalid_client"}""", "client authentication failed (401: invalid_client)")]
    // Bodies that are not RFC 6749's error object are quoted, not fatal.
    [InlineData(400, """["not", "an", "object"]""", "the IdP rejected the revocation (400: [\"not\", \"an\", \"object\"])")]
    [InlineData(400, """{"error":42}""", "(400: {\"error\":42})")]
    [InlineData(403, "<html><body>Forbidden</body></html>", "the IdP rejected the revocation (403: <html><body>Forbidden</body></html>)")]
    public async Task RevokeToken_ClientError_FailsPermanentlyWithTheReason(int status, string body, string expected)
    {
        var (idp, seen) = await StartIdpAsync((status, null, body));
        await using var _ = idp;

        var failure = await Assert.ThrowsAsync<DriverFailedException>(() =>
            Revoker(idp, new RecordingTimeProvider()).RevokeTokenAsync(Command(), Ct));

        Assert.True(failure.Permanent);
        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
        Assert.Single(seen);
    }

    /// <summary>
    /// The IdP chooses its error body: one that never ends must cost neither memory nor the action's time. The 400
    /// decides at once (RFC 7009 §2.2.1, RFC 6749 §5.2), with the start of the body as its reason, and the IdP is hung
    /// up on: read whole, the answer would end only at the request's time limit, with another reason.
    /// </summary>
    [Fact]
    public async Task RevokeToken_ErrorBodyHugeAndNeverEnding_FailsAtOnceFromItsStart_WithoutReadingItAll()
    {
        var hungUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var idp = await LoopbackApp.StartAsync(web => web.MapPost("/oauth2/revoke", async (HttpContext context) =>
        {
            try
            {
                context.Response.StatusCode = 400;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("""{"error":"invalid_request","error_description":" """, context.RequestAborted);
                // It has no end: an answer read whole never returns. Once the caller hangs up, Kestrel completes writes
                // without sending them until it has signalled RequestAborted, so the loop asks the token, not the write.
                var filler = Encoding.ASCII.GetBytes(new string('x', 64 * 1024));
                while (!context.RequestAborted.IsCancellationRequested)
                {
                    await context.Response.Body.WriteAsync(filler, context.RequestAborted);
                }
            }
            finally
            {
                hungUp.TrySetResult();
            }
        }));
        var revoker = new OAuthTokenRevoker(
            new HttpClient(),
            new OAuthRevocationOptions
            {
                Endpoint = new Uri(idp.BaseAddress, "oauth2/revoke"),
                ClientId = "ztstream:responder",
                ClientSecret = "s3cr+t/=",
                MaxAttempts = 1,
                RequestTimeout = TimeSpan.FromSeconds(30),
            },
            TimeProvider.System,
            NullLogger<OAuthTokenRevoker>.Instance);

        var failure = await Assert.ThrowsAsync<DriverFailedException>(() => revoker.RevokeTokenAsync(Command(), Ct));

        Assert.True(failure.Permanent, failure.Message);
        Assert.Contains("the IdP rejected the revocation (400: {\"error\":\"invalid_request\"", failure.Message, StringComparison.Ordinal);
        await hungUp.Task.WaitAsync(Ct);
    }

    [Fact]
    public async Task RevokeToken_NoTokenIdNorSession_IsANoOpThatSaysSo()
    {
        var (idp, seen) = await StartIdpAsync((200, null, null));
        await using var _ = idp;

        var result = await Revoker(idp, TimeProvider.System).RevokeTokenAsync(Command(jti: null), Ct);

        Assert.False(result.Changed);
        Assert.Contains("nothing to revoke", result.Detail, StringComparison.Ordinal);
        Assert.Empty(seen);
    }

    [Fact]
    public void Validate_BadOptions_ListsEveryProblem()
    {
        var problems = new OAuthRevocationOptions
        {
            Endpoint = new Uri("ftp://idp.example/revoke"),
            ClientAuthentication = "private_key_jwt",
            MaxAttempts = 0,
        }.Validate();

        Assert.Equal(5, problems.Count);
        ProblemList.AssertNames(
            problems,
            "Endpoint",
            "ClientId",
            "ClientSecret",
            "ClientAuthentication",
            "MaxAttempts");
    }
}
