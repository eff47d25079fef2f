namespace ZtStream.Responder.Tests.Drivers;

/// <summary>The drivers' SQL (SSF outbox and keys, Docker ledger) on both dialects, each test on a fresh database.</summary>
public abstract class DriverStoreContractTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 12, 0, 0, 123, TimeSpan.Zero);

    private protected abstract Task<StoreOptions> CreateDatabaseAsync();

    private async Task<IStore> StoreAsync()
    {
        var store = await MigratedStores.CreateAsync(await CreateDatabaseAsync(), new SsfMigrations(), new DockerMigrations());
        return store;
    }

    [Fact]
    public async Task Outbox_EnqueueClaimRetryDeliver_FollowsTheLifecycle()
    {
        var ct = Ct;
        var outbox = new SsfOutbox(await StoreAsync());
        var action = Guid.NewGuid();

        Assert.True(await outbox.EnqueueAsync(action, "crm", "jti-1", "a.b.c", Start, ct));
        Assert.False(await outbox.EnqueueAsync(action, "crm", "jti-2", "d.e.f", Start, ct));
        Assert.True(await outbox.EnqueueAsync(action, "siem", "jti-3", "g.h.i", Start, ct));

        var due = await outbox.DueAsync(Start, 10, ct);
        Assert.Equal(["jti-1", "jti-3"], due.Select(i => i.Jti));
        var item = due[0];
        Assert.Equal(Start, item.NextAttemptAt);

        Assert.True(await outbox.ClaimAsync(item, Start.AddSeconds(20), ct));
        Assert.False(await outbox.ClaimAsync(item, Start.AddSeconds(20), ct));
        Assert.Equal(["jti-3"], (await outbox.DueAsync(Start.AddSeconds(1), 10, ct)).Select(i => i.Jti));

        await outbox.MarkRetryAsync(item.Id, "connection refused", Start.AddSeconds(5), ct);
        Assert.DoesNotContain(await outbox.DueAsync(Start.AddSeconds(4), 10, ct), i => i.Jti == "jti-1");
        var again = Assert.Single(await outbox.DueAsync(Start.AddSeconds(5), 10, ct), i => i.Jti == "jti-1");
        Assert.Equal(1, again.Attempts);
        Assert.Equal("connection refused", again.LastError);

        await outbox.MarkDeliveredAsync(item.Id, Start.AddSeconds(6), ct);
        await outbox.MarkFailedAsync(due[1].Id, "rejected with 400: invalid_audience", Start.AddSeconds(6), ct);
        Assert.Empty(await outbox.DueAsync(Start.AddDays(1), 10, ct));

        var rows = await outbox.ForActionAsync(action, ct);
        Assert.Equal([(SsfOutbox.Delivered, 2L, (string?)null), (SsfOutbox.Failed, 1L, "rejected with 400: invalid_audience")], rows.Select(r => (r.State, r.Attempts, r.LastError)));
        Assert.All(rows, r => Assert.Equal(Start.AddSeconds(6), r.FinishedAt));
    }

    [Fact]
    public async Task Outbox_PollDelivery_IsServedUntilAcknowledgedAndNeverPushed()
    {
        var ct = Ct;
        var outbox = new SsfOutbox(await StoreAsync());
        var action = Guid.NewGuid();
        var other = Guid.NewGuid();

        Assert.True(await outbox.EnqueueAsync(action, "stream:s1", "p-1", "a.b.c", Start, ct, SsfDelivery.Poll));
        Assert.True(await outbox.EnqueueAsync(other, "stream:s1", "p-2", "d.e.f", Start, ct, SsfDelivery.Poll));
        Assert.True(await outbox.EnqueueAsync(action, "crm", "push-1", "g.h.i", Start, ct));

        Assert.Equal(["crm"], await outbox.DueReceiversAsync(Start, ct));
        Assert.Equal(["push-1"], (await outbox.DueAsync(Start, "crm", 10, ct)).Select(i => i.Jti));
        Assert.Empty(await outbox.DueAsync(Start, "stream:s1", 10, ct));
        Assert.Equal(["p-1", "p-2"], (await outbox.PollAsync("stream:s1", 10, ct)).Select(i => i.Jti));

        Assert.True(await outbox.AcknowledgeAsync("stream:s1", "p-1", Start.AddSeconds(1), ct));
        Assert.False(await outbox.AcknowledgeAsync("stream:s1", "p-1", Start.AddSeconds(1), ct));
        Assert.False(await outbox.AcknowledgeAsync("stream:other", "p-2", Start.AddSeconds(1), ct));
        Assert.True(await outbox.RejectedByReceiverAsync("stream:s1", "p-2", "invalid_audience", Start.AddSeconds(2), ct));
        Assert.Empty(await outbox.PollAsync("stream:s1", 10, ct));
        Assert.Equal(1, await outbox.AbandonAsync("crm", "receiver gone", Start.AddSeconds(3), ct));

        var rows = (await outbox.ForActionAsync(action, ct)).Concat(await outbox.ForActionAsync(other, ct)).OrderBy(r => r.Jti, StringComparer.Ordinal).ToList();
        Assert.Equal(
            [("p-1", SsfOutbox.Delivered, SsfDelivery.Poll), ("p-2", SsfOutbox.Failed, SsfDelivery.Poll), ("push-1", SsfOutbox.Failed, SsfDelivery.Push)],
            rows.Select(r => (r.Jti, r.State, r.Delivery)));
        Assert.Equal(["invalid_audience", "receiver gone"], rows.Skip(1).Select(r => r.LastError));
    }

    [Fact]
    public async Task Streams_LifecycleAndSubjectCoverage()
    {
        var ct = Ct;
        var streams = new SsfStreamStore(await StoreAsync());
        var stream = new SsfStream
        {
            StreamId = "s1",
            Client = "siem",
            Aud = "https://siem.example",
            DeliveryMethod = SsfDelivery.PushMethod,
            EndpointUrl = "https://siem.example/events",
            AuthorizationHeader = "Bearer x",
            EventsRequested = $"[\"{SsfEventTypes.SessionRevoked}\",\"urn:example:other\"]",
            Status = SsfStreamStatus.Enabled,
            CreatedAt = Start,
            UpdatedAt = Start,
        };
        await streams.CreateAsync(stream, ct);
        await streams.CreateAsync(stream with { StreamId = "s2", Client = "crm", Status = SsfStreamStatus.Disabled, CreatedAt = Start.AddSeconds(1) }, ct);

        var read = await streams.GetAsync("s1", ct);
        Assert.Equal(stream, read);
        Assert.Equal([SsfEventTypes.SessionRevoked], read!.Delivered());
        Assert.Null(await streams.GetOwnAsync("crm", "s1", ct));
        Assert.Equal(["s1"], (await streams.ActiveAsync(ct)).Select(s => s.StreamId));
        Assert.Equal(["s2"], (await streams.ForClientAsync("crm", ct)).Select(s => s.StreamId));

        Assert.True(await streams.UpdateAsync(stream with { Status = SsfStreamStatus.Paused, Reason = "maintenance", UpdatedAt = Start.AddMinutes(1) }, ct));
        Assert.False(await streams.UpdateAsync(stream with { Client = "crm" }, ct));
        await streams.MarkVerifiedAsync("s1", Start.AddMinutes(2), ct);
        var updated = (await streams.GetAsync("s1", ct))!;
        Assert.Equal((SsfStreamStatus.Paused, "maintenance", (DateTimeOffset?)Start.AddMinutes(2)), (updated.Status, updated.Reason, updated.VerifiedAt));

        var alice = System.Text.Json.Nodes.JsonNode.Parse("""{"format":"email","email":"alice@example.com"}""")!.AsObject();
        var aliceInComplex = System.Text.Json.Nodes.JsonNode.Parse("""{"format":"complex","user":{"email":"alice@example.com","format":"email"},"session":{"format":"opaque","id":"s-9"}}""")!.AsObject();
        var bob = System.Text.Json.Nodes.JsonNode.Parse("""{"format":"email","email":"bob@example.com"}""")!.AsObject();
        Assert.True(await streams.CoversAsync(updated, bob, SharedSignalsOptions.All, ct));
        Assert.False(await streams.CoversAsync(updated, bob, SharedSignalsOptions.None, ct));
        await streams.SetSubjectAsync("s1", alice, included: false, Start, ct);
        Assert.False(await streams.CoversAsync(updated, aliceInComplex, SharedSignalsOptions.All, ct));
        await streams.SetSubjectAsync("s1", alice, included: true, Start, ct);
        Assert.True(await streams.CoversAsync(updated, aliceInComplex, SharedSignalsOptions.None, ct));
        Assert.False(await streams.CoversAsync(updated, bob, SharedSignalsOptions.None, ct));

        Assert.False(await streams.DeleteAsync("crm", "s1", ct));
        Assert.True(await streams.DeleteAsync("siem", "s1", ct));
        Assert.Null(await streams.GetAsync("s1", ct));
    }

    [Fact]
    public async Task SigningKeys_GeneratedOnceAndSharedByEveryInstance()
    {
        var ct = Ct;
        var store = await StoreAsync();
        var options = new SharedSignalsOptions { Issuer = new Uri("https://ztstream.test") };

        using var first = new SsfSigningKeys(store, options, new FakeTimeProvider(Start), NullLogger<SsfSigningKeys>.Instance);
        using var second = new SsfSigningKeys(store, options, new FakeTimeProvider(Start), NullLogger<SsfSigningKeys>.Instance);
        var a = await first.GetAsync(ct);
        var b = await second.GetAsync(ct);

        Assert.Equal(a.KeyId, b.KeyId);
        Assert.Equal(a.PublicJwk.ToJsonString(), b.PublicJwk.ToJsonString());
        Assert.Equal("RS256", a.PublicJwk["alg"]!.GetValue<string>());
    }

    /// <summary>
    /// Another replica's rotation is noticed within a minute by the monotonic clock: the ring re-read the store on a
    /// wall-clock date, so after a step back of an hour it went on publishing only the old key for the hour, and
    /// receivers refused SETs the other replica signed with the new one.
    /// </summary>
    [Fact]
    public async Task SigningKeys_RotatedByAnotherInstanceAfterAStepBack_PublishedWithinAMinute()
    {
        var store = await StoreAsync();
        var options = new SharedSignalsOptions { Issuer = new Uri("https://ztstream.test") };
        var clock = new SteppedFakeClock(Start);
        using var stepped = new SsfSigningKeys(store, options, clock, NullLogger<SsfSigningKeys>.Instance);
        using var other = new SsfSigningKeys(store, options, new FakeTimeProvider(Start), NullLogger<SsfSigningKeys>.Instance);
        var before = await stepped.GetAsync(Ct);

        clock.Offset = TimeSpan.FromHours(-1);
        var rotated = await other.RotateAsync(Ct);
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(before.KeyId, (await stepped.GetAsync(Ct)).KeyId);
        clock.Advance(TimeSpan.FromSeconds(31));

        Assert.Equal(rotated.KeyId, (await stepped.GetAsync(Ct)).KeyId);
        Assert.Equal(2, (await stepped.PublishedAsync(Ct)).Count);
    }

    [Fact]
    public async Task DockerLedger_RecordsOnceAndTracksRelease()
    {
        var ct = Ct;
        var ledger = new DockerIsolationLedger(await StoreAsync());
        var action = Guid.NewGuid();
        var isolation = new DockerIsolation(action, "c0ffee", [new AttachedNetwork("backend", "net-b", ["web"], "172.20.0.10", null)], Start, null);

        Assert.True(await ledger.RecordAsync(isolation, ct));
        Assert.False(await ledger.RecordAsync(isolation with { ContainerId = "other" }, ct));

        var active = await ledger.ActiveForAsync("c0ffee", ct);
        Assert.NotNull(active);
        Assert.Equal(action, active.ActionId);
        Assert.Equal(isolation.Networks, active.Networks, (x, y) => x.Network == y.Network && x.Aliases.SequenceEqual(y.Aliases) && x.IPv4Address == y.IPv4Address);

        await ledger.MarkReleasedAsync(action, Start.AddMinutes(5), ct);
        Assert.Null(await ledger.ActiveForAsync("c0ffee", ct));
        Assert.Equal(Start.AddMinutes(5), (await ledger.GetAsync(action, ct))!.ReleasedAt);
    }
}

public sealed class SqliteDriverStoreContractTests(SqliteFiles files) : DriverStoreContractTests, IClassFixture<SqliteFiles>
{
    private protected override Task<StoreOptions> CreateDatabaseAsync() => Task.FromResult(files.NewStore());
}

public sealed class PostgresDriverStoreContractTests(PostgresFixture postgres) : DriverStoreContractTests, IClassFixture<PostgresFixture>
{
    private protected override Task<StoreOptions> CreateDatabaseAsync() => postgres.CreateStoreAsync(Ct);
}
