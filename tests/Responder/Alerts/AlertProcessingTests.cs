namespace ZtStream.Responder.Tests.Alerts;

/// <summary>An alert record as the Responder's consumer takes it: stored with its history, acted on once, refused when it is not an alert.</summary>
public sealed class AlertProcessingTests
{
    [Fact]
    public async Task Handle_RedeliveredAlert_StoresOnceAndActsOnce()
    {
        await using var host = await Started();
        var consumer = host.Get<AlertConsumerService>();
        var alert = TestAlerts.Critical("al-redelivered");

        await consumer.HandleAsync(Record(ContractJson.Serialize(alert)), Ct);
        await consumer.HandleAsync(Record(ContractJson.Serialize(alert)), Ct);

        Assert.NotNull(await host.Get<AlertStore>().GetAsync(alert.Id, Ct));
        Assert.Single(await host.Get<AlertStore>().HistoryAsync(alert.Id, Ct));
        Assert.Single(await host.Get<ActionStore>().QueryAsync(new ActionQuery(AlertId: alert.Id, Limit: 10), Ct));
    }

    [Fact]
    public async Task Handle_WorseningUpdate_IsStoredAsHistoryWithoutASecondAction()
    {
        await using var host = await Started();
        var consumer = host.Get<AlertConsumerService>();

        await consumer.HandleAsync(Record(ContractJson.Serialize(TestAlerts.Critical("al-updated"))), Ct);
        await consumer.HandleAsync(Record(ContractJson.Serialize(TestAlerts.Critical("al-updated", count: 2))), Ct);

        Assert.Equal(2, (await host.Get<AlertStore>().GetAsync("al-updated", Ct))!.Alert.Count);
        Assert.Equal(2, (await host.Get<AlertStore>().HistoryAsync("al-updated", Ct)).Count);
        Assert.Single(await host.Get<ActionStore>().QueryAsync(new ActionQuery(AlertId: "al-updated", Limit: 10), Ct));
    }

    /// <summary>
    /// The alert and the entry that records its arrival commit together: before, the alert was stored first, so a failure
    /// (or a kill) before the entry left it stored with no <c>alert.received</c>, and its redelivery was a duplicate.
    /// </summary>
    [Fact]
    public async Task Handle_ArrivalEntryRefused_AlertNotStored_AndItsRedeliveryStoresItWithItsEntryOnce()
    {
        await using var host = await Started();
        var consumer = host.Get<AlertConsumerService>();
        var alert = TestAlerts.Critical("al-audited");
        await host.RefuseAuditEntriesAsync(AuditKinds.AlertReceived);

        await Assert.ThrowsAnyAsync<DbException>(() => consumer.HandleAsync(Record(ContractJson.Serialize(alert)), Ct));

        Assert.Null(await host.Get<AlertStore>().GetAsync(alert.Id, Ct));

        await host.AcceptAuditEntriesAsync();
        await consumer.HandleAsync(Record(ContractJson.Serialize(alert)), Ct);
        await consumer.HandleAsync(Record(ContractJson.Serialize(alert)), Ct);

        Assert.NotNull(await host.Get<AlertStore>().GetAsync(alert.Id, Ct));
        Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(AlertId: alert.Id, Kind: AuditKinds.AlertReceived), Ct));
        Assert.Single(await host.Get<AlertStore>().HistoryAsync(alert.Id, Ct));
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"id\": 42}")]
    [InlineData("[]")]
    public async Task Handle_NotAnAlert_IsPoisonSoTheLogDeadLettersIt(string value)
    {
        await using var host = await Started();

        var error = await Assert.ThrowsAsync<PoisonRecordException>(() => host.Get<AlertConsumerService>().HandleAsync(Record(System.Text.Encoding.UTF8.GetBytes(value)), Ct));

        Assert.StartsWith("not an alert", error.Message, StringComparison.Ordinal);
        Assert.Empty(await host.Get<AlertStore>().QueryAsync(new AlertQuery(Limit: 10), Ct));
    }

    private static async Task<ResponderTestHost> Started()
    {
        // The consumer is driven by hand here, not by the log.
        return await new ResponderTestHost(Actions.ResponseFlowTests.RevokeCritical).WithSetting("Responder:ConsumeAlerts", "false").StartAsync();
    }

    private static ConsumedRecord Record(byte[] value) =>
        new(Contracts.Topics.Alerts, 0, 0, "alice", value, new Dictionary<string, string>(), DateTimeOffset.UnixEpoch);
}
