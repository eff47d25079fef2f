namespace ZtStream.Responder.Tests.Notifications;

/// <summary>
/// Every send audited, on both stores: a notification's final state and the audit entry that records it commit in one
/// transaction, so neither is ever seen without the other, and a store that refuses the audit entry (a trigger raising
/// an error, as a full disk or a lost connection would) leaves the item pending, to be sent again, with the chain intact.
/// Queueing is the same: a refused "queued" entry leaves no item, and the alert that asked for it is dead-lettered
/// with the reason rather than dropped.
/// </summary>
public abstract class NotificationOutboxContractTests : IDisposable
{
    private readonly TempFolder folder = new();

    /// <summary>The store settings of the dialect under test (a fresh database).</summary>
    protected abstract Task<Dictionary<string, string?>> StoreSettingsAsync();

    /// <summary>Makes the store refuse every audit entry of <paramref name="kind"/> (a trigger raising an error).</summary>
    protected abstract string[] RefuseEntries(string kind);

    protected abstract string[] AcceptEntries { get; }

    public void Dispose()
    {
        folder.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Delivered_StateAndAuditEntryAppearTogether_ChainIntact()
    {
        await using var receiver = await NotificationReceiver.StartAsync();
        await using var refusing = await NotificationReceiver.StartAsync(400, "bad payload");
        await using var host = await StartAsync(receiver.Url, refusing.Url);
        var alert = TestAlerts.Critical("al-together") with { Severity = Severities.High, Score = 80 };

        await host.PublishAlertAsync(alert);
        await Eventually.HoldsAsync(
            async () => await host.Get<NotificationOutbox>().ForAlertAsync(alert.Id, Ct) is { Count: 2 } queued && queued.All(i => i.State != NotificationOutbox.Pending),
            "both notifications are finished");

        // No waiting for the audit entries: they committed with the states.
        var items = await host.Get<NotificationOutbox>().ForAlertAsync(alert.Id, Ct);
        var audit = await host.Get<AuditLog>().QueryAsync(new AuditQuery(AlertId: alert.Id, Limit: 100), Ct);
        Assert.Equal(NotificationOutbox.Delivered, Assert.Single(items, i => i.Target == "hook").State);
        Assert.Equal(NotificationOutbox.Failed, Assert.Single(items, i => i.Target == "refusing").State);
        Assert.Contains("delivered to hook", Assert.Single(audit, e => e.Kind == AuditKinds.NotificationSent).Summary, StringComparison.Ordinal);
        Assert.Contains("to refusing failed", Assert.Single(audit, e => e.Kind == AuditKinds.NotificationFailed).Summary, StringComparison.Ordinal);
        await host.AssertAuditIntactAsync();
    }

    [Fact]
    public async Task AuditInsertFails_ItemStaysPendingAndIsSentAgain_ThenDeliveredWithOneEntry()
    {
        await using var receiver = await NotificationReceiver.StartAsync();
        await using var host = await StartAsync(receiver.Url, refusingUrl: null);
        await ExecuteAsync(host, RefuseEntries(AuditKinds.NotificationSent));
        var alert = TestAlerts.Critical("al-audit-fault") with { Severity = Severities.High, Score = 80 };

        await host.PublishAlertAsync(alert);
        // A second POST means the first send was not marked: its lease ran out and the item was due again.
        await Eventually.HoldsAsync(() => Task.FromResult(receiver.Received.Count >= 2), "the send is retried while its audit entry is refused", TimeSpan.FromSeconds(30));

        var item = Assert.Single(await host.Get<NotificationOutbox>().ForAlertAsync(alert.Id, Ct));
        Assert.Equal(NotificationOutbox.Pending, item.State);
        Assert.Equal(0, item.Attempts);
        Assert.Null(item.FinishedAt);
        Assert.Empty(await host.Get<AuditLog>().QueryAsync(new AuditQuery(AlertId: alert.Id, Kind: AuditKinds.NotificationSent), Ct));
        await host.AssertAuditIntactAsync();

        await ExecuteAsync(host, AcceptEntries);
        await Eventually.HoldsAsync(
            async () => (await host.Get<NotificationOutbox>().ForAlertAsync(alert.Id, Ct))[0].State == NotificationOutbox.Delivered,
            "delivered once the store takes the audit entry", TimeSpan.FromSeconds(30));

        Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(AlertId: alert.Id, Kind: AuditKinds.NotificationSent), Ct));
        Assert.All(receiver.Received, r => Assert.Contains(alert.Id, r.Text, StringComparison.Ordinal));
        await host.AssertAuditIntactAsync();
    }

    [Fact]
    public async Task QueuedAuditRefused_NoItemLeftBehind_AlertDeadLetteredWithReason_ThenQueuedOnceWithOneEntry()
    {
        // The real log, whose retries and dead letters are what the Responder's alert consumer relies on.
        using var log = new InProcessEventLog(
            new EventLogOptions { RetryBackoff = TimeSpan.FromMilliseconds(50), MaxRetryBackoff = TimeSpan.FromMilliseconds(500) },
            TimeProvider.System,
            NullLogger<InProcessEventLog>.Instance);
        await using var receiver = await NotificationReceiver.StartAsync();
        await using var host = await StartAsync(receiver.Url, refusingUrl: null, log);
        await ExecuteAsync(host, RefuseEntries(AuditKinds.NotificationQueued));
        var alert = TestAlerts.Critical("al-queued-fault") with { Severity = Severities.High, Score = 80 };
        var deadLetters = DeadLetterHeaders.TopicFor(Topics.Alerts);

        await host.PublishAlertAsync(alert);
        await Eventually.HoldsAsync(
            async () => (await log.PartitionsAsync(deadLetters, Ct)).Sum(p => p.End - p.Start) == 1,
            "the alert is retried, then dead-lettered with the reason", TimeSpan.FromSeconds(30));

        var dead = Assert.Single(await ReadAllAsync(log, deadLetters));
        Assert.Contains("audit write refused", dead.Headers[DeadLetterHeaders.Reason], StringComparison.Ordinal);
        Assert.Empty(await host.Get<NotificationOutbox>().ForAlertAsync(alert.Id, Ct));
        Assert.Empty(await host.Get<AuditLog>().QueryAsync(new AuditQuery(AlertId: alert.Id, Kind: AuditKinds.NotificationQueued), Ct));
        Assert.Empty(receiver.Received);
        await host.AssertAuditIntactAsync();

        // Replayed from the dead letters once the store takes entries again, and delivered a second time by the log.
        await ExecuteAsync(host, AcceptEntries);
        await host.PublishAlertsAsync([alert, alert]);
        await Eventually.HoldsAsync(
            async () => await host.Get<NotificationOutbox>().ForAlertAsync(alert.Id, Ct) is [{ State: NotificationOutbox.Delivered }]
                && (await log.PartitionsAsync(Topics.Alerts, Ct)).Sum(p => p.End - p.Start) == 3
                && (await host.Get<AuditLog>().QueryAsync(new AuditQuery(AlertId: alert.Id, Limit: 100), Ct)).Count(e => e.Kind == AuditKinds.AlertReceived) == 1,
            "the replayed alert is queued and delivered", TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(
            async () => (await log.PartitionsAsync(deadLetters, Ct)).Sum(p => p.End - p.Start) == 1 && receiver.Received.Count == 1,
            "nothing more is dead-lettered or sent");

        Assert.Single(await host.Get<NotificationOutbox>().ForAlertAsync(alert.Id, Ct));
        Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(AlertId: alert.Id, Kind: AuditKinds.NotificationQueued), Ct));
        Assert.Single(receiver.Received);
        await host.AssertAuditIntactAsync();
    }

    private static async Task<List<ConsumedRecord>> ReadAllAsync(InProcessEventLog log, string topic)
    {
        var records = new List<ConsumedRecord>();
        foreach (var p in await log.PartitionsAsync(topic, Ct))
        {
            records.AddRange(await log.ReadAsync(topic, p.Partition, p.Start, (int)(p.End - p.Start), Ct));
        }

        return records;
    }

    private async Task<ResponderTestHost> StartAsync(Uri url, Uri? refusingUrl, IEventLog? log = null)
    {
        var host = new ResponderTestHost(folder: folder.Path) { UseWallClock = true, Log = log };
        foreach (var (key, value) in NotificationDeliveryTests.Webhook(url))
        {
            host.Settings[key] = value;
        }

        if (refusingUrl is not null)
        {
            host.Settings["Responder:Notifications:Targets:refusing:Kind"] = "webhook";
            host.Settings["Responder:Notifications:Targets:refusing:Url"] = refusingUrl.ToString();
            host.Settings["Responder:Notifications:Targets:refusing:Secret"] = "whsec-another-0123456789abcdef";
            host.Settings["Responder:Notifications:Routes:0:Targets:1"] = "refusing";
        }

        host.Settings["Responder:Notifications:PollInterval"] = "00:00:00.100";
        // The lease of a claimed item is twice this: short, so a send left unmarked is due again soon.
        host.Settings["Responder:Notifications:SendTimeout"] = "00:00:01";
        foreach (var (key, value) in await StoreSettingsAsync())
        {
            host.Settings[key] = value;
        }

        return await host.StartAsync();
    }

    private static async Task ExecuteAsync(ResponderTestHost host, string[] statements)
    {
        foreach (var sql in statements)
        {
            await host.ExecuteSqlAsync(sql);
        }
    }
}

public sealed class SqliteNotificationOutboxTests : NotificationOutboxContractTests
{
    protected override string[] RefuseEntries(string kind) => [ResponderTestHost.RefuseAuditEntriesSql(kind)];

    protected override string[] AcceptEntries => ["DROP TRIGGER refuse_entries"];

    // The host's default: a SQLite file in the test's folder.
    protected override Task<Dictionary<string, string?>> StoreSettingsAsync() => Task.FromResult(new Dictionary<string, string?>());
}

public sealed class PostgresNotificationOutboxTests(PostgresFixture postgres) : NotificationOutboxContractTests
{
    protected override string[] RefuseEntries(string kind) =>
    [
        """
        CREATE FUNCTION refuse_entries() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit write refused'; END $$
        """,
        $"""
        CREATE TRIGGER refuse_entries BEFORE INSERT ON responder_audit
        FOR EACH ROW WHEN (NEW.kind = '{kind}') EXECUTE FUNCTION refuse_entries()
        """,
    ];

    protected override string[] AcceptEntries => ["DROP TRIGGER refuse_entries ON responder_audit"];

    protected override Task<Dictionary<string, string?>> StoreSettingsAsync() => postgres.CreateStoreSettingsAsync(Ct);
}
