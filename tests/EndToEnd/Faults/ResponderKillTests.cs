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
            var recorded = await Eventually.WithinAsync(
                async () => (await ZtStreamApi.AuditKindsAsync(api, (await ZtStreamApi.RevocationOfAsync(api, jti, Ct)).Id, Ct)).Contains("action.attempt_failed"),
                ZtStreamApi.Timeout,
                Ct);
            Assert.True(recorded, $"the failed attempt was not recorded:\n{run.Output}");
        }

        run.Kill();
        await run.WaitForExitAsync(TimeSpan.FromSeconds(30), Ct);

        var restarted = await RunAsync("run-2", policy, idp);
        using (var api = ZtStreamApi.Client(restarted.Url, ApiToken))
        {
            await ZtStreamApi.WaitRevokedOnceAsync(api, jti, restarted, Ct);
        }

        Assert.True(idp.Calls.Count >= 2, $"the IdP was not called again after the restart: {idp.Calls.Count} call(s)");
        Assert.All(idp.Calls, token => Assert.Equal(jti, token));

        // The SDK, started against the restarted feed, refuses the token the attack used and takes another; it still
        // follows the feed when the process is stopped, which must not hold the stop.
        await using var sdk = await SdkProbe.StartAsync(restarted.Url, key, restarted.Url, FeedToken);
        await sdk.AssertRefusesAsync(victim, jti);
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
}
