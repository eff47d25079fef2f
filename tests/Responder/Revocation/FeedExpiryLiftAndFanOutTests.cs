namespace ZtStream.Responder.Tests.Revocation;

/// <summary>
/// The feed as a private, expiring list served to many streams: entries leave the snapshot when the tokens they cover
/// expire, a lift travels down the stream, one credential cannot hold unlimited streams, and one store read serves
/// every stream, woken the moment this process lists an entry.
/// </summary>
public sealed class FeedExpiryLiftAndFanOutTests
{
    private static RevokeToken Revoke(string jti, DateTimeOffset? expiresAt = null) =>
        new() { ActionId = Guid.NewGuid(), Jti = jti, ExpiresAt = expiresAt, Reason = "test", RequestedBy = "test" };

    [Fact]
    public async Task Snapshot_EntryWithKnownTokenExpiry_LeavesAfterItPlusClockSkew_OthersAfterTheDefault()
    {
        await using var host = await new ResponderTestHost().WithSetting("Responder:Feed:DefaultExpiry", "02:00:00").StartAsync();
        var ct = Ct;
        var exp = host.Time.GetUtcNow().AddMinutes(10);
        await host.Get<ITokenRevoker>().RevokeTokenAsync(Revoke("jti-short", exp), ct);
        await host.Get<ITokenRevoker>().RevokeTokenAsync(Revoke("jti-unknown-exp"), ct);

        async Task<string[]> ListedAsync() =>
            [.. (await host.RevocationSnapshotAsync()).Revocations.Select(r => r.Jti!).Order()];

        var listed = await host.RevocationSnapshotAsync();
        Assert.Equal(exp + RevocationListRevoker.ClockSkew, listed.Revocations.Single(r => r.Jti == "jti-short").ExpiresAt);
        Assert.Equal(host.Time.GetUtcNow().AddHours(2), listed.Revocations.Single(r => r.Jti == "jti-unknown-exp").ExpiresAt);

        host.Time.Advance(TimeSpan.FromMinutes(14));
        Assert.Equal(["jti-short", "jti-unknown-exp"], await ListedAsync());
        host.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(["jti-unknown-exp"], await ListedAsync());
        host.Time.Advance(TimeSpan.FromHours(2));
        Assert.Empty(await ListedAsync());
    }

    [Fact]
    public async Task Snapshot_TokenExpiryAlreadyPastOrAtTheEndOfTime_StillListsTheToken()
    {
        // The expiry is evidence (an event's token.expires_at): a token used after its exp, which is when revoking it
        // matters most, was listed already expired and so never in force; one claiming to live until year 9999 made the
        // revocation throw on every retry and the action fail with nothing revoked.
        await using var host = await new ResponderTestHost().WithSetting("Responder:Feed:DefaultExpiry", "02:00:00").StartAsync();
        var now = host.Time.GetUtcNow();
        await host.Get<ITokenRevoker>().RevokeTokenAsync(Revoke("jti-used-after-exp", now.AddDays(-3)), Ct);
        await host.Get<ITokenRevoker>().RevokeTokenAsync(Revoke("jti-exp-9999", DateTimeOffset.MaxValue.AddSeconds(-1)), Ct);

        var listed = (await host.RevocationSnapshotAsync()).Revocations;
        Assert.Equal(now.AddHours(2), listed.Single(r => r.Jti == "jti-used-after-exp").ExpiresAt);
        // Kept as long as the token claims to live (the store keeps milliseconds).
        Assert.Equal(DateTimeOffset.MaxValue.ToUnixTimeMilliseconds(), listed.Single(r => r.Jti == "jti-exp-9999").ExpiresAt?.ToUnixTimeMilliseconds());

        host.Time.Advance(TimeSpan.FromDays(400));
        Assert.Equal("jti-exp-9999", Assert.Single((await host.RevocationSnapshotAsync()).Revocations).Jti);
    }

    [Fact]
    public async Task Stream_Lift_IsPublishedWithItsOwnVersion_AndAResumingClientGetsIt()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var ct = Ct;
        var (entry, _) = await host.Get<RevocationStore>().AddAsync(
            new RevocationRequest(Guid.NewGuid(), RevocationStore.SubjectEntry, null, null, "mallory", host.Time.GetUtcNow(), "t", host.Time.GetUtcNow().AddHours(1)), ct);
        await using var live = await SseReader.OpenAsync(host.ClientFor(ResponderTestHost.FeedToken), RevocationFeed.StreamPath, entry.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);

        using var lifted = await host.ClientFor(ResponderTestHost.ResponderToken).PostAsJsonAsync($"/v1/revocations/{entry.Version}/lift", new { reason = "wrong person" }, ct);
        Assert.Equal(HttpStatusCode.OK, lifted.StatusCode);

        var message = await live.NextEventAsync(ct);
        Assert.Equal(RevocationFeed.LiftEventName, message.Event);
        var lift = JsonSerializer.Deserialize(message.Data, ContractsJsonContext.Default.RevocationLift)!;
        Assert.Equal((entry.Version, "mallory", "wrong person"), (lift.Lifts, lift.SubjectId, lift.Reason));
        Assert.Equal(lift.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), message.Id);
        Assert.True(lift.Version > entry.Version);

        await using var resumed = await SseReader.OpenAsync(host.ClientFor(ResponderTestHost.FeedToken), RevocationFeed.StreamPath, "0", ct);
        var replayed = await resumed.NextEventAsync(ct);
        Assert.Equal((RevocationFeed.EventName, entry.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)), (replayed.Event, replayed.Id));
        Assert.Equal(RevocationFeed.LiftEventName, (await resumed.NextEventAsync(ct)).Event);
    }

    [Fact]
    public async Task Streams_CappedPerCredential_OtherCredentialsUnaffected_AndAClosedStreamFreesItsPlace()
    {
        await using var host = await new ResponderTestHost().WithSetting("Responder:Feed:MaxStreamsPerCredential", "2").StartAsync();
        var ct = Ct;
        var feed = host.ClientFor(ResponderTestHost.FeedToken);

        var first = await SseReader.OpenAsync(feed, RevocationFeed.StreamPath, null, ct);
        await using var second = await SseReader.OpenAsync(feed, RevocationFeed.StreamPath, null, ct);
        using var third = await feed.GetAsync(RevocationFeed.StreamPath, HttpCompletionOption.ResponseHeadersRead, ct);
        await HttpProblem.ReadRetryLaterAsync(third, HttpStatusCode.TooManyRequests, "too-many-streams");
        await using (await SseReader.OpenAsync(host.ClientFor(ResponderTestHost.AnalystToken), RevocationFeed.StreamPath, null, ct))
        {
        }

        await first.DisposeAsync();
        var limiter = host.Get<FeedStreamLimiter>();
        await Eventually.HoldsAsync(() => Task.FromResult(limiter.Open(ZtStream.Responder.Api.ApiTokenAuthenticator.FeedTokenCredential) < 2), "the closed stream's place is freed");
        await using var again = await SseReader.OpenAsync(feed, RevocationFeed.StreamPath, null, ct);
    }

    [Fact]
    public async Task ManyStreams_OneStoreReadPerChange_PushedAtOnceWithoutWaitingForThePoll()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var ct = Ct;
        var hub = host.Get<RevocationFeedHub>();
        var streams = new List<SseReader>();
        try
        {
            for (var i = 0; i < 25; i++)
            {
                streams.Add(await SseReader.OpenAsync(host.ClientFor(i % 2 == 0 ? ResponderTestHost.FeedToken : ResponderTestHost.AnalystToken), RevocationFeed.StreamPath, null, ct));
            }

            // The fake clock never moves here: the hub's poll never fires, so only the wake-up can deliver.
            await Eventually.HoldsAsync(() => Task.FromResult(hub.Reads >= 1), "the hub has read the store once");
            var before = hub.Reads;
            var catchUps = hub.CatchUps;
            await host.Get<ITokenRevoker>().RevokeTokenAsync(Revoke("jti-fan-out"), ct);

            var received = await Task.WhenAll(streams.Select(s => s.NextEventAsync(ct)));

            Assert.All(received, m => Assert.Contains("\"jti\":\"jti-fan-out\"", m.Data, StringComparison.Ordinal));
            Assert.InRange(hub.Reads - before, 1, 2);
            Assert.Equal(catchUps, hub.CatchUps);
        }
        finally
        {
            foreach (var s in streams)
            {
                await s.DisposeAsync();
            }
        }
    }
}
