namespace ZtStream.Ingest.Tests.SharedSignals;

/// <summary>The receiver's SQL (jti replay window, received-SET audit) on both dialects, each test on a fresh database.</summary>
public abstract class SsfReceivedStoreContractTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 12, 0, 0, 123, TimeSpan.Zero);

    // The receiver's claim lease (SsfReceiver.ClaimLease).
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    private protected abstract Task<StoreOptions> CreateDatabaseAsync();

    private async Task<(IStore Store, SsfReceivedStore Received)> StoreAsync()
    {
        var store = await MigratedStores.CreateAsync(await CreateDatabaseAsync(), new SsfReceiverMigrations());
        return (store, new SsfReceivedStore(store));
    }

    [Fact]
    public async Task Jti_ClaimedOncePerIssuer_KeptUntilForgottenAfterTheWindow()
    {
        var ct = Ct;
        var (_, received) = await StoreAsync();

        Assert.Equal(JtiClaim.Claimed, await received.ClaimAsync("https://idp-a/", "j1", Start, Lease, ct));
        Assert.Equal(JtiClaim.Pending, await received.ClaimAsync("https://idp-a/", "j1", Start.AddSeconds(1), Lease, ct));
        await received.KeepAsync("https://idp-a/", "j1", ct);
        Assert.Equal(JtiClaim.Kept, await received.ClaimAsync("https://idp-a/", "j1", Start.AddSeconds(2), Lease, ct));
        Assert.Equal(JtiClaim.Kept, await received.ClaimAsync("https://idp-a/", "j1", Start.AddHours(1), Lease, ct));
        Assert.Equal(JtiClaim.Claimed, await received.ClaimAsync("https://idp-b/", "j1", Start.AddDays(2), Lease, ct));
        await received.KeepAsync("https://idp-b/", "j1", ct);

        Assert.Equal(1, await received.ForgetBeforeAsync(Start.AddDays(1), ct));

        Assert.Equal(JtiClaim.Claimed, await received.ClaimAsync("https://idp-a/", "j1", Start.AddDays(3), Lease, ct));
        Assert.Equal(JtiClaim.Kept, await received.ClaimAsync("https://idp-b/", "j1", Start.AddDays(3), Lease, ct));
    }

    [Fact]
    public async Task Jti_AReleasedClaimOrOneWhoseDeliveryDied_IsClaimedAgain()
    {
        var ct = Ct;
        var (_, received) = await StoreAsync();

        Assert.Equal(JtiClaim.Claimed, await received.ClaimAsync("https://idp-a/", "released", Start, Lease, ct));
        await received.ReleaseAsync("https://idp-a/", "released", ct);
        Assert.Equal(JtiClaim.Claimed, await received.ClaimAsync("https://idp-a/", "released", Start.AddSeconds(1), Lease, ct));

        Assert.Equal(JtiClaim.Claimed, await received.ClaimAsync("https://idp-a/", "died", Start, Lease, ct));
        Assert.Equal(JtiClaim.Pending, await received.ClaimAsync("https://idp-a/", "died", Start + Lease - TimeSpan.FromSeconds(1), Lease, ct));
        Assert.Equal(JtiClaim.Claimed, await received.ClaimAsync("https://idp-a/", "died", Start + Lease, Lease, ct));

        // A kept jti is never released by a later delivery that failed.
        await received.KeepAsync("https://idp-a/", "died", ct);
        await received.ReleaseAsync("https://idp-a/", "died", ct);
        Assert.Equal(JtiClaim.Kept, await received.ClaimAsync("https://idp-a/", "died", Start.AddDays(1), Lease, ct));
    }

    /// <summary>
    /// A claim is taken over by the next delivery once its pending_until lies further ahead than any claim this code
    /// sets (now + lease, plus a lease of margin for replicas' clocks), as a wall-clock step back, or a replica whose
    /// clock was ahead, leaves it; within that it still holds.
    /// </summary>
    [Theory]
    [InlineData(60, 0, true)]
    [InlineData(60, 60, true)]
    [InlineData(0, 5, true)]
    [InlineData(24 * 60, 0, true)]
    [InlineData(0, 2, false)]
    [InlineData(1, 0, false)]
    public async Task Jti_ClaimLeftAheadByAClockStepBack_IsTakenBeyondLeasePlusMargin(int stepBackMinutes, int claimedAheadMinutes, bool taken)
    {
        var ct = Ct;
        var (_, received) = await StoreAsync();
        // The delivery that died claimed at `held`; the clock then stepped back, so `now` is behind it.
        var held = Start.AddMinutes(claimedAheadMinutes);
        var now = Start.AddMinutes(-stepBackMinutes);

        Assert.Equal(JtiClaim.Claimed, await received.ClaimAsync("https://idp-a/", "j1", held, Lease, ct));
        Assert.Equal(taken ? JtiClaim.Claimed : JtiClaim.Pending, await received.ClaimAsync("https://idp-a/", "j1", now, Lease, ct));

        // Taken or not, exactly one holds it: a second delivery at the same moment finds it pending.
        Assert.Equal(JtiClaim.Pending, await received.ClaimAsync("https://idp-a/", "j1", now, Lease, ct));
    }

    [Fact]
    public async Task Jti_ClaimJustWithinLeasePlusMargin_IsPending_JustBeyond_IsTaken()
    {
        var ct = Ct;
        var (_, received) = await StoreAsync();
        var margin = Lease;

        // Held until Start + lease; seen from a clock stepped back so that it lies exactly lease + margin ahead.
        Assert.Equal(JtiClaim.Claimed, await received.ClaimAsync("https://idp-a/", "edge", Start, Lease, ct));
        Assert.Equal(JtiClaim.Pending, await received.ClaimAsync("https://idp-a/", "edge", Start - margin, Lease, ct));
        Assert.Equal(JtiClaim.Claimed, await received.ClaimAsync("https://idp-a/", "edge", Start - margin - TimeSpan.FromMilliseconds(1), Lease, ct));
    }

    [Fact]
    public async Task Jti_Kept_IsADuplicateWhateverTheClock()
    {
        var ct = Ct;
        var (_, received) = await StoreAsync();

        Assert.Equal(JtiClaim.Claimed, await received.ClaimAsync("https://idp-a/", "kept", Start, Lease, ct));
        await received.KeepAsync("https://idp-a/", "kept", ct);

        foreach (var now in new[] { Start.AddHours(-1), Start.AddDays(-3), Start.AddMinutes(-3), Start, Start.AddHours(6) })
        {
            Assert.Equal(JtiClaim.Kept, await received.ClaimAsync("https://idp-a/", "kept", now, Lease, ct));
        }
    }

    /// <summary>
    /// Deliveries of one SET on separate connections at the same moment: the store lets exactly one claim it, whether
    /// the jti is new or held by a claim a clock step back left an hour ahead.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Jti_ClaimedFromManyConnectionsAtOnce_HasExactlyOneHolder(bool leftAhead)
    {
        var (_, received) = await StoreAsync();
        for (var round = 0; round < 5; round++)
        {
            var jti = "race-" + round;
            if (leftAhead)
            {
                Assert.Equal(JtiClaim.Claimed, await received.ClaimAsync("https://idp-a/", jti, Start.AddHours(1), Lease, Ct));
            }

            using var start = new ManualResetEventSlim();
            var claims = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                start.Wait(Ct);
                return await received.ClaimAsync("https://idp-a/", jti, Start, Lease, Ct);
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

public sealed class SqliteSsfReceivedStoreContractTests(SqliteFiles files) : SsfReceivedStoreContractTests, IClassFixture<SqliteFiles>
{
    private protected override Task<StoreOptions> CreateDatabaseAsync() => Task.FromResult(files.NewStore());
}

public sealed class PostgresSsfReceivedStoreContractTests(PostgresFixture postgres) : SsfReceivedStoreContractTests, IClassFixture<PostgresFixture>
{
    private protected override Task<StoreOptions> CreateDatabaseAsync() => postgres.CreateStoreAsync(Ct);
}
