namespace ZtStream.Responder.Tests.Actions;

/// <summary>
/// The RabbitMQ broker (a node of this test's own) stops while an action's command is being dispatched and starts
/// again: the action stays to be sent, the scheduler sends it once the broker is back, and it completes once. Alerts
/// arriving meanwhile are stored and decided at once; only their commands wait for the broker.
/// </summary>
public sealed class RabbitMqOutageTests
{
    [Fact]
    public async Task Dispatch_BrokerStoppedThenStarted_TheCommandIsSentAgainAndTheActionCompletesOnce()
    {
        await using var rabbitMq = new RabbitMqFixture();
        var vhost = await rabbitMq.CreateVirtualHostAsync(Ct);
        var revoker = new CountingRevoker();
        await using var host = await new ResponderTestHost() { UseRealBus = true }.With<ITokenRevoker>(revoker).OnRabbitMq(vhost).StartAsync();
        var store = host.Get<ActionStore>();
        var timekeeper = host.Get<ActionTimekeeper>();

        await rabbitMq.StopBrokerAsync();
        var action = TestActions.Manual(host, ActionKinds.RevokeToken, ActionStates.Queued, minutesAgo: 5) with { Jti = "jti-during-outage" };
        await store.TryInsertAsync(action, Ct);

        // A pass while the broker is down cannot send; it gives the send its step timeout and goes on without
        // losing the action or stopping.
        Assert.Equal(0, await timekeeper.RunOnceAsync(Ct));

        Assert.Equal(0, revoker.Calls);
        Assert.Contains((await store.GetAsync(action.Id, Ct))!.State, ActionStates.Executable);

        await rabbitMq.StartBrokerAsync();
        host.Time.Advance(TimeSpan.FromMinutes(5));
        await Eventually.HoldsAsync(
            async () =>
            {
                var state = (await store.GetAsync(action.Id, Ct))!.State;
                if (state == ActionStates.Queued)
                {
                    // Not sent yet: a pass sends it (the bus may still be reconnecting; then the next pass does).
                    await timekeeper.RunOnceAsync(Ct);
                }

                return state == ActionStates.Done;
            },
            "the action completed once the broker was back",
            TimeSpan.FromSeconds(120));

        // The command may have been delivered more than once (a send that waited out the outage, then the re-send):
        // the driver is idempotent and the revocation is listed once.
        Assert.InRange(revoker.Calls, 1, 2);
        var snapshot = await host.Get<RevocationStore>().SnapshotAsync(Ct);
        Assert.Single(snapshot.Revocations, r => r.Jti == "jti-during-outage");
    }

    [Fact]
    public async Task AlertsWhileBrokerDown_StoredAndDecidedAtOnce_EachCommandRunsOnceWhenItIsBack()
    {
        await using var rabbitMq = new RabbitMqFixture();
        var vhost = await rabbitMq.CreateVirtualHostAsync(Ct);
        var revoker = new CountingRevoker();
        var health = new ConsumerHealth(TimeProvider.System);
        using var log = ResponderTestHost.RetryingLog(health);
        await using var host = await new ResponderTestHost(ResponseFlowTests.RevokeCritical) { UseRealBus = true, UseWallClock = true, Log = log }
            .WithSetting("Responder:SchedulerInterval", "00:00:01")
            .WithSetting("Responder:RedispatchAfter", "00:00:02")
            .With<ITokenRevoker>(revoker)
            .OnRabbitMq(vhost)
            .StartAsync();
        var alerts = host.Get<AlertStore>();
        var actions = host.Get<ActionStore>();

        await rabbitMq.StopBrokerAsync();
        var during = Enumerable.Range(0, 3).Select(i => TestAlerts.Critical($"bus-down-{i}", principal: $"user-{i}", jti: $"jti-bus-down-{i}")).ToList();
        await host.PublishAlertsAsync(during);

        // Every alert reaches the console and its decision the store while the broker is down: the bus holds up no alert.
        await Eventually.HoldsAsync(
            async () => (await alerts.QueryAsync(new AlertQuery(Limit: 100), Ct)).Count == 3
                && (await actions.QueryAsync(new ActionQuery(Kind: ActionKinds.RevokeToken), Ct)).Count == 3,
            "every alert stored and its revocation decided while the broker is down",
            TimeSpan.FromSeconds(30));
        Assert.Equal(0, revoker.Calls);

        await rabbitMq.StartBrokerAsync();
        await Eventually.HoldsAsync(
            async () => (await actions.QueryAsync(new ActionQuery(Kind: ActionKinds.RevokeToken), Ct)).All(a => a.State == ActionStates.Done),
            "every revocation done once the broker is back",
            TimeSpan.FromSeconds(120));
        var snapshot = await host.Get<RevocationStore>().SnapshotAsync(Ct);
        Assert.All(during, a => Assert.Single(snapshot.Revocations, r => r.Jti == a.Token!.Jti));
        Assert.Single(await actions.QueryAsync(new ActionQuery(AlertId: during[0].Id), Ct));
    }
}
