namespace ZtStream.Responder.Tests.Actions;

/// <summary>The same responses over a real RabbitMQ broker (a virtual host per test), with the bus the host uses.</summary>
public sealed class RabbitMqResponseTests(RabbitMqFixture rabbitMq)
{
    private async Task<ResponderTestHost> StartAsync(string policy, Action<IServiceCollection>? services = null)
    {
        var vhost = await rabbitMq.CreateVirtualHostAsync(Ct);
        return await new ResponderTestHost(policy) { UseRealBus = true, ConfigureServices = services }.OnRabbitMq(vhost).StartAsync();
    }

    [Fact]
    public async Task CriticalAlert_OverRabbitMq_OneRevocationOnTheFeed_EvenWhenDeliveredTwice()
    {
        var revoker = new CountingRevoker();
        await using var host = await StartAsync(ResponseFlowTests.RevokeCritical, s => s.AddSingleton<ITokenRevoker>(revoker));
        var ct = Ct;
        await using var stream = await SseReader.OpenAsync(host.ClientFor(ResponderTestHost.FeedToken), Contracts.Revocations.RevocationFeed.StreamPath, null, ct);

        var alert = TestAlerts.Critical("rmq-1", jti: "jti-rmq");
        await host.PublishAlertAsync(alert);
        await host.PublishAlertAsync(alert);

        var message = await stream.NextEventAsync(ct);
        Assert.Contains("\"jti\":\"jti-rmq\"", message.Data);
        var actions = host.Get<ActionStore>();
        await Eventually.HoldsAsync(() => Task.FromResult(host.EventLog.Handled == 2), "both deliveries handled");
        await Eventually.HoldsAsync(
            async () => (await actions.QueryAsync(new ActionQuery(AlertId: "rmq-1"), ct)).SingleOrDefault()?.State == ActionStates.Done,
            "revocation done");
        Assert.Single(await actions.QueryAsync(new ActionQuery(AlertId: "rmq-1"), ct));
        Assert.Equal(1, revoker.Calls);
        Assert.Single((await host.Get<RevocationStore>().SnapshotAsync(ct)).Revocations);
    }

    [Fact]
    public async Task FailingIsolation_OverRabbitMq_EndsFailedWithTheReason()
    {
        var isolator = new RecordingIsolator { FailuresLeft = int.MaxValue };
        await using var host = await StartAsync(ResponseFlowTests.IsolateCritical, s => s.AddSingleton<IWorkloadIsolator>(isolator));
        var ct = Ct;
        var id = (await host.RaiseAsync(TestAlerts.Critical("rmq-2", workload: new AlertWorkload("pod-r", "shop", "r")))).Id;

        await host.UntilStateAsync(id, ActionStates.Failed);
        Assert.Contains("the isolation API answered 500", (await host.Get<ActionStore>().GetAsync(id, ct))!.Error);
        Assert.Equal(3, isolator.Calls.Count);
    }
}
