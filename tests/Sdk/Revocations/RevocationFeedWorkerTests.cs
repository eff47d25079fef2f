namespace ZtStream.Sdk.Tests.Revocations;

public sealed class RevocationFeedWorkerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static IHost StartHost(Uri feed, Action<ZtStreamRevocationOptions> more)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
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

    [Fact]
    public async Task FeedContract_FakeFeed_Conforms()
    {
        await using var feed = await FakeRevocationFeed.StartAsync();
        using var http = new HttpClient { BaseAddress = feed.BaseAddress };
        await RevocationFeedContract.VerifyAsync(http, jti => { feed.Publish(jti: jti); return Task.CompletedTask; }, Ct);
    }
}
