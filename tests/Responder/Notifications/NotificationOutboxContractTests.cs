using Dapper;
using ZtStream.Contracts.Alerts;
using ZtStream.Platform.Store;
using ZtStream.Responder.Audit;
using ZtStream.Responder.Notifications;
using ZtStream.TestSupport.Services;

namespace ZtStream.Responder.Tests.Notifications;

/// <summary>
/// Every send audited, on both stores: a notification's final state and the audit entry that records it commit in one
/// transaction, so neither is ever seen without the other, and a store that refuses the audit entry (a trigger raising
/// an error, as a full disk or a lost connection would) leaves the item pending, to be sent again, with the chain intact.
/// </summary>
public abstract class NotificationOutboxContractTests : IDisposable
{
    private readonly TempFolder folder = new();

    private protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The store settings of the dialect under test (a fresh database).</summary>
    protected abstract Task<Dictionary<string, string?>> StoreSettingsAsync();

    /// <summary>Makes the store refuse every <c>notification.sent</c> audit entry.</summary>
    protected abstract string[] RefuseSentEntries { get; }

    protected abstract string[] AcceptSentEntries { get; }

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
        Assert.True((await host.Get<AuditLog>().VerifyAsync(null, Ct)).Intact);
    }

    [Fact]
    public async Task AuditInsertFails_ItemStaysPendingAndIsSentAgain_ThenDeliveredWithOneEntry()
    {
        await using var receiver = await NotificationReceiver.StartAsync();
        await using var host = await StartAsync(receiver.Url, refusingUrl: null);
        await ExecuteAsync(host, RefuseSentEntries);
        var alert = TestAlerts.Critical("al-audit-fault") with { Severity = Severities.High, Score = 80 };

        await host.PublishAlertAsync(alert);
        // A second POST means the first send was not marked: its lease ran out and the item was due again.
        await Eventually.HoldsAsync(() => Task.FromResult(receiver.Received.Count >= 2), "the send is retried while its audit entry is refused", timeoutMs: 30_000);

        var item = Assert.Single(await host.Get<NotificationOutbox>().ForAlertAsync(alert.Id, Ct));
        Assert.Equal(NotificationOutbox.Pending, item.State);
        Assert.Equal(0, item.Attempts);
        Assert.Null(item.FinishedAt);
        Assert.Empty(await host.Get<AuditLog>().QueryAsync(new AuditQuery(AlertId: alert.Id, Kind: AuditKinds.NotificationSent), Ct));
        Assert.True((await host.Get<AuditLog>().VerifyAsync(null, Ct)).Intact);

        await ExecuteAsync(host, AcceptSentEntries);
        await Eventually.HoldsAsync(
            async () => (await host.Get<NotificationOutbox>().ForAlertAsync(alert.Id, Ct))[0].State == NotificationOutbox.Delivered,
            "delivered once the store takes the audit entry", timeoutMs: 30_000);

        Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(AlertId: alert.Id, Kind: AuditKinds.NotificationSent), Ct));
        Assert.All(receiver.Received, r => Assert.Contains(alert.Id, r.Text, StringComparison.Ordinal));
        Assert.True((await host.Get<AuditLog>().VerifyAsync(null, Ct)).Intact);
    }

    private async Task<ResponderTestHost> StartAsync(Uri url, Uri? refusingUrl)
    {
        var host = new ResponderTestHost(folder.Path) { UseWallClock = true };
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
        await using var connection = await host.Get<IStore>().OpenAsync(Ct);
        foreach (var sql in statements)
        {
            await connection.ExecuteAsync(new CommandDefinition(sql, cancellationToken: Ct));
        }
    }
}

public sealed class SqliteNotificationOutboxTests : NotificationOutboxContractTests
{
    protected override string[] RefuseSentEntries =>
    [
        """
        CREATE TRIGGER refuse_sent_entries BEFORE INSERT ON responder_audit WHEN NEW.kind = 'notification.sent'
        BEGIN SELECT RAISE(ABORT, 'audit write refused'); END
        """,
    ];

    protected override string[] AcceptSentEntries => ["DROP TRIGGER refuse_sent_entries"];

    // The host's default: a SQLite file in the test's folder.
    protected override Task<Dictionary<string, string?>> StoreSettingsAsync() => Task.FromResult(new Dictionary<string, string?>());
}

public sealed class PostgresNotificationOutboxTests(PostgresFixture postgres) : NotificationOutboxContractTests
{
    protected override string[] RefuseSentEntries =>
    [
        """
        CREATE FUNCTION refuse_sent_entries() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit write refused'; END $$
        """,
        """
        CREATE TRIGGER refuse_sent_entries BEFORE INSERT ON responder_audit
        FOR EACH ROW WHEN (NEW.kind = 'notification.sent') EXECUTE FUNCTION refuse_sent_entries()
        """,
    ];

    protected override string[] AcceptSentEntries => ["DROP TRIGGER refuse_sent_entries ON responder_audit"];

    protected override async Task<Dictionary<string, string?>> StoreSettingsAsync() => new()
    {
        ["Store:Kind"] = "postgres",
        ["Store:ConnectionString"] = await postgres.CreateDatabaseAsync(Ct),
    };
}
