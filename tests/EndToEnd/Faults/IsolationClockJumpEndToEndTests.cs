namespace ZtStream.EndToEnd.Faults;

/// <summary>
/// An isolation with a time-to-live, by the nftables driver in a network namespace of the test's own (<see cref="NetworkNamespace"/>), while the wall
/// clock of <c>ztstream run</c> is stepped under libfaketime: a step back keeps it in force (never released early),
/// a step past its end releases it once, and a step back to before its end afterwards neither isolates it again nor
/// releases it a second time. Its end is a deadline a user reads (<c>expires_at</c>), so the wall clock decides it.
/// </summary>
public sealed class IsolationClockJumpEndToEndTests() : ProcessTests("zt-clock-iso-")
{
    private const string ApiToken = "clock-jump-isolation-token-0123456789abcdef";
    private const string Table = "ztstream_quarantine";

    [Fact]
    public async Task IsolationWithAnHourToLive_ClockStepsBackThenPastItsEndThenBack_ReleasedOnceAtItsEnd()
    {
        await using var netns = await NetworkNamespace.CreateAsync();
        var clock = await FakeClock.CreateAsync(Processes.Folder);
        var run = await Processes.RunAsync(
            "run",
            ["--sqlite", "zt.db", .. ZtStreamApi.ApiToken("responder", ApiToken),
             "--set", "Responder:Drivers:Isolation=nftables", "--set", "Responder:SchedulerInterval=00:00:01"],
            Ct,
            environment: clock.Environment);
        using var api = ZtStreamApi.Client(run.Url, ApiToken);
        using var trigger = await api.PostAsJsonAsync(
            new Uri("/v1/actions", UriKind.Relative),
            new Dictionary<string, object> { ["kind"] = "isolate_workload", ["workload_id"] = $"netns:{netns.Name}", ["ttl_seconds"] = 3600, ["reason"] = "clock test" },
            Ct);
        Assert.True(trigger.IsSuccessStatusCode, $"{(int)trigger.StatusCode} {await trigger.Content.ReadAsStringAsync(Ct)}");
        var id = (await trigger.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString()!;
        Assert.True(await Eventually.WithinAsync(async () => await StateAsync(api, id) == "active", ZtStreamApi.Timeout, Ct), $"never active:\n{run.Output}");
        Assert.True(await QuarantinedAsync(netns));

        // Back 30 minutes: the end is further off, not passed; several scheduler passes leave it in force.
        await clock.JumpAsync(api, "-30m", TimeSpan.FromMinutes(-30));
        await Task.Delay(TimeSpan.FromSeconds(4), Ct);
        Assert.Equal("active", await StateAsync(api, id));
        Assert.True(await QuarantinedAsync(netns));

        // Past its end: released, the table gone.
        await clock.JumpAsync(api, "+70m", TimeSpan.FromMinutes(70));
        Assert.True(await Eventually.WithinAsync(async () => await StateAsync(api, id) == "released", ZtStreamApi.Timeout, Ct), $"not released after its end:\n{run.Output}");
        Assert.True(await Eventually.WithinAsync(async () => !await QuarantinedAsync(netns), ZtStreamApi.Timeout, Ct), "the quarantine table is still there");

        // Back to before its end: released stays released, once.
        await clock.JumpAsync(api, "+5m", TimeSpan.FromMinutes(5));
        await Task.Delay(TimeSpan.FromSeconds(4), Ct);
        Assert.Equal("released", await StateAsync(api, id));
        Assert.False(await QuarantinedAsync(netns));
        Assert.Single(await ZtStreamApi.AuditKindsAsync(api, id, Ct), k => k == "action.release_requested");
        Assert.Single(await ZtStreamApi.ActionsAsync(api, "release_workload", Ct));
        Assert.False(run.HasExited, run.Output);
        Assert.DoesNotContain("Unhandled exception", run.Output, StringComparison.Ordinal);
    }

    private static async Task<bool> QuarantinedAsync(NetworkNamespace netns) =>
        (await netns.NftAsync("list", "tables", "inet")).Contains(Table, StringComparison.Ordinal);

    private static async Task<string?> StateAsync(HttpClient api, string id) =>
        (await api.GetFromJsonAsync<JsonElement>(new Uri($"/v1/actions/{id}", UriKind.Relative), Ct)).GetProperty("state").GetString();
}
