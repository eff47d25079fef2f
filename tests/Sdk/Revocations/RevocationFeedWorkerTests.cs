using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ZtStream.Contracts.Serialization;
using ZtStream.Sdk.Telemetry;
using ZtStream.TestSupport.Logging;
using ZtStream.TestSupport.Telemetry;

namespace ZtStream.Sdk.Tests.Revocations;

public sealed class RevocationFeedWorkerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static IHost StartHost(Uri feed, Action<ZtStreamRevocationOptions> more, ILoggerProvider? log = null, TimeProvider? time = null)
    {
        var builder = TestHosts.Builder();
        if (log is not null)
        {
            builder.Logging.AddProvider(log);
        }

        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddZtStream(o =>
        {
            o.Endpoint = ZtStreamClientTests.ClosedPort();
            o.SourceKey = "k";
            o.MaxAttempts = 1;
            o.Revocations.Feed = feed;
            o.Revocations.MinReconnectDelay = TimeSpan.FromMilliseconds(10);
            o.Revocations.MaxReconnectDelay = TimeSpan.FromMilliseconds(50);
            more(o.Revocations);
        });
        var host = builder.Build();
        host.Start();
        return host;
    }

    [Fact]
    public async Task SilentStream_PastIdleTimeout_ReopensWithLastEventId()
    {
        await using var feed = await FakeRevocationFeed.StartAsync();
        feed.Publish(jti: "j1");
        feed.Publish(jti: "j2");
        using var host = StartHost(feed.BaseAddress, r => r.IdleTimeout = TimeSpan.FromMilliseconds(300));

        await feed.WaitForStreamRequestsAsync(3, Patience);
        await host.StopAsync();

        Assert.All(feed.StreamRequests.Take(3), id => Assert.Equal("2", id));
        Assert.Equal(1, feed.SnapshotRequests);
    }

    [Fact]
    public async Task StreamRefused_ReloadsSnapshot()
    {
        await using var feed = await FakeRevocationFeed.StartAsync();
        using var host = StartHost(feed.BaseAddress, _ => { });
        await feed.WaitForStreamRequestsAsync(1, Patience);
        feed.Available = false;
        feed.DropStreams();
        await feed.WaitForStreamRequestsAsync(2, Patience);
        feed.Publish(jti: "while-refused");
        feed.Available = true;

        var list = host.Services.GetRequiredService<RevocationList>();
        using var deadline = new CancellationTokenSource(Patience);
        while (list.Match("while-refused", null, null, null) == RevocationMatch.None)
        {
            await Task.Delay(10, deadline.Token);
        }

        await host.StopAsync();
        Assert.True(feed.SnapshotRequests >= 2);
    }

    /// <summary>
    /// A loopback feed that redirects to another address: followed, the list came from a host the https rule would
    /// refuse (a plain-http one anywhere). Not followed, the target hears nothing and the redirect is retried as a failure.
    /// </summary>
    [Fact]
    public async Task FeedRedirect_IsNotFollowed()
    {
        await using var target = await FakeRevocationFeed.StartAsync();
        target.Publish(jti: "from-elsewhere");
        var redirects = 0;
        await using var feed = await LoopbackApp.StartAsync(app => app.MapGet("/{**path}", (HttpContext context) =>
        {
            Interlocked.Increment(ref redirects);
            return Results.Redirect(new Uri(target.BaseAddress, context.Request.Path + context.Request.QueryString).ToString());
        }));
        using var host = StartHost(feed.BaseAddress, _ => { });
        using var deadline = new CancellationTokenSource(Patience);
        while (Volatile.Read(ref redirects) < 3 && target.SnapshotRequests == 0)
        {
            await Task.Delay(10, deadline.Token);
        }

        await host.StopAsync();
        Assert.Equal(0, target.SnapshotRequests);
        Assert.Empty(target.StreamRequests);
        Assert.False(host.Services.GetRequiredService<RevocationList>().Loaded);
    }

    /// <summary>
    /// A stream answered and ended before its first byte (a proxy closing it at once) proves no working connection,
    /// and neither does one that carries an entry and drops: that one used to reset the backoff, so such a feed had the
    /// SDK reconnecting at the shortest delay for ever. Only a stream open for MaxReconnectDelay resets it; here none
    /// is (the fake clock moves 10 ms at a time), and the backoff grows attempt after attempt.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StreamDroppingAtOnce_BacksOffFurtherEachTime(bool carryingAnEntry)
    {
        var streams = new StrongBox<int>();
        await using var feed = await DroppingFeedAsync(streams, carryingAnEntry, (_, _) => Task.CompletedTask);
        var time = new FakeTimeProvider(RevokedAt);
        using var log = new CapturedLog();
        using var host = StartHost(feed.BaseAddress, r => r.MaxReconnectDelay = TimeSpan.FromSeconds(1), log, time);
        using var deadline = new CancellationTokenSource(Patience);
        await AdvanceUntilAsync(time, streams, 6, deadline.Token);

        await host.StopAsync();
        var failures = log.Lines.Where(l => l.Id.Id == 6102).Select(l => l.Message).ToList();
        Assert.Contains(failures, m => m.Contains("(attempt 4)", StringComparison.Ordinal));
    }

    /// <summary>A stream that stayed open for MaxReconnectDelay was a working connection: the next failure starts the backoff over.</summary>
    [Fact]
    public async Task StreamOpenForMaxReconnectDelay_ThenDropping_StartsTheBackoffOver()
    {
        var streams = new StrongBox<int>();
        using var drop = new SemaphoreSlim(0);
        // The first two streams drop at once; the third stays until the test lets it go.
        await using var feed = await DroppingFeedAsync(streams, carryingAnEntry: true, (n, aborted) => n == 3 ? drop.WaitAsync(aborted) : Task.CompletedTask);
        var time = new FakeTimeProvider(RevokedAt);
        using var log = new CapturedLog();
        using var host = StartHost(feed.BaseAddress, r => r.MaxReconnectDelay = TimeSpan.FromSeconds(1), log, time);
        using var deadline = new CancellationTokenSource(Patience);
        await AdvanceUntilAsync(time, streams, 3, deadline.Token);

        while (log.Lines.Count(l => l.Id.Id == 6101) < 3)
        {
            await Task.Delay(5, deadline.Token);
        }

        time.Advance(TimeSpan.FromSeconds(1));
        drop.Release();
        while (log.Lines.Count(l => l.Id.Id == 6102) < 3)
        {
            await Task.Delay(5, deadline.Token);
        }

        await host.StopAsync();
        var failures = log.Lines.Where(l => l.Id.Id == 6102).Select(l => l.Message).ToList();
        Assert.Contains("(attempt 2)", failures[1], StringComparison.Ordinal);
        Assert.Contains("(attempt 1)", failures[2], StringComparison.Ordinal);
    }

    /// <summary>
    /// A broken or hostile unsigned feed sending malformed message after malformed message does not flood the log: as
    /// the full send queue does, the 1st, 2nd, 4th, 8th … are logged, each naming the first one's id and reason, and
    /// every one is counted.
    /// </summary>
    [Fact]
    public async Task MalformedMessages_AreLoggedAtPowersOfTwo_AndEachIsCounted()
    {
        const int Malformed = 10;
        await using var feed = await LoopbackApp.StartAsync(app =>
        {
            app.MapGet(RevocationFeed.SnapshotPath, () => Results.Json(new RevocationSnapshot { Version = 1, Revocations = [] }, ContractsJsonContext.Default.RevocationSnapshot));
            app.MapGet(RevocationFeed.StreamPath, async (HttpContext context) =>
            {
                context.Response.ContentType = "text/event-stream";
                var body = new StringBuilder();
                for (var i = 0; i < Malformed; i++)
                {
                    body.Append(CultureInfo.InvariantCulture, $"id: bad-{i}\nevent: {RevocationFeed.EventName}\ndata: {{not json {i}\n\n");
                }

                var good = new Revocation { Version = 2, Jti = "after-the-bad-ones", RevokedAt = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow.AddHours(1) };
                body.Append(CultureInfo.InvariantCulture, $"id: 2\nevent: {RevocationFeed.EventName}\ndata: {JsonSerializer.Serialize(good, ContractsJsonContext.Default.Revocation)}\n\n");
                await context.Response.WriteAsync(body.ToString(), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            });
        });
        using var log = new CapturedLog();
        using var counted = new CountedMeasurements(SdkMetrics.MeterName, "ztstream.sdk.revocations.malformed");
        using var host = StartHost(feed.BaseAddress, _ => { }, log);

        var list = host.Services.GetRequiredService<RevocationList>();
        using var deadline = new CancellationTokenSource(Patience);
        while (list.Match("after-the-bad-ones", null, null, null) == RevocationMatch.None)
        {
            await Task.Delay(10, deadline.Token);
        }

        await host.StopAsync();
        var logged = log.Lines.Where(l => l.Id.Id == 6104).Select(l => l.Message).ToList();
        Assert.Equal(4, logged.Count);
        Assert.Contains("bad-7", logged[^1], StringComparison.Ordinal);
        Assert.All(logged, m => Assert.Contains("bad-0", m, StringComparison.Ordinal));
        Assert.Equal(Malformed, counted.Total);
    }

    /// <summary>
    /// A stream that goes on adding revocations past MaxEntries: each one refused is counted, only the 1st, 2nd, 4th …
    /// logged, and the feed starts over from the snapshot (which would hold what is in force once it fits).
    /// </summary>
    [Fact]
    public async Task StreamPastMaxEntries_IsCountedLoggedAtPowersOfTwo_AndTheSnapshotAskedAgain()
    {
        var snapshots = 0;
        await using var feed = await LoopbackApp.StartAsync(app =>
        {
            app.MapGet(RevocationFeed.SnapshotPath, () =>
            {
                Interlocked.Increment(ref snapshots);
                return Results.Json(new RevocationSnapshot { Version = 1, Revocations = [Entry(1, "j1")] }, ContractsJsonContext.Default.RevocationSnapshot);
            });
            app.MapGet(RevocationFeed.StreamPath, async (HttpContext context) =>
            {
                context.Response.ContentType = "text/event-stream";
                var body = new StringBuilder();
                for (var v = 2; v <= 150; v++)
                {
                    body.Append(CultureInfo.InvariantCulture, $"id: {v}\nevent: {RevocationFeed.EventName}\ndata: {JsonSerializer.Serialize(Entry(v, $"j{v}"), ContractsJsonContext.Default.Revocation)}\n\n");
                }

                await context.Response.WriteAsync(body.ToString(), context.RequestAborted);
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            });
        });
        using var log = new CapturedLog();
        using var counted = new CountedMeasurements(SdkMetrics.MeterName, "ztstream.sdk.revocations.list_full");
        using var host = StartHost(feed.BaseAddress, r => r.MaxEntries = 100, log);
        using var deadline = new CancellationTokenSource(Patience);
        while (Volatile.Read(ref snapshots) < 4)
        {
            await Task.Delay(10, deadline.Token);
        }

        await host.StopAsync();
        var refused = counted.Total;
        Assert.True(refused >= 3, $"{refused} refusals");
        var logged = log.Lines.Where(l => l.Id.Id == 6106).Select(l => l.Message).ToList();
        Assert.Equal(BitOperations.Log2((ulong)refused) + 1, logged.Count);
        Assert.Contains("MaxEntries (100)", logged[0], StringComparison.Ordinal);
        Assert.Equal(RevocationMatch.Token, host.Services.GetRequiredService<RevocationList>().Match("j1", null, null, null));
    }

    /// <summary>
    /// A stream request whose answer never comes (a half-open connection, a hung proxy) is silent too: reopened after
    /// the idle timeout, where it used to wait for ever with the list going stale.
    /// </summary>
    [Fact]
    public async Task StreamAnswerNeverComes_ReopenedAfterIdleTimeout()
    {
        var streams = 0;
        await using var feed = await LoopbackApp.StartAsync(app =>
        {
            app.MapGet(RevocationFeed.SnapshotPath, () => Results.Json(new RevocationSnapshot { Version = 1, Revocations = [] }, ContractsJsonContext.Default.RevocationSnapshot));
            app.MapGet(RevocationFeed.StreamPath, async (HttpContext context) =>
            {
                Interlocked.Increment(ref streams);
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            });
        });
        using var host = StartHost(feed.BaseAddress, r => r.IdleTimeout = TimeSpan.FromMilliseconds(300));
        using var deadline = new CancellationTokenSource(Patience);
        while (Volatile.Read(ref streams) < 2)
        {
            await Task.Delay(10, deadline.Token);
        }

        await host.StopAsync();
        Assert.True(host.Services.GetRequiredService<RevocationList>().Loaded);
    }

    /// <summary>A pinned-keys address that never answers is given up after the request timeout and asked again.</summary>
    [Fact]
    public async Task SigningKeysAddressNeverAnswers_AskedAgainAfterRequestTimeout()
    {
        var asked = 0;
        await using var keys = await LoopbackApp.StartAsync(app => app.MapGet("/jwks", async (HttpContext context) =>
        {
            Interlocked.Increment(ref asked);
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }));
        await using var feed = await FakeRevocationFeed.StartAsync();
        using var host = StartHost(feed.BaseAddress, r =>
        {
            r.SigningKeys = new Uri(keys.BaseAddress, "/jwks").ToString();
            r.RequestTimeout = TimeSpan.FromMilliseconds(300);
        });
        using var deadline = new CancellationTokenSource(Patience);
        while (Volatile.Read(ref asked) < 2)
        {
            await Task.Delay(10, deadline.Token);
        }

        await host.StopAsync();
        Assert.Equal(0, feed.SnapshotRequests);
    }

    [Fact]
    public async Task FeedContract_FakeFeed_Conforms()
    {
        await using var feed = await FakeRevocationFeed.StartAsync();
        using var http = new HttpClient { BaseAddress = feed.BaseAddress };
        await RevocationFeedContract.VerifyAsync(http, jti => { feed.Publish(jti: jti); return Task.CompletedTask; }, Ct);
    }

    private static readonly DateTimeOffset RevokedAt = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static Revocation Entry(long version, string jti, string? reason = null) =>
        new() { Version = version, Jti = jti, RevokedAt = RevokedAt, Reason = reason ?? "test" };

    /// <summary>Moves the fake clock 10 ms every 5 ms until <paramref name="count"/> streams were opened.</summary>
    private static async Task AdvanceUntilAsync(FakeTimeProvider time, StrongBox<int> streams, int count, CancellationToken cancellationToken)
    {
        while (Volatile.Read(ref streams.Value) < count)
        {
            await Task.Delay(5, cancellationToken);
            time.Advance(TimeSpan.FromMilliseconds(10));
        }
    }

    /// <summary>
    /// A feed whose snapshot is empty at version 1 and whose every stream sends entry 2 (or nothing), then ends once
    /// <paramref name="then"/> (given the stream's number, from 1) completes; <paramref name="streams"/> counts them.
    /// </summary>
    private static Task<LoopbackApp> DroppingFeedAsync(StrongBox<int> streams, bool carryingAnEntry, Func<int, CancellationToken, Task> then)
    {
        var entry = JsonSerializer.Serialize(Entry(2, "j2"), ContractsJsonContext.Default.Revocation);
        return LoopbackApp.StartAsync(app =>
        {
            app.MapGet(RevocationFeed.SnapshotPath, () => Results.Json(new RevocationSnapshot { Version = 1, Revocations = [] }, ContractsJsonContext.Default.RevocationSnapshot));
            app.MapGet(RevocationFeed.StreamPath, async (HttpContext context) =>
            {
                var n = Interlocked.Increment(ref streams.Value);
                context.Response.ContentType = "text/event-stream";
                if (carryingAnEntry)
                {
                    await context.Response.WriteAsync($"id: 2\nevent: {RevocationFeed.EventName}\ndata: {entry}\n\n", context.RequestAborted);
                }

                await then(n, context.RequestAborted);
            });
        });
    }

    /// <summary>Follows <paramref name="feed"/> until <paramref name="done"/>, stops, and returns the list as the SDK left it.</summary>
    private static async Task<RevocationList> FollowUntilAsync(Uri feed, Action<ZtStreamRevocationOptions> more, Func<bool> done)
    {
        using var host = StartHost(feed, more);
        using var deadline = new CancellationTokenSource(Patience);
        while (!done())
        {
            await Task.Delay(10, deadline.Token);
        }

        await host.StopAsync();
        return host.Services.GetRequiredService<RevocationList>();
    }

    /// <summary>
    /// Follows a feed whose snapshot revokes j1 and whose every stream <paramref name="stream"/> writes, until
    /// <paramref name="streams"/> streams were opened; the list as the SDK left it.
    /// </summary>
    private static async Task<RevocationList> FollowFeedRevokingJ1Async(Action<ZtStreamRevocationOptions> more, int streams, Func<HttpContext, Task> stream)
    {
        var opened = 0;
        await using var feed = await LoopbackApp.StartAsync(app =>
        {
            app.MapGet(RevocationFeed.SnapshotPath, () => Results.Json(new RevocationSnapshot { Version = 1, Revocations = [Entry(1, "j1")] }, ContractsJsonContext.Default.RevocationSnapshot));
            app.MapGet(RevocationFeed.StreamPath, async (HttpContext context) =>
            {
                Interlocked.Increment(ref opened);
                await stream(context);
            });
        });

        return await FollowUntilAsync(feed.BaseAddress, more, () => Volatile.Read(ref opened) >= streams);
    }

    /// <summary>RFC 3339 §5.6 NOTE allows a lower-case <c>t</c> and <c>z</c>: a feed that writes them is read.</summary>
    [Fact]
    public async Task Snapshot_TimesWithLowerCaseTAndZ_IsLoaded()
    {
        var snapshot = JsonSerializer.Serialize(
            new RevocationSnapshot { Version = 1, Revocations = [Entry(1, "j1") with { ExpiresAt = RevokedAt.AddYears(900) }] },
            ContractsJsonContext.Default.RevocationSnapshot);
        var lower = snapshot.Replace("T09:00:00+00:00", "t09:00:00z", StringComparison.Ordinal);
        Assert.NotEqual(snapshot, lower);
        await using var feed = await LoopbackApp.StartAsync(app =>
        {
            app.MapGet(RevocationFeed.SnapshotPath, () => Results.Text(lower, "application/json"));
            app.MapGet(RevocationFeed.StreamPath, (HttpContext context) => Task.Delay(Timeout.Infinite, context.RequestAborted));
        });
        using var host = StartHost(feed.BaseAddress, _ => { });
        var list = host.Services.GetRequiredService<RevocationList>();

        using var deadline = new CancellationTokenSource(Patience);
        while (list.Match("j1", null, null, null) == RevocationMatch.None)
        {
            await Task.Delay(10, deadline.Token);
        }

        await host.StopAsync();
        Assert.Equal(RevocationMatch.Token, list.Match("j1", null, null, null));
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public async Task OversizedStreamEvent_IsNotApplied_TheListHeldIsKeptAndTheStreamResumed(string newline)
    {
        // Every stream answers with a lift of j1 padded past MaxEventBytes.
        var list = await FollowFeedRevokingJ1Async(r => r.MaxEventBytes = 2048, streams: 3, async context =>
        {
            var lift = new RevocationLift { Version = 2, Lifts = 1, Jti = "j1", LiftedAt = RevokedAt, Reason = new string('x', 4096) };
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync(
                $"event: lift{newline}id: 2{newline}data: {JsonSerializer.Serialize(lift, ContractsJsonContext.Default.RevocationLift)}{newline}{newline}");
        });

        Assert.Equal(RevocationMatch.Token, list.Match("j1", null, null, null));
        Assert.Equal(1, list.Version);
    }

    [Fact]
    public async Task ManyDataLines_PastMaxEventBytesTogether_AreNotApplied()
    {
        var list = await FollowFeedRevokingJ1Async(r => r.MaxEventBytes = 1024, streams: 2, async context =>
        {
            context.Response.ContentType = "text/event-stream";
            // Each line is short; the parser would join them into one ever-growing data buffer.
            await context.Response.WriteAsync("event: lift\nid: 2\n");
            for (var i = 0; i < 200; i++)
            {
                await context.Response.WriteAsync("data: \n");
            }

            await context.Response.WriteAsync("data: {\"version\":2,\"lifts\":1,\"jti\":\"j1\",\"lifted_at\":\"2026-03-01T09:00:00Z\"}\n\n");
        });

        Assert.Equal(RevocationMatch.Token, list.Match("j1", null, null, null));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OversizedSnapshot_IsNotLoaded_TheListHeldIsKept(bool withContentLength)
    {
        var snapshots = 0;
        // The first snapshot revokes j1; the stream is refused, so the SDK reloads a snapshot that no longer holds j1 but is too large.
        await using var feed = await LoopbackApp.StartAsync(app =>
        {
            app.MapGet(RevocationFeed.SnapshotPath, async (HttpContext context) =>
            {
                var first = Interlocked.Increment(ref snapshots) == 1;
                var snapshot = first
                    ? new RevocationSnapshot { Version = 1, Revocations = [Entry(1, "j1")] }
                    : new RevocationSnapshot { Version = 9, Revocations = [.. Enumerable.Range(2, 8).Select(v => Entry(v, $"other-{v}", new string('x', 1024)))] };
                var body = JsonSerializer.SerializeToUtf8Bytes(snapshot, ContractsJsonContext.Default.RevocationSnapshot);
                context.Response.ContentType = "application/json";
                if (withContentLength)
                {
                    context.Response.ContentLength = body.Length;
                }

                await context.Response.Body.WriteAsync(body);
            });
            app.MapGet(RevocationFeed.StreamPath, () => Results.StatusCode(StatusCodes.Status404NotFound));
        });

        var list = await FollowUntilAsync(feed.BaseAddress, r => r.MaxSnapshotBytes = 4096, () => Volatile.Read(ref snapshots) >= 3);
        Assert.Equal(RevocationMatch.Token, list.Match("j1", null, null, null));
        Assert.Equal(RevocationMatch.None, list.Match("other-2", null, null, null));
    }
}
