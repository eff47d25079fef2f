namespace ZtStream.Ingest.Tests.SharedSignals;

/// <summary>The receiver's SQL (jti replay window, received-SET audit) on both dialects, each test on a fresh database.</summary>
public abstract class SsfReceivedStoreContractTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 12, 0, 0, 123, TimeSpan.Zero);

    private protected abstract Task<StoreOptions> CreateDatabaseAsync();

    private async Task<(IStore Store, SsfReceivedStore Received)> StoreAsync()
    {
        var store = StoreServiceCollectionExtensions.CreateStore(await CreateDatabaseAsync());
        await new StoreMigrator(store, [new SsfReceiverMigrations()]).MigrateAsync(Ct);
        return (store, new SsfReceivedStore(store));
    }

    [Fact]
    public async Task Jti_ClaimedOncePerIssuer_KeptUntilForgottenAfterTheWindow()
    {
        var ct = Ct;
        var (_, received) = await StoreAsync();
        var lease = TimeSpan.FromMinutes(2);

        Assert.Equal(JtiClaim.Claimed, await received.ClaimAsync("https://idp-a/", "j1", Start, lease, ct));
        Assert.Equal(JtiClaim.Pending, await received.ClaimAsync("https://idp-a/", "j1", Start.AddSeconds(1), lease, ct));
        await received.KeepAsync("https://idp-a/", "j1", ct);
        Assert.Equal(JtiClaim.Kept, await received.ClaimAsync("https://idp-a/", "j1", Start.AddSeconds(2), lease, ct));
        Assert.Equal(JtiClaim.Kept, await received.ClaimAsync("https://idp-a/", "j1", Start.AddHours(1), lease, ct));
        Assert.Equal(JtiClaim.Claimed, await received.ClaimAsync("https://idp-b/", "j1", Start.AddDays(2), lease, ct));
        await received.KeepAsync("https://idp-b/", "j1", ct);

        Assert.Equal(1, await received.ForgetBeforeAsync(Start.AddDays(1), ct));

        Assert.Equal(JtiClaim.Claimed, await received.ClaimAsync("https://idp-a/", "j1", Start.AddDays(3), lease, ct));
        Assert.Equal(JtiClaim.Kept, await received.ClaimAsync("https://idp-b/", "j1", Start.AddDays(3), lease, ct));
    }

    [Fact]
    public async Task Jti_AReleasedClaimOrOneWhoseDeliveryDied_IsClaimedAgain()
    {
        var ct = Ct;
        var (_, received) = await StoreAsync();
        var lease = TimeSpan.FromMinutes(2);

        Assert.Equal(JtiClaim.Claimed, await received.ClaimAsync("https://idp-a/", "released", Start, lease, ct));
        await received.ReleaseAsync("https://idp-a/", "released", ct);
        Assert.Equal(JtiClaim.Claimed, await received.ClaimAsync("https://idp-a/", "released", Start.AddSeconds(1), lease, ct));

        Assert.Equal(JtiClaim.Claimed, await received.ClaimAsync("https://idp-a/", "died", Start, lease, ct));
        Assert.Equal(JtiClaim.Pending, await received.ClaimAsync("https://idp-a/", "died", Start + lease - TimeSpan.FromSeconds(1), lease, ct));
        Assert.Equal(JtiClaim.Claimed, await received.ClaimAsync("https://idp-a/", "died", Start + lease, lease, ct));

        // A kept jti is never released by a later delivery that failed.
        await received.KeepAsync("https://idp-a/", "died", ct);
        await received.ReleaseAsync("https://idp-a/", "died", ct);
        Assert.Equal(JtiClaim.Kept, await received.ClaimAsync("https://idp-a/", "died", Start.AddDays(1), lease, ct));
    }

    /// <summary>Deliveries of one SET on separate connections at the same moment: the store lets exactly one claim it.</summary>
    [Fact]
    public async Task Jti_ClaimedFromManyConnectionsAtOnce_HasExactlyOneHolder()
    {
        var (_, received) = await StoreAsync();
        for (var round = 0; round < 5; round++)
        {
            var jti = "race-" + round;
            using var start = new ManualResetEventSlim();
            var claims = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                start.Wait(Ct);
                return await received.ClaimAsync("https://idp-a/", jti, Start, TimeSpan.FromMinutes(2), Ct);
            })).ToList();
            start.Set();

            var outcomes = await Task.WhenAll(claims);
            Assert.Equal(1, outcomes.Count(o => o == JtiClaim.Claimed));
            Assert.All(outcomes.Where(o => o != JtiClaim.Claimed), o => Assert.Equal(JtiClaim.Pending, o));
        }
    }

    [Fact]
    public async Task Audit_KeepsEveryReceivedSetNewestFirstAndIsAppendOnly()
    {
        var ct = Ct;
        var (store, received) = await StoreAsync();

        await received.RecordAsync(new ReceivedSet { ReceivedAt = Start, Delivery = "push", Source = "okta", Transmitter = "okta", Issuer = "https://okta/", Jti = "j1", EventTypes = "t1 t2", Subject = "jane", Outcome = SsfReceivedStore.Accepted, SetToken = "a.b.c" }, ct);
        await received.RecordAsync(new ReceivedSet { ReceivedAt = Start.AddSeconds(1), Delivery = "poll", Outcome = SsfReceivedStore.Rejected, Error = "invalid_request", Description = "not a SET", SetToken = new string('x', SsfReceivedStore.MaxStoredToken + 10) }, ct);

        var rows = await received.RecentAsync(10, ct);
        Assert.Equal([SsfReceivedStore.Rejected, SsfReceivedStore.Accepted], rows.Select(r => r.Outcome));
        Assert.Equal(SsfReceivedStore.MaxStoredToken, rows[0].SetToken.Length);
        Assert.Equal(("invalid_request", "not a SET", (string?)null), (rows[0].Error, rows[0].Description, rows[0].Transmitter));
        var accepted = rows[1];
        Assert.Equal((Start, "push", "okta", "https://okta/", "j1", "t1 t2", "jane"), (accepted.ReceivedAt, accepted.Delivery, accepted.Source, accepted.Issuer, accepted.Jti, accepted.EventTypes, accepted.Subject));

        await using var connection = await store.OpenAsync(ct);
        await using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM ingest_ssf_received";
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => delete.ExecuteNonQueryAsync(ct));
        Assert.Equal(2, (await received.RecentAsync(10, ct)).Count);
    }
}

public sealed class SqliteSsfReceivedStoreContractTests : SsfReceivedStoreContractTests, IDisposable
{
    private readonly SqliteFiles files = new("ztstream-ssf-received-");

    private protected override Task<StoreOptions> CreateDatabaseAsync() =>
        Task.FromResult(new StoreOptions { SqlitePath = files.NewPath() });

    public void Dispose() => files.Dispose();
}

public sealed class PostgresSsfReceivedStoreContractTests(PostgresFixture postgres) : SsfReceivedStoreContractTests, IClassFixture<PostgresFixture>
{
    private protected override async Task<StoreOptions> CreateDatabaseAsync() =>
        new() { Kind = StoreOptions.Postgres, ConnectionString = await postgres.CreateDatabaseAsync(Ct) };
}
