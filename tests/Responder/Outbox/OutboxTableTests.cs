using ZtStream.Responder.Outbox;

namespace ZtStream.Responder.Tests.Outbox;

/// <summary>
/// The lifecycle every outbox shares, once for each outbox that uses it (notifications, SETs), on both dialects, each
/// test on a fresh database. Each kind's own queries are tested with that kind.
/// </summary>
public abstract class OutboxTableContractTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 12, 0, 0, 123, TimeSpan.Zero);

    private protected abstract Task<StoreOptions> CreateDatabaseAsync();

    public static TheoryData<string> Kinds => ["notification", "set"];

    /// <summary>A fresh database with one pending item of <paramref name="kind"/> queued at <see cref="Start"/>.</summary>
    private async Task<(OutboxTable Table, Func<Task<OutboxRow>> Read)> QueueOneAsync(string kind)
    {
        var store = await MigratedStores.CreateAsync(await CreateDatabaseAsync(), new NotificationMigrations(), new SsfMigrations());
        if (kind == "set")
        {
            var outbox = new SsfOutbox(store);
            var action = Guid.NewGuid();
            Assert.True(await outbox.EnqueueAsync(action, "crm", "jti-1", "a.b.c", Start, Ct));
            return (outbox.Table, async () => (await outbox.ForActionAsync(action, Ct))[0]);
        }

        var notifications = new NotificationOutbox(store);
        await using (var connection = await store.OpenAsync(Ct))
        await using (var tx = await connection.BeginTransactionAsync(Ct))
        {
            Assert.True(await NotificationOutbox.EnqueueAsync(connection, tx, new NotificationItem
            {
                Id = 0, DedupKey = "al-1|1|trigger|hook", AlertId = "al-1", Route = "default", Target = "hook", Event = "trigger",
                Content = "{}", State = OutboxStates.Pending, Attempts = 0, NextAttemptAt = Start, CreatedAt = Start,
            }, Ct));
            await tx.CommitAsync(Ct);
        }

        return (notifications.Table, async () => (await notifications.ForAlertAsync("al-1", Ct))[0]);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ClaimRetryFinish_FollowTheLifecycle(string kind)
    {
        var (table, read) = await QueueOneAsync(kind);
        var item = await read();
        Assert.Equal((OutboxStates.Pending, 0L, Start), (item.State, item.Attempts, item.NextAttemptAt));
        Assert.Equal(1, await table.PendingCountAsync(Ct));

        Assert.True(await table.ClaimAsync(item, Start.AddSeconds(20), Ct));
        Assert.False(await table.ClaimAsync(item, Start.AddSeconds(20), Ct));
        Assert.Equal(Start.AddSeconds(20), (await read()).NextAttemptAt);

        Assert.True(await table.RetryAsync(item.Id, "connection refused", Start.AddSeconds(5), Ct));
        var retried = await read();
        Assert.Equal((OutboxStates.Pending, 1L, Start.AddSeconds(5), "connection refused"), (retried.State, retried.Attempts, retried.NextAttemptAt, retried.LastError));

        Assert.True(await table.FinishAsync(item.Id, OutboxStates.Delivered, "ignored for a delivery", Start.AddSeconds(6), Ct));
        var delivered = await read();
        Assert.Equal((OutboxStates.Delivered, 2L, (DateTimeOffset?)Start.AddSeconds(6), (string?)null), (delivered.State, delivered.Attempts, delivered.FinishedAt, delivered.LastError));
        Assert.Equal(0, await table.PendingCountAsync(Ct));
    }

    /// <summary>What the delivery loop finds after a wall-clock step back, and how it makes an item due again.</summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task DueBeyond_ListsPendingItemsDueLaterOnly_AndMoveDueChangesOnlyTheDueTimeSeen(string kind)
    {
        var (table, read) = await QueueOneAsync(kind);
        var item = await read();
        Assert.Empty(await table.DueBeyondAsync(Start, 10, Ct));
        Assert.True(await table.ClaimAsync(item, Start.AddHours(1), Ct));

        Assert.Equal([(item.Id, Start.AddHours(1))], await table.DueBeyondAsync(Start.AddMinutes(59), 10, Ct));
        Assert.Empty(await table.DueBeyondAsync(Start.AddHours(1), 10, Ct));
        Assert.False(await table.MoveDueAsync(item.Id, Start, Start.AddSeconds(1), Ct));
        Assert.True(await table.MoveDueAsync(item.Id, Start.AddHours(1), Start.AddSeconds(1), Ct));
        Assert.Equal(Start.AddSeconds(1), (await read()).NextAttemptAt);

        Assert.True(await table.RetryAsync(item.Id, "connection refused", Start.AddHours(2), Ct));
        Assert.True(await table.FinishAsync(item.Id, OutboxStates.Failed, "gave up", Start.AddSeconds(2), Ct));
        Assert.Empty(await table.DueBeyondAsync(Start, 10, Ct));
        Assert.False(await table.MoveDueAsync(item.Id, Start.AddHours(2), Start.AddSeconds(3), Ct));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task EndedItem_IsNeverChangedAgain(string kind)
    {
        var (table, read) = await QueueOneAsync(kind);
        var item = await read();

        Assert.True(await table.FinishAsync(item.Id, OutboxStates.Failed, "rejected with 400", Start.AddSeconds(1), Ct));
        Assert.False(await table.FinishAsync(item.Id, OutboxStates.Delivered, null, Start.AddSeconds(2), Ct));
        Assert.False(await table.RetryAsync(item.Id, "late", Start.AddSeconds(3), Ct));
        Assert.False(await table.ClaimAsync(item, Start.AddSeconds(4), Ct));

        var failed = await read();
        Assert.Equal((OutboxStates.Failed, 1L, (DateTimeOffset?)Start.AddSeconds(1), "rejected with 400"), (failed.State, failed.Attempts, failed.FinishedAt, failed.LastError));
    }
}

public sealed class SqliteOutboxTableContractTests(SqliteFiles files) : OutboxTableContractTests, IClassFixture<SqliteFiles>
{
    private protected override Task<StoreOptions> CreateDatabaseAsync() => Task.FromResult(files.NewStore());
}

public sealed class PostgresOutboxTableContractTests(PostgresFixture postgres) : OutboxTableContractTests, IClassFixture<PostgresFixture>
{
    private protected override Task<StoreOptions> CreateDatabaseAsync() => postgres.CreateStoreAsync(Ct);
}
