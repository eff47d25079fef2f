using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ZtStream.TestSupport.Http;

namespace ZtStream.EndToEnd.Faults;

/// <summary>
/// An IdP's RFC 7009 revocation endpoint on loopback for the Responder's <c>oauth</c> driver: it keeps the token of
/// every call, and holds or refuses the first one as the test asks (the fault's moment); every later call is answered
/// 200.
/// </summary>
internal sealed class RevocationEndpoint : IAsyncDisposable
{
    private const string ClientId = "ztstream-e2e";
    private const string ClientSecret = "e2e-client-secret-0123456789";
    private readonly TaskCompletionSource _firstCall = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<string> _calls = new();
    private LoopbackApp? _app;

    private RevocationEndpoint(First first) => Behaviour = first;

    /// <summary>What the endpoint does with the first call.</summary>
    public enum First
    {
        /// <summary>Never answers it: the caller waits until it gives up or dies.</summary>
        Hold,

        /// <summary>Answers 503 at once, as an IdP that is briefly down.</summary>
        Refuse,
    }

    public First Behaviour { get; }

    /// <summary>The token of each call, in order of arrival.</summary>
    public IReadOnlyCollection<string> Calls => _calls;

    /// <summary>The <c>--set</c> switches that make <c>ztstream run</c> revoke at this endpoint, once per attempt.</summary>
    public IReadOnlyList<string> DriverSettings =>
        ["--set", "Responder:Drivers:TokenRevokers:0=oauth",
         "--set", $"Responder:Drivers:OAuth:Endpoint={new Uri(_app!.BaseAddress, "/oauth2/revoke")}",
         "--set", $"Responder:Drivers:OAuth:ClientId={ClientId}", "--set", $"Responder:Drivers:OAuth:ClientSecret={ClientSecret}",
         "--set", "Responder:Drivers:OAuth:MaxAttempts=1"];

    public static async Task<RevocationEndpoint> StartAsync(First first)
    {
        var endpoint = new RevocationEndpoint(first);
        endpoint._app = await LoopbackApp.StartAsync(app => app.MapPost("/oauth2/revoke", (Func<HttpContext, Task<IResult>>)endpoint.RevokeAsync));
        return endpoint;
    }

    /// <summary>Whether the first call arrived within <paramref name="timeout"/>.</summary>
    public async Task<bool> FirstCallAsync(TimeSpan timeout)
    {
        try
        {
            await _firstCall.Task.WaitAsync(timeout, Ct);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Waits until the fault is in place on <paramref name="responder"/> (reached with <paramref name="apiToken"/>): the first
    /// call arrived and, when it is refused, the revocation of <paramref name="jti"/> recorded the failed attempt; fails
    /// the test, with the process's output, otherwise.
    /// </summary>
    public async Task WaitForTheFaultAsync(ZtStreamProcess responder, string apiToken, string jti)
    {
        Assert.True(await FirstCallAsync(ZtStreamApi.Timeout), $"the IdP was never called:\n{responder.Output}");
        if (Behaviour == First.Refuse)
        {
            using var api = ZtStreamApi.Client(responder.Url, apiToken);
            var recorded = await Eventually.WithinAsync(
                async () => (await ZtStreamApi.AuditKindsAsync(api, (await ZtStreamApi.RevocationOfAsync(api, jti, Ct)).Id, Ct)).Contains("action.attempt_failed"),
                ZtStreamApi.Timeout,
                Ct);
            Assert.True(recorded, $"the failed attempt was not recorded:\n{responder.Output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private async Task<IResult> RevokeAsync(HttpContext http)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        _calls.Enqueue(form["token"].ToString());
        if (!_firstCall.TrySetResult())
        {
            return Results.Ok();
        }

        if (Behaviour == First.Refuse)
        {
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }

        // Held until the caller goes away (killed): the IdP may have revoked, the caller never learns it.
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, http.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // The caller gave up or died; nobody reads this answer.
        }

        return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
    }
}
