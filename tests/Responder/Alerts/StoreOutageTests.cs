namespace ZtStream.Responder.Tests.Alerts;

/// <summary>
/// The Responder's store goes away for 2 s while alerts are being consumed: its PostgreSQL server (one of this test's
/// own) is stopped and started again. The consumer pauses (degraded) instead of dead-lettering, and every alert is stored.
/// </summary>
public sealed class StoreOutageTests
{
    [Fact]
    public async Task AlertConsumption_PostgresDownForTwoSeconds_PausesThenStoresEveryAlertAndDeadLettersNone()
    {
        await using var postgres = new PostgresFixture();
        var database = await postgres.CreateDatabaseAsync(Ct);
        var health = new ConsumerHealth(TimeProvider.System);
        using var log = ResponderTestHost.RetryingLog(health);
        await using var host = await new ResponderTestHost() { Log = log }.OnPostgres(database).StartAsync();
        var alerts = host.Get<AlertStore>();

        await host.PublishAlertsAsync(Alerts(0, 5));
        await Eventually.HoldsAsync(async () => (await alerts.QueryAsync(new AlertQuery(Limit: 100), Ct)).Count == 5, "the first alerts are stored");

        await postgres.StopServerAsync();
        await host.PublishAlertsAsync(Alerts(5, 10));
        await Eventually.HoldsAsync(() => Task.FromResult(health.Paused.Count > 0), "the consumer to pause on the outage");
        var pause = Assert.Single(health.Paused);
        Assert.Equal(Topics.Alerts, pause.Topic);
        await Task.Delay(TimeSpan.FromSeconds(2), Ct); // the outage itself
        await postgres.StartServerAsync();

        await Eventually.HoldsAsync(async () => (await alerts.QueryAsync(new AlertQuery(Limit: 100), Ct)).Count == 15, "every alert is stored once the store is back", TimeSpan.FromSeconds(60));
        Assert.Empty(health.Paused);
        var deadLetters = await log.PartitionsAsync(DeadLetterHeaders.TopicFor(Topics.Alerts), Ct);
        Assert.All(deadLetters, p => Assert.Equal(p.Start, p.End));
    }

    private static IEnumerable<Alert> Alerts(int first, int count) =>
        Enumerable.Range(first, count).Select(i => TestAlerts.Critical($"outage-{i}", principal: $"user-{i}"));
}
