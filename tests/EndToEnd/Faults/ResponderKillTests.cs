namespace ZtStream.EndToEnd.Faults;

/// <summary>
/// <c>ztstream run</c> killed with SIGKILL while the Responder is carrying out a token revocation (the revocation list
/// written, the IdP's RFC 7009 endpoint called, the action not yet done) and started again on the same folder: the
/// action completes exactly once — one entry on the revocation list, one completion in the audit trail, which still
/// verifies — and an SDK client following the restarted feed refuses the token.
/// </summary>
public sealed class ResponderKillTests : IAsyncDisposable
{
    private const string ApiToken = "kill-responder-token-0123456789abcdef012345";
    private const string FeedToken = "kill-feed-token-0123456789abcdef0123456789ab";
    private readonly ZtStreamProcesses _processes = new("zt-responder-kill-");

    /// <param name="idpRefusesFirst">
    /// False: the kill comes while the IdP holds the first call (its effect may be done, the answer never arrives).
    /// True: the IdP answers the first call 503, the attempt is recorded as failed, and the kill comes while the
    /// command waits for its retry.
    /// </param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sigkill_WhileTheRevocationIsCarriedOut_ItCompletesOnceAfterRestart_AndTheSdkRefusesTheToken(bool idpRefusesFirst)
    {
        await using var idp = await RevocationEndpoint.StartAsync(idpRefusesFirst ? RevocationEndpoint.First.Refuse : RevocationEndpoint.First.Hold);
        var policy = await ResponsePolicies.RevokeTokensAsync(_processes.Folder, "low");
        var key = await _processes.AddSourceAsync("kill-app", ["--subjects", "*", "--sqlite", Database], Ct);
        var run = await RunAsync("run-1", policy, idp);
        const string victim = "kill-victim";
        var jti = $"jti-{Guid.NewGuid():N}";
        using (var ingest = ZtStreamApi.Client(run.Url, key))
        {
            await IngestEvents.PostAcceptedAsync(ingest, IngestEvents.StolenToken(victim, jti));
        }

        Assert.True(await idp.FirstCallAsync(ZtStreamApi.Timeout), $"the IdP was never called:\n{run.Output}");
        if (idpRefusesFirst)
        {
            using var api = ZtStreamApi.Client(run.Url, ApiToken);
            var recorded = await Eventually.WithinAsync(async () => (await AuditKindsAsync(api, (await RevocationAsync(api, jti)).Id)).Contains("action.attempt_failed"), ZtStreamApi.Timeout, Ct);
            Assert.True(recorded, $"the failed attempt was not recorded:\n{run.Output}");
        }

        run.Kill();
        await run.WaitForExitAsync(TimeSpan.FromSeconds(30), Ct);

        var restarted = await RunAsync("run-2", policy, idp);
        using (var api = ZtStreamApi.Client(restarted.Url, ApiToken))
        {
            var done = await Eventually.WithinAsync(async () => (await RevocationAsync(api, jti)).State == "done", ZtStreamApi.Timeout, Ct);
            Assert.True(done, $"the revocation of {jti} did not complete after the restart:\n{restarted.Output}");
            var action = await RevocationAsync(api, jti);

            Assert.Single(await RevocationActionsAsync(api));
            Assert.Single(await AuditKindsAsync(api, action.Id), k => k == "action.completed");
            Assert.Single(await ListedJtisAsync(api), j => j == jti);
            Assert.True(idp.Calls.Count >= 2, $"the IdP was not called again after the restart: {idp.Calls.Count} call(s)");
            Assert.All(idp.Calls, token => Assert.Equal(jti, token));
        }

        // The SDK, started against the restarted feed, refuses the token the attack used and takes another.
        await using var sample = SampleCommand.Build(new ConfigurationBuilder().Build(), restarted.Url, key, restarted.Url, "http://127.0.0.1:0", feedKey: FeedToken);
        await sample.StartAsync(Ct);
        using var app = new HttpClient { BaseAddress = new Uri(sample.Urls.First()) };
        var refused = await Eventually.WithinAsync(
            async () =>
            {
                using var response = await GetAsync(app, SampleTokens.Create(new() { ["sub"] = victim, ["jti"] = jti, ["client_id"] = "shop-web" }));
                return response.StatusCode == HttpStatusCode.Unauthorized && response.Headers.WwwAuthenticate.ToString().Contains("revoked", StringComparison.Ordinal);
            },
            ZtStreamApi.Timeout,
            Ct);
        Assert.True(refused, "the SDK did not refuse the revoked token");
        using (var other = await GetAsync(app, SampleTokens.Create(new() { ["sub"] = "bob", ["jti"] = $"jti-{Guid.NewGuid():N}", ["client_id"] = "shop-web" })))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        }

        await restarted.TerminateAsync();
        Assert.True(await restarted.WaitForExitAsync(TimeSpan.FromSeconds(60), Ct) == 0, restarted.Output);
        var verify = await _processes.StartAsync("audit-verify", ["audit", "verify", "--sqlite", Database], waitForListening: false, Ct);
        Assert.True(await verify.WaitForExitAsync(TimeSpan.FromSeconds(60), Ct) == 0, verify.Output);
        Assert.StartsWith("head ", verify.LastStandardOutputLine, StringComparison.Ordinal);
    }

    public ValueTask DisposeAsync() => _processes.DisposeAsync();

    private string Database => Path.Combine(_processes.Folder.FullName, "ztstream.db");

    private Task<ZtStreamProcess> RunAsync(string name, string policy, RevocationEndpoint idp) =>
        _processes.StartAsync(
            name,
            ["run", "--urls", "http://127.0.0.1:0", "--sqlite", Database,
             "--set", $"Responder:PolicyPath={policy}",
             "--set", "Responder:ApiTokens:0:Name=e2e", "--set", "Responder:ApiTokens:0:Role=responder",
             "--set", $"Responder:ApiTokens:0:Token={ApiToken}", "--set", $"Responder:Feed:Token={FeedToken}",
             .. idp.DriverSettings,
             // A command left unfinished by the dead process is sent again within seconds of the restart; the retry
             // of a refused attempt waits a minute, so the kill lands in that wait.
             "--set", "Responder:SchedulerInterval=00:00:01", "--set", "Responder:RedispatchAfter=00:00:02",
             "--set", "Responder:RetryMinBackoff=00:01:00", "--set", "Responder:RetryMaxBackoff=00:01:00"],
            waitForListening: true,
            Ct);

    /// <summary>The one revocation action on <paramref name="jti"/>: its id and state.</summary>
    private static async Task<(string Id, string State)> RevocationAsync(HttpClient api, string jti)
    {
        var action = Assert.Single(await RevocationActionsAsync(api), a => a.GetProperty("jti").GetString() == jti);
        return (action.GetProperty("id").GetString()!, action.GetProperty("state").GetString()!);
    }

    private static async Task<List<JsonElement>> RevocationActionsAsync(HttpClient api)
    {
        using var doc = JsonDocument.Parse(await api.GetStringAsync(new Uri("/v1/actions?kind=revoke_token&limit=500", UriKind.Relative), Ct));
        return [.. doc.RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    /// <summary>The kinds of the audit entries on <paramref name="actionId"/>.</summary>
    private static async Task<List<string>> AuditKindsAsync(HttpClient api, string actionId)
    {
        using var doc = JsonDocument.Parse(await api.GetStringAsync(new Uri($"/v1/audit?action_id={actionId}&limit=500", UriKind.Relative), Ct));
        return [.. doc.RootElement.EnumerateArray().Select(e => e.GetProperty("kind").GetString()!)];
    }

    /// <summary>The token ids the revocation feed's snapshot lists, one per entry.</summary>
    private static async Task<List<string>> ListedJtisAsync(HttpClient api)
    {
        using var doc = JsonDocument.Parse(await api.GetStringAsync(new Uri("/v1/revocations", UriKind.Relative), Ct));
        return [.. doc.RootElement.GetProperty("revocations").EnumerateArray().Select(r => r.TryGetProperty("jti", out var j) ? j.GetString()! : "")];
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient app, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/orders");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await app.SendAsync(request, Ct);
    }
}
