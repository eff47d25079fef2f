using ZtStream.Platform.Faults;

namespace ZtStream.Responder.Tests.Actions;

/// <summary>What brings an action back when its command was lost, and what keeps one bad action from holding up the rest.</summary>
public sealed class ActionRecoveryTests
{
    [Fact]
    public async Task Timekeeper_CommandSentLongAgoAndNeverCompleted_IsSentAgainAndCompletes()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var lost = await host.StoreAsync(TestActions.Manual(host, ActionKinds.RevokeToken, ActionStates.Dispatched, minutesAgo: 5) with { Jti = "jti-lost" });

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
        var inFlight = await host.StoreAsync(TestActions.Manual(host, ActionKinds.RevokeToken, ActionStates.Dispatched, minutesAgo: 0) with { Jti = "jti-in-flight" });

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

    /// <summary>
    /// A send the bus refuses leaves its action queued and the bus taken as down, so the next decision does not try it
    /// either; both go at the timekeeper's first pass that finds the bus back. Before, both waited for
    /// <c>RedispatchAfter</c> (30 s) after their decision: on a loaded machine one slow send held every action decided
    /// in the next half minute.
    /// </summary>
    [Fact]
    public async Task Decision_BusRefusesTheSend_TheActionsLeftQueuedGoAtTheFirstPassThatFindsTheBusBack()
    {
        var bus = new BusSwitch { Down = true };
        await using var host = await bus.Into(new ResponderTestHost(ResponseFlowTests.RevokeCritical)).StartAsync();

        var refused = await host.RaiseAsync(TestAlerts.Critical("al-refused", principal: "alice"));
        var held = await host.RaiseAsync(TestAlerts.Critical("al-held", principal: "bob"));

        Assert.Equal(1, bus.Refused);
        Assert.Equal(ActionStates.Queued, await host.StateOfAsync(refused.Id));
        Assert.Equal(ActionStates.Queued, await host.StateOfAsync(held.Id));

        // Still down at a pass: one send tries it, the other waits.
        Assert.Equal(0, await host.Get<ActionTimekeeper>().RunOnceAsync(Ct));
        Assert.Equal(2, bus.Refused);

        bus.Down = false;
        await host.PassAsync(TimeSpan.FromSeconds(5));

        await host.UntilStateAsync(refused.Id, ActionStates.Done);
        await host.UntilStateAsync(held.Id, ActionStates.Done);
        Assert.Equal(2, bus.Sent);
    }

    /// <summary>
    /// After a refused send, decisions within <c>RedispatchAfter</c> are left queued; that span is timed on the
    /// monotonic clock. Before, it was a wall-clock deadline, so a step of the clock back an hour held every decision
    /// queued for the hour (until a scheduler pass found the bus back) though the bus was long up again.
    /// </summary>
    [Fact]
    public async Task Decision_AfterTheBusWasDown_WallClockStepsBack_TheNextCommandGoesOnceRedispatchAfterPassed()
    {
        var bus = new BusSwitch { Down = true };
        var clock = new ZtStream.TestSupport.Faults.SteppedFakeClock(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        await using var host = await bus.Into(new ResponderTestHost(ResponseFlowTests.RevokeCritical, clock))
            .WithSetting("Responder:SchedulerInterval", "01:00:00")
            .StartAsync();

        await host.RaiseAsync(TestAlerts.Critical("al-refused", principal: "alice"));
        Assert.Equal(1, bus.Refused);
        bus.Down = false;
        clock.Offset = TimeSpan.FromHours(-1);
        clock.Advance(new ResponderOptions().RedispatchAfter + TimeSpan.FromSeconds(1));

        var next = await host.RaiseAsync(TestAlerts.Critical("al-next", principal: "bob"));

        Assert.Equal(1, bus.Sent);
        await host.UntilStateAsync(next.Id, ActionStates.Done);
    }

    /// <summary>
    /// The bus took the command at once, but recording it waited longer than the bus is given (another writer held the
    /// store): the bus is not taken as down, and the next decision's command goes at once. Before, the store's wait was
    /// timed as the bus's, and every decision for <c>RedispatchAfter</c> after it was left queued.
    /// </summary>
    [Fact]
    public async Task Decision_StoreSlowToRecordTheSend_TheBusIsNotTakenAsDown_AndTheNextCommandGoesAtOnce()
    {
        var bus = new BusSwitch();
        await using var host = await bus.Into(new ResponderTestHost(ResponseFlowTests.RevokeCritical)).StartAsync();
        Task? released = null;
        bus.AfterSend = async () =>
        {
            bus.AfterSend = null;
            var connection = await host.Get<IStore>().OpenAsync(Ct);
            await connection.ExecuteAsync(new CommandDefinition("BEGIN IMMEDIATE", cancellationToken: Ct));
            released = Task.Run(async () =>
            {
                await Task.Delay(ActionService.SendNowTimeout + TimeSpan.FromSeconds(1), Ct);
                await connection.ExecuteAsync(new CommandDefinition("COMMIT", cancellationToken: Ct));
                await connection.DisposeAsync();
            });
        };

        var first = await host.RaiseAsync(TestAlerts.Critical("al-slow-store", principal: "alice"));
        await released!;
        var second = await host.RaiseAsync(TestAlerts.Critical("al-next", principal: "bob"));

        Assert.Equal(2, bus.Sent);
        await host.UntilStateAsync(first.Id, ActionStates.Done);
        await host.UntilStateAsync(second.Id, ActionStates.Done);
    }

    [Fact]
    public async Task Timekeeper_StoredTtlFarPastThirtyDays_IsolatesWithTheTtlCapped()
    {
        var isolator = new RecordingIsolator();
        await using var host = await new ResponderTestHost().With<IWorkloadIsolator>(isolator).StartAsync();
        var huge = await host.StoreAsync(TestActions.Manual(host, ActionKinds.IsolateWorkload, ActionStates.Queued, minutesAgo: 5) with
        {
            WorkloadId = "pod-9",
            Namespace = "shop",
            WorkloadName = "cart-9",
            TtlSeconds = 999_999_999_999,
        });

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

    /// <summary>
    /// A command sent again while its first delivery's driver call is still at work (the timekeeper's re-send of an
    /// action dispatched too long ago, on a loaded machine) is taken by a second consumer at once; that one completes
    /// the action, then the first call is refused. The record stays done, as the completing delivery left it, and the
    /// refused call is still on the trail: the driver was called and answered 503, whatever happened after.
    /// </summary>
    [Fact]
    public async Task CommandTakenTwiceAtOnce_TheFirstCallFailsAfterTheSecondCompleted_TheRefusedCallIsStillAudited()
    {
        var revoker = new FirstCallRefusedLast();
        await using var host = await new ResponderTestHost().With<ITokenRevoker>(revoker).StartAsync();
        var command = new RevokeToken { ActionId = Guid.NewGuid(), Jti = "jti-taken-twice", Reason = "test", RequestedBy = "cli" };
        var bus = host.Get<IBus>();

        await bus.Publish(command, Ct);
        await revoker.FirstCallStarted.WaitAsync(Ct);
        await bus.Publish(command, Ct);
        await host.UntilStateAsync(command.ActionId, ActionStates.Done);
        revoker.RefuseTheFirstCall();

        var audit = host.Get<AuditLog>();
        var refused = new List<AuditEntry>();
        await Eventually.HoldsAsync(
            async () => (refused = [.. await audit.QueryAsync(new AuditQuery(ActionId: command.ActionId.ToString(), Kind: AuditKinds.AttemptFailed), Ct)]).Count == 1,
            "the refused call is on the action's trail");
        Assert.Contains("already done", refused[0].Summary, StringComparison.Ordinal);
        Assert.Contains("the IdP answered 503", refused[0].Summary, StringComparison.Ordinal);

        var done = (await host.Get<ActionStore>().GetAsync(command.ActionId, Ct))!;
        Assert.Equal(ActionStates.Done, done.State);
        Assert.Null(done.Error);
        Assert.Equal(2, revoker.Calls);
        Assert.Single(await audit.QueryAsync(new AuditQuery(ActionId: command.ActionId.ToString(), Kind: AuditKinds.Completed), Ct));
        await host.AssertAuditIntactAsync();
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, string field)
    {
        var problem = await HttpProblem.ReadNamingAsync(response, HttpStatusCode.BadRequest, field);
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field);
    }

    /// <summary>
    /// The test harness's bus behind a switch: while <see cref="Down"/> a send fails as one to a broker that went away
    /// does (a transient fault); <see cref="AfterSend"/> runs once the real bus took a command.
    /// </summary>
    private sealed class BusSwitch
    {
        private int _sent;
        private int _refused;

        public volatile bool Down;

        public Func<Task>? AfterSend { get; set; }

        public int Sent => Volatile.Read(ref _sent);

        public int Refused => Volatile.Read(ref _refused);

        /// <summary>Puts the switch in front of the host's bus.</summary>
        public ResponderTestHost Into(ResponderTestHost host)
        {
            host.ConfigureServices = s =>
            {
                s.AddSingleton<MassTransitCommandBus>();
                s.AddSingleton<ICommandBus>(sp => new Switched(this, sp.GetRequiredService<MassTransitCommandBus>()));
            };
            return host;
        }

        private sealed class Switched(BusSwitch state, MassTransitCommandBus real) : ICommandBus
        {
            public async Task SendAsync<T>(T command, CancellationToken cancellationToken)
                where T : class
            {
                if (state.Down)
                {
                    Interlocked.Increment(ref state._refused);
                    throw new TransientException("the broker is unreachable");
                }

                await real.SendAsync(command, cancellationToken);
                Interlocked.Increment(ref state._sent);
                if (state.AfterSend is { } after)
                {
                    await after();
                }
            }

            public Task PublishAsync<T>(T message, CancellationToken cancellationToken)
                where T : class => real.PublishAsync(message, cancellationToken);
        }
    }

    /// <summary>
    /// A revoker whose first call waits until the test refuses it (the IdP's 503), while every later call succeeds at
    /// once: the first delivery of a command fails after a second delivery has already completed it.
    /// </summary>
    private sealed class FirstCallRefusedLast : ITokenRevoker
    {
        private readonly TaskCompletionSource _firstStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _refuse = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public string Name => "first-refused-last";

        public int Calls => Volatile.Read(ref _calls);

        public Task FirstCallStarted => _firstStarted.Task;

        public void RefuseTheFirstCall() => _refuse.TrySetResult();

        public async Task<DriverResult> RevokeTokenAsync(RevokeToken command, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) > 1)
            {
                return new DriverResult(true, $"revoked {command.Jti}");
            }

            _firstStarted.TrySetResult();
            await _refuse.Task.WaitAsync(cancellationToken);
            throw new HttpRequestException("the IdP answered 503");
        }

        public Task<DriverResult> RevokeSubjectSessionsAsync(RevokeSubjectSessions command, CancellationToken cancellationToken) =>
            throw new NotSupportedException("only tokens are revoked here");
    }
}
