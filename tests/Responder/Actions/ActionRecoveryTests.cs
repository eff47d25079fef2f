namespace ZtStream.Responder.Tests.Actions;

/// <summary>What brings an action back when its command was lost, and what keeps one bad action from holding up the rest.</summary>
public sealed class ActionRecoveryTests
{
    [Fact]
    public async Task Timekeeper_CommandSentLongAgoAndNeverCompleted_IsSentAgainAndCompletes()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var lost = TestActions.Manual(host, ActionKinds.RevokeToken, ActionStates.Dispatched, minutesAgo: 5) with { Jti = "jti-lost" };
        await host.Get<ActionStore>().TryInsertAsync(lost, Ct);

        var moved = await host.Get<ActionTimekeeper>().RunOnceAsync(Ct);

        Assert.Equal(1, moved);
        await host.UntilStateAsync(lost.Id, ActionStates.Done);
        Assert.True(await host.Harness.Consumed.Any<RevokeToken>(x => x.Context.Message.ActionId == lost.Id, Ct));
        var snapshot = await host.ClientFor(ResponderTestHost.FeedToken).GetFromJsonAsync<JsonElement>("/v1/revocations", Ct);
        Assert.Contains(snapshot.GetProperty("revocations").EnumerateArray(), r => r.GetProperty("jti").GetString() == "jti-lost");
        var sent = await host.Get<AuditLog>().QueryAsync(new AuditQuery(ActionId: lost.Id.ToString(), Kind: AuditKinds.CommandSent), Ct);
        Assert.Contains(sent, e => e.Summary.Contains("again", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Timekeeper_RecentlyDispatched_IsLeftAlone()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var inFlight = TestActions.Manual(host, ActionKinds.RevokeToken, ActionStates.Dispatched, minutesAgo: 0) with { Jti = "jti-in-flight" };
        await host.Get<ActionStore>().TryInsertAsync(inFlight, Ct);

        Assert.Equal(0, await host.Get<ActionTimekeeper>().RunOnceAsync(Ct));
        Assert.Equal(ActionStates.Dispatched, (await host.Get<ActionStore>().GetAsync(inFlight.Id, Ct))!.State);
    }

    [Fact]
    public async Task Timekeeper_OneActionFailsToDispatch_TheOthersInThePassStillMove()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var store = host.Get<ActionStore>();

        // Stored without its workload (as by an older version): sending it throws on every pass.
        var broken = TestActions.Manual(host, ActionKinds.IsolateWorkload, ActionStates.Queued, minutesAgo: 10);
        var healthy = TestActions.Manual(host, ActionKinds.RevokeToken, ActionStates.Queued, minutesAgo: 5) with { Jti = "jti-after-the-broken-one" };
        await store.TryInsertAsync(broken, Ct);
        await store.TryInsertAsync(healthy, Ct);

        var moved = await host.Get<ActionTimekeeper>().RunOnceAsync(Ct);
        var again = await host.Get<ActionTimekeeper>().RunOnceAsync(Ct);

        Assert.Equal(1, moved);
        Assert.Equal(0, again);
        await host.UntilStateAsync(healthy.Id, ActionStates.Done);
        Assert.Equal(ActionStates.Queued, (await store.GetAsync(broken.Id, Ct))!.State);
    }

    [Fact]
    public async Task Timekeeper_StoredTtlFarPastThirtyDays_IsolatesWithTheTtlCapped()
    {
        var isolator = new RecordingIsolator();
        await using var host = await new ResponderTestHost().With<IWorkloadIsolator>(isolator).StartAsync();
        var huge = TestActions.Manual(host, ActionKinds.IsolateWorkload, ActionStates.Queued, minutesAgo: 5) with
        {
            WorkloadId = "pod-9",
            Namespace = "shop",
            WorkloadName = "cart-9",
            TtlSeconds = 999_999_999_999,
        };
        await host.Get<ActionStore>().TryInsertAsync(huge, Ct);

        Assert.Equal(1, await host.Get<ActionTimekeeper>().RunOnceAsync(Ct));

        await host.UntilStateAsync(huge.Id, ActionStates.Active);
        var active = (await host.Get<ActionStore>().GetAsync(huge.Id, Ct))!;
        Assert.InRange(active.ExpiresAt!.Value, host.Time.GetUtcNow(), host.Time.GetUtcNow() + ActionService.MaxTtl);
        Assert.Equal(0, await host.Get<ActionTimekeeper>().RunOnceAsync(Ct));
    }

    [Theory]
    [InlineData("""{"kind":"isolate_workload","workload_id":"pod-1","ttl_seconds":999999999999}""", "ttl_seconds")]
    [InlineData("""{"kind":"isolate_workload","workload_id":"pod-1","ttl_seconds":0}""", "ttl_seconds")]
    [InlineData("""{"kind":"revoke_token","jti":"j","reason":"REASON"}""", "reason")]
    [InlineData("""{"kind":"revoke_subject_sessions","subject_id":"SUBJECT"}""", "subject_id")]
    [InlineData("""{"kind":"shutdown_everything"}""", "kind")]
    public async Task Trigger_OutOfBounds_Is400ProblemNamingTheFieldAndNothingIsQueued(string body, string field)
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var json = body.Replace("REASON", new string('r', 2001), StringComparison.Ordinal).Replace("SUBJECT", new string('s', 513), StringComparison.Ordinal);

        using var response = await responder.PostAsync("/v1/actions", new StringContent(json, System.Text.Encoding.UTF8, "application/json"), Ct);

        await AssertProblemAsync(response, field);
        Assert.Empty(await host.Get<ActionStore>().QueryAsync(new ActionQuery(), Ct));
        Assert.Equal(0, await host.Get<ActionTimekeeper>().RunOnceAsync(Ct));
    }

    [Fact]
    public async Task Extend_TtlBeyondThirtyDays_Is400ProblemNamingTheField()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        using var response = await responder.PostAsJsonAsync($"/v1/actions/{Guid.NewGuid()}/extend", new { ttl_seconds = 2_592_001 }, Ct);

        await AssertProblemAsync(response, "ttl_seconds");
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, string field)
    {
        var problem = await HttpProblem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(field, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field);
    }
}
