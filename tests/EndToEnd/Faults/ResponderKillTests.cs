namespace ZtStream.EndToEnd.Faults;

/// <summary>
/// <c>ztstream run</c> killed with SIGKILL while the Responder is carrying out a token revocation (the revocation list
/// written, the IdP's RFC 7009 endpoint called, the action not yet done) and started again on the same folder: the
/// action completes exactly once — one entry on the revocation list, one completion in the audit trail, which still
/// verifies — and an SDK client following the restarted feed refuses the token; killed while it isolates a workload
/// (nftables, in a network namespace of the test's own), the isolation comes into force once.
/// </summary>
public sealed class ResponderKillTests() : ProcessTests("zt-responder-kill-")
{
    private const string ApiToken = "kill-responder-token-0123456789abcdef012345";
    private const string FeedToken = "kill-feed-token-0123456789abcdef0123456789ab";

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
        var policy = await ResponsePolicies.RevokeTokensAsync(Processes.Folder, "low");
        var key = await Processes.AddSourceAsync("kill-app", ["--subjects", "*", "--sqlite", Database], Ct);
        var run = await RunAsync("run-1", policy, idp);
        const string victim = "kill-victim";
        var jti = $"jti-{Guid.NewGuid():N}";
        using (var ingest = ZtStreamApi.Client(run.Url, key))
        {
            await IngestEvents.PostAcceptedAsync(ingest, IngestEvents.StolenToken(victim, jti));
        }

        await idp.WaitForTheFaultAsync(run, ApiToken, jti);

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
        await restarted.StopCleanlyAsync(Ct);
        var verify = await Processes.RunToExitAsync("audit-verify", ["audit", "verify", "--sqlite", Database], 0, TimeSpan.FromSeconds(60), Ct);
        Assert.StartsWith("head ", verify.LastStandardOutputLine, StringComparison.Ordinal);
    }

    /// <summary>
    /// A manual isolation by the nftables driver in a network namespace this test makes: the process is killed after
    /// <c>nft</c> added the quarantine table and before the action was recorded as in force (an <c>nft</c> that hangs once it
    /// has done its work holds it there). After the restart the isolation is in force with one completion, and the
    /// namespace holds the one table of this action: the second attempt found it and added no other.
    /// </summary>
    [Fact]
    public async Task Sigkill_AfterTheQuarantineTableWasAdded_TheIsolationIsInForceOnceAfterRestart()
    {
        await using var netns = await NetworkNamespace.CreateAsync();
        var marker = Path.Combine(Processes.Folder.FullName, "nft-applied");
        var hangingNft = Path.Combine(Processes.Folder.FullName, "nft-then-hang");
        await File.WriteAllTextAsync(hangingNft, $"""
            #!/bin/sh
            # The real nft; once it has applied a ruleset (-f), says so and never returns.
            nft "$@" || exit $?
            if [ "$1" = "-f" ]; then touch '{marker}'; exec sleep 600; fi
            """, Ct);
        Assert.True((await LocalProcess.RunAsync("chmod", ["700", hangingNft], TimeSpan.FromSeconds(30))).Succeeded);
        string[] isolation = ["--set", "Responder:Drivers:Isolation=nftables"];

        var run = await RunAsync("run-1", [.. isolation, "--set", $"Responder:Drivers:Nftables:NftPath={hangingNft}"]);
        string id;
        using (var api = ZtStreamApi.Client(run.Url, ApiToken))
        {
            using var trigger = await api.PostAsJsonAsync(
                new Uri("/v1/actions", UriKind.Relative),
                new Dictionary<string, string> { ["kind"] = "isolate_workload", ["workload_id"] = $"netns:{netns.Name}", ["reason"] = "fault test" },
                Ct);
            Assert.True(trigger.IsSuccessStatusCode, $"{(int)trigger.StatusCode} {await trigger.Content.ReadAsStringAsync(Ct)}");
            id = (await trigger.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString()!;
        }

        Assert.True(await Eventually.WithinAsync(() => Task.FromResult(File.Exists(marker)), ZtStreamApi.Timeout, Ct), $"nft never applied the quarantine:\n{run.Output}");
        run.Kill();
        await run.WaitForExitAsync(TimeSpan.FromSeconds(30), Ct);

        var restarted = await RunAsync("run-2", isolation);
        using (var api = ZtStreamApi.Client(restarted.Url, ApiToken))
        {
            var active = await Eventually.WithinAsync(async () => await StateAsync(api, id) == "active", ZtStreamApi.Timeout, Ct);
            Assert.True(active, $"the isolation {id} is {await StateAsync(api, id)} after the restart:\n{restarted.Output}");
            Assert.Single(await ZtStreamApi.AuditKindsAsync(api, id, Ct), k => k == "action.completed");
        }

        var tables = await netns.NftAsync("list", "tables", "inet");
        Assert.Equal(["table inet ztstream_quarantine"], tables.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var table = await netns.NftAsync("list", "table", "inet", "ztstream_quarantine");
        Assert.Contains($"ztstream {Guid.Parse(id):N}", table, StringComparison.Ordinal);
    }

    /// <summary>
    /// An SDK-protected app follows the revocation feed of <c>ztstream run</c>, which is killed (SIGKILL). While it is down,
    /// another process on the same folder revokes a second token and lifts the first, and stops; the app, never restarted,
    /// sees none of that until <c>ztstream run</c> is back on its address: it reconnects with <c>Last-Event-ID</c> and applies
    /// both — the token revoked in the gap is refused, the one lifted in the gap is taken again.
    /// </summary>
    [Fact]
    public async Task Sigkill_WhileAnSdkFollowsTheFeed_ItReconnectsAndAppliesWhatWasRevokedAndLiftedInTheGap()
    {
        var key = await Processes.AddSourceAsync("feed-app", ["--sqlite", Database], Ct);
        var urls = $"http://127.0.0.1:{LocalProcess.FreePort()}";
        var url = new Uri(urls);
        var run = await RunAsync("run-1", [], urls);
        await using var sdk = await SdkProbe.StartAsync(url, key, url, FeedToken);
        var first = $"jti-{Guid.NewGuid():N}";
        string firstAction;
        using (var api = ZtStreamApi.Client(run.Url, ApiToken))
        {
            firstAction = await RevokeAsync(api, first);
        }

        await sdk.AssertRefusesAsync("gap-first", first);
        run.Kill();
        await run.WaitForExitAsync(TimeSpan.FromSeconds(30), Ct);

        // The gap: another instance on the same store and log, at an address the app does not follow.
        var second = $"jti-{Guid.NewGuid():N}";
        var other = await RunAsync("in-the-gap", []);
        using (var api = ZtStreamApi.Client(other.Url, ApiToken))
        {
            await RevokeAsync(api, second);
            using var lift = await api.PostAsJsonAsync(new Uri($"/v1/actions/{firstAction}/lift", UriKind.Relative), new Dictionary<string, string> { ["reason"] = "fault test" }, Ct);
            Assert.True(lift.IsSuccessStatusCode, $"{(int)lift.StatusCode} {await lift.Content.ReadAsStringAsync(Ct)}");
        }

        await other.StopCleanlyAsync(Ct);
        using (var stale = await sdk.GetAsync("gap-second", second))
        {
            Assert.Equal(HttpStatusCode.OK, stale.StatusCode); // nothing tells the app yet
        }

        var restarted = await RunAsync("run-2", [], urls);
        await sdk.AssertRefusesAsync("gap-second", second);
        var taken = await Eventually.WithinAsync(
            async () =>
            {
                using var response = await sdk.GetAsync("gap-first", first);
                return response.StatusCode == HttpStatusCode.OK;
            },
            ZtStreamApi.Timeout,
            Ct);
        Assert.True(taken, $"the app still refuses {first}, lifted in the gap:\n{restarted.Output}");
    }

    /// <summary>Revokes token <paramref name="jti"/> by hand and waits until it is done; the action's id.</summary>
    private static async Task<string> RevokeAsync(HttpClient api, string jti)
    {
        using var trigger = await api.PostAsJsonAsync(
            new Uri("/v1/actions", UriKind.Relative),
            new Dictionary<string, string> { ["kind"] = "revoke_token", ["jti"] = jti, ["reason"] = "fault test" },
            Ct);
        Assert.True(trigger.IsSuccessStatusCode, $"{(int)trigger.StatusCode} {await trigger.Content.ReadAsStringAsync(Ct)}");
        var id = (await trigger.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString()!;
        Assert.True(await Eventually.WithinAsync(async () => await StateAsync(api, id) == "done", ZtStreamApi.Timeout, Ct), $"the revocation {id} is {await StateAsync(api, id)}");
        return id;
    }

    private string Database => Path.Combine(Processes.Folder.FullName, "ztstream.db");

    private Task<ZtStreamProcess> RunAsync(string name, string policy, RevocationEndpoint idp) =>
        RunAsync(name, ["--set", $"Responder:PolicyPath={policy}", .. idp.DriverSettings]);

    private Task<ZtStreamProcess> RunAsync(string name, string[] settings, string urls = "http://127.0.0.1:0") =>
        Processes.StartAsync(
            name,
            ["run", "--urls", urls, "--sqlite", Database,
             .. ZtStreamApi.ApiToken("responder", ApiToken), "--set", $"Responder:Feed:Token={FeedToken}",
             .. settings,
             // A command left unfinished by the dead process is sent again within seconds of the restart; the retry
             // of a refused attempt waits a minute, so the kill lands in that wait.
             "--set", "Responder:SchedulerInterval=00:00:01", "--set", "Responder:RedispatchAfter=00:00:02",
             "--set", "Responder:RetryMinBackoff=00:01:00", "--set", "Responder:RetryMaxBackoff=00:01:00"],
            waitForListening: true,
            Ct);

    private static async Task<string?> StateAsync(HttpClient api, string id) =>
        (await api.GetFromJsonAsync<JsonElement>(new Uri($"/v1/actions/{id}", UriKind.Relative), Ct)).GetProperty("state").GetString();
}
