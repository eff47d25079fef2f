namespace ZtStream.EndToEnd.Faults;

/// <summary>
/// <c>ztstream run</c> as a real process under libfaketime (the <c>faketime</c> package), whose wall clock the test steps
/// forward by hours and back by minutes while events flow and revocations are in force, as an NTP step or a VM restored
/// from a snapshot does: the monotonic clock is left alone (<c>FAKETIME_DONT_FAKE_MONOTONIC</c>), as the kernel leaves
/// it. Nothing crashes, every acknowledged attack is alerted and revoked once, a revocation lasts until its expiry by
/// the process's clock (gone after a jump past it, kept through a jump back), and the per-source rate limit, which
/// refills on the monotonic clock, neither locks a source out after the jump back nor is refilled by the jump forward.
/// </summary>
public sealed class ClockJumpEndToEndTests() : ProcessTests("zt-clock-jump-")
{
    private const string ApiToken = "clock-jump-responder-token-0123456789abcdef";

    [Fact]
    public async Task WallClockJumpsHoursForwardThenMinutesBack_WhileEventsFlow_NothingLost_RevocationsLastUntilTheirExpiry()
    {
        var clock = await FakeClock.CreateAsync(Processes.Folder);
        var policy = await ResponsePolicies.RevokeTokensAsync(Processes.Folder, "low");
        var key = await Processes.AddSourceAsync("clock-app", ["--subjects", "*", "--sqlite", "zt.db"], Ct);
        var run = await Processes.RunAsync(
            "run",
            ["--sqlite", "zt.db", .. ResponsePolicies.ResponderSettings(policy, ApiToken),
             "--set", "Ingest:RatePerSecond=50", "--set", "Ingest:RateBurst=400"],
            Ct,
            environment: clock.Environment);
        using var ingest = ZtStreamApi.Client(run.Url, key);
        using var api = ZtStreamApi.Client(run.Url, ApiToken);
        List<string> victims = [];

        // Before the jump: a token that expires in 30 minutes and one that expires in 6 hours, both revoked.
        var now = DateTimeOffset.UtcNow;
        await StealAsync(ingest, victims, "user:soon", now.AddMinutes(30));
        await StealAsync(ingest, victims, "user:later", now.AddHours(6));
        await WaitListedAsync(api, run, ["jti-user:soon", "jti-user:later"]);

        await clock.JumpAsync(api, "+2h", TimeSpan.FromHours(2));
        await SendBenignAsync(ingest, "forward", 3);
        await StealAsync(ingest, victims, "user:after-forward", DateTimeOffset.UtcNow.AddMinutes(30));
        await WaitListedAsync(api, run, ["jti-user:later", "jti-user:after-forward"]);
        var listed = await ZtStreamApi.ListedTokenIdsAsync(api, Ct);
        Assert.DoesNotContain("jti-user:soon", listed); // its expiry (its token's and 5 minutes) is past by the process's clock

        // Spend the source's burst into debt (8 s to repay), then step the clock back 10 minutes: the bucket refills on the
        // monotonic clock, so the source is let in again within seconds, not once the wall clock is back where it was.
        await SpendTheBurstAsync(ingest, "burst");
        await clock.JumpAsync(api, "+110m", TimeSpan.FromMinutes(110));
        var letIn = await Eventually.WithinAsync(async () => (await SendAsync(ingest, Benign("back-first", 40))) == HttpStatusCode.Accepted, TimeSpan.FromSeconds(30), Ct);
        Assert.True(letIn, "the source was locked out after the clock went back");
        await Task.Delay(TimeSpan.FromSeconds(9), Ct);
        await SendBenignAsync(ingest, "back", 3);
        await StealAsync(ingest, victims, "user:after-back", DateTimeOffset.UtcNow.AddHours(1));
        await WaitListedAsync(api, run, ["jti-user:later", "jti-user:after-forward", "jti-user:after-back"]);
        Assert.DoesNotContain("jti-user:soon", await ZtStreamApi.ListedTokenIdsAsync(api, Ct));

        // Nor does a forward jump repay the debt: a request right after it is refused.
        await SpendTheBurstAsync(ingest, "burst-2");
        await clock.JumpAsync(api, "+3h", TimeSpan.FromHours(3));
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(ingest, Benign("just-after-forward", 40)));
        await WaitListedAsync(api, run, ["jti-user:later"]);

        Assert.False(run.HasExited, run.Output);
        await ZtStreamApi.WaitForEachAlertedAsync(api, victims, Ct, output: () => run.Output);
        await ZtStreamApi.AssertAlertedOnceAsync(api, victims, Ct);
        await ZtStreamApi.AssertRevokedOnceAsync(api, victims.Select(v => $"jti-{v}"), Ct);

        Assert.DoesNotContain("Unhandled exception", run.Output, StringComparison.Ordinal);
    }

    /// <summary>Posts <paramref name="subject"/>'s stolen token (expiring at <paramref name="expires"/>) and its use elsewhere; it must be acknowledged.</summary>
    private static async Task StealAsync(HttpClient ingest, List<string> victims, string subject, DateTimeOffset expires)
    {
        var events = IngestEvents.StolenToken(subject, $"jti-{subject}").Select(e => e with { Token = e.Token! with { ExpiresAt = expires } }).ToList();
        await IngestEvents.PostAcceptedAsync(ingest, events);
        victims.Add(subject);
    }

    /// <summary>
    /// Puts the source 400 events (8 s at 50 a second) in debt: batches of 400 (the burst) until it is refused, then the
    /// first batch let in again, with barely a token left, pays for all 400.
    /// </summary>
    private static async Task SpendTheBurstAsync(HttpClient ingest, string round)
    {
        var refused = await Eventually.WithinAsync(async () => await SendAsync(ingest, Benign(round, 400)) == HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(30), Ct);
        Assert.True(refused, "the source's burst was never spent");
        var owing = await Eventually.WithinAsync(async () => await SendAsync(ingest, Benign(round + "-debt", 400)) == HttpStatusCode.Accepted, TimeSpan.FromSeconds(30), Ct);
        Assert.True(owing, "the source was not let in again to run into debt");
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient ingest, List<AccessEvent> events)
    {
        using var response = await IngestEvents.SendAsync(ingest, events);
        return response.StatusCode;
    }

    private static async Task SendBenignAsync(HttpClient ingest, string round, int batches)
    {
        for (var batch = 0; batch < batches; batch++)
        {
            await IngestEvents.PostAcceptedAsync(ingest, Benign($"{round}-{batch}", 40));
        }
    }

    private static List<AccessEvent> Benign(string round, int count) =>
        [.. Enumerable.Range(0, count).Select(i => IngestEvents.Benign($"user:normal-{round}-{i % 4}", i))];

    /// <summary>Waits until every one of <paramref name="jtis"/> is on the revocation feed's snapshot.</summary>
    private static async Task WaitListedAsync(HttpClient api, ZtStreamProcess run, IReadOnlyList<string> jtis)
    {
        var listed = await Eventually.WithinAsync(async () => jtis.All((await ZtStreamApi.ListedTokenIdsAsync(api, Ct)).Contains), ZtStreamApi.Timeout, Ct);
        Assert.True(listed, $"not every one of {string.Join(", ", jtis)} was listed:\n{run.Output}");
    }
}
