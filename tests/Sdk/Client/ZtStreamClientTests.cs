using System.Net.Sockets;

namespace ZtStream.Sdk.Tests.Client;

public sealed class ZtStreamClientTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    internal static ZtStreamOptions Options(Uri endpoint, Action<ZtStreamOptions>? more = null)
    {
        var o = new ZtStreamOptions { Endpoint = endpoint, SourceKey = "test-key", MinBackoff = TimeSpan.FromMilliseconds(5), MaxBackoff = TimeSpan.FromMilliseconds(20) };
        more?.Invoke(o);
        return o;
    }

    internal static AccessEvent Event(string id) => new()
    {
        Id = id,
        Time = DateTimeOffset.UnixEpoch,
        Kind = EventKinds.AccessRequest,
        Subject = new Subject { Id = "alice" },
    };

    /// <summary>Queues an event for each of <paramref name="ids"/> and waits for <paramref name="client"/>'s flush.</summary>
    private static Task SendAsync(ZtStreamClient client, params string[] ids)
    {
        foreach (var id in ids)
        {
            client.Enqueue(Event(id));
        }

        return client.FlushAsync().WaitAsync(Patience);
    }

    [Fact]
    public async Task Enqueue_QueueFull_DropsOldestAndCounts()
    {
        await using var ingest = await FakeIngest.StartAsync();
        var firstArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ingest.Reply = async request =>
        {
            if (request.Number == 1)
            {
                firstArrived.TrySetResult();
                await release.Task;
            }

            return IngestReply.Accepted;
        };
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = meters.GetRequiredService<IMeterFactory>();
        long droppedMetric = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Meter.Name == ZtStreamClient.MeterName && instrument.Name == "ztstream.sdk.events.dropped")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref droppedMetric, value));
        listener.Start();

        await using var client = new ZtStreamClient(
            Options(ingest.BaseAddress, o => { o.QueueCapacity = 3; o.BatchSize = 1; }), meterFactory: factory);
        Assert.True(client.Enqueue(Event("e0")));
        await firstArrived.Task.WaitAsync(Patience);
        for (var i = 1; i <= 5; i++)
        {
            Assert.True(client.Enqueue(Event($"e{i}")));
        }

        Assert.Equal(2, client.Dropped);
        Assert.Equal(2, Interlocked.Read(ref droppedMetric));
        release.SetResult();
        await client.FlushAsync().WaitAsync(Patience);

        Assert.Equal(["e0", "e3", "e4", "e5"], ingest.Accepted.Select(e => e.Id).Order().ToArray());
        Assert.Equal(4, client.Delivered);
    }

    [Fact]
    public async Task Send_503WithRetryAfter_WaitsAndDeliversOnce()
    {
        var sent = await RetriedOnceAsync(TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(1), "a", "b", "c");

        Assert.Equal(2, sent.Arrivals.Count);
        Assert.True(sent.Arrivals[1] - sent.Arrivals[0] >= TimeSpan.FromSeconds(7), $"retried after {sent.Arrivals[1] - sent.Arrivals[0]}");
        Assert.Equal(["a", "b", "c"], sent.Accepted);
        Assert.Equal(3, sent.Delivered);
        Assert.Equal(0, sent.Failed);
    }

    /// <summary>A proxy asking for decades: past any timer's range, the wait used to stop the sender for good.</summary>
    [Fact]
    public async Task Send_RetryAfterOfDecades_WaitsFiveMinutesAndDelivers()
    {
        var sent = await RetriedOnceAsync(TimeSpan.FromDays(365 * 60), TimeSpan.FromSeconds(10), "a");

        Assert.Equal(2, sent.Arrivals.Count);
        Assert.InRange(sent.Arrivals[1] - sent.Arrivals[0], TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(10));
        Assert.Equal(["a"], sent.Accepted);
        Assert.Equal(1, sent.Delivered);
    }

    /// <summary>
    /// Sends <paramref name="ids"/> to an Ingest that answers the first request 503 with <paramref name="retryAfter"/>
    /// and accepts the rest, on a fake clock advanced by <paramref name="step"/> at each pause until the flush is done.
    /// </summary>
    private static async Task<(List<DateTimeOffset> Arrivals, string[] Accepted, long Delivered, long Failed)> RetriedOnceAsync(
        TimeSpan retryAfter, TimeSpan step, params string[] ids)
    {
        await using var ingest = await FakeIngest.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var arrivals = new List<DateTimeOffset>();
        ingest.Reply = request =>
        {
            lock (arrivals)
            {
                arrivals.Add(time.GetUtcNow());
            }

            return Task.FromResult(request.Number == 1 ? new IngestReply(StatusCodes503, RetryAfter: retryAfter) : IngestReply.Accepted);
        };
        await using var client = new ZtStreamClient(Options(ingest.BaseAddress, o => o.RequestTimeout = TimeSpan.FromHours(1)), timeProvider: time);
        foreach (var id in ids)
        {
            client.Enqueue(Event(id));
        }

        var flushed = client.FlushAsync();
        using var deadline = new CancellationTokenSource(Patience);
        while (!flushed.IsCompleted)
        {
            // Advance only once the previous request was answered, so the retry timer is measured from it.
            await Task.Delay(20, deadline.Token);
            time.Advance(step);
        }

        await flushed;
        return (arrivals, [.. ingest.Accepted.Select(e => e.Id).Order()], client.Delivered, client.Failed);
    }

    private const int StatusCodes503 = 503;

    /// <summary>A fault that is neither the network nor Ingest costs its batch, not every event after it.</summary>
    [Fact]
    public async Task Send_UnexpectedFault_FailsThatBatchAndSendsTheNext()
    {
        await using var ingest = await FakeIngest.StartAsync();
        var calls = 0;
        using var handler = new DelegatingStub(
            new SocketsHttpHandler(),
            () => Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("not the network") : null);
        await using var client = new ZtStreamClient(Options(ingest.BaseAddress), handler);
        await SendAsync(client, "lost");
        await SendAsync(client, "next");

        Assert.Equal(1, client.Failed);
        Assert.Equal(1, client.Delivered);
        Assert.Equal(["next"], ingest.Accepted.Select(e => e.Id).ToArray());
    }

    /// <summary>
    /// An address that redirects (an ingress sending http to https, a moved service): .NET turned the POST into a GET,
    /// whose 200 counted the events delivered while they went nowhere. Not followed, they are counted failed.
    /// </summary>
    [Theory]
    [InlineData(302)]
    [InlineData(307)]
    public async Task Send_EndpointRedirects_NotFollowedAndCountedFailed(int status)
    {
        var elsewhere = 0;
        await using var app = await LoopbackApp.StartAsync(a =>
        {
            a.MapPost("/v1/events", () => Results.Redirect("/elsewhere", permanent: false, preserveMethod: status == 307));
            a.Map("/elsewhere", () =>
            {
                Interlocked.Increment(ref elsewhere);
                return Results.Ok();
            });
        });
        await using var client = new ZtStreamClient(Options(app.BaseAddress));
        await SendAsync(client, "a", "b");

        Assert.Equal(0, Volatile.Read(ref elsewhere));
        Assert.Equal(0, client.Delivered);
        Assert.Equal(2, client.Failed);
    }

    /// <summary>
    /// Ingest accepts with 202 only; a 200 or 204 comes from something else (a catch-all, a portal) and keeps nothing.
    /// A 404 or 405 says the address is not Ingest's, not that the events were wrong: failed, not rejected as invalid.
    /// </summary>
    [Theory]
    [InlineData(200)]
    [InlineData(204)]
    [InlineData(404)]
    [InlineData(405)]
    public async Task Send_AnswerIngestNeverSends_IsNotCountedDeliveredNorRejected(int status)
    {
        await using var ingest = await FakeIngest.StartAsync();
        ingest.Reply = _ => Task.FromResult(new IngestReply(status));
        await using var client = new ZtStreamClient(Options(ingest.BaseAddress));
        await SendAsync(client, "a");

        Assert.Single(ingest.Requests);
        Assert.Equal(0, client.Delivered);
        Assert.Equal(0, client.Rejected);
        Assert.Equal(1, client.Failed);
    }

    /// <summary>Runs <c>before</c> ahead of every request, which may throw or answer in its place; else sends it on.</summary>
    private sealed class DelegatingStub(HttpMessageHandler inner, Func<HttpResponseMessage?> before) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            before() is { } answer ? Task.FromResult(answer) : base.SendAsync(request, cancellationToken);
    }

    /// <summary>
    /// Something at the endpoint (a proxy's error page, a broken Ingest) answering with an endless body: the client
    /// buffered up to 2 GB of it before looking at the status. It reads no more than Ingest's answers need, then
    /// retries as for any failed send.
    /// </summary>
    [Fact]
    public async Task Send_AnswerWithAnEndlessBody_IsReadNoFurtherThanTheAnswerLimit()
    {
        await using var ingest = await FakeIngest.StartAsync();
        var endless = new CountingStream(data: null, 64L * 1024 * 1024);
        var calls = 0;
        using var handler = new DelegatingStub(
            new SocketsHttpHandler(),
            () => Interlocked.Increment(ref calls) == 1 ? new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new StreamContent(endless) } : null);
        await using var client = new ZtStreamClient(Options(ingest.BaseAddress, o => o.MinBackoff = o.MaxBackoff = TimeSpan.FromMilliseconds(10)), handler);
        await SendAsync(client, "a");

        Assert.InRange(endless.BytesRead, 1, ZtStreamClient.MaxAnswerBytes + 1024 * 1024);
        Assert.Equal(1, client.Delivered);
    }

    [Fact]
    public async Task Send_207WithInvalidItem_CountsItRejectedAndDoesNotRetry()
    {
        await using var ingest = await FakeIngest.StartAsync();
        ingest.Reply = _ => Task.FromResult(new IngestReply(207, Invalid: [1]));
        await using var client = new ZtStreamClient(Options(ingest.BaseAddress));
        await SendAsync(client, "a", "bad", "c");

        Assert.Single(ingest.Requests);
        Assert.Equal(1, client.Rejected);
        Assert.Equal(2, client.Delivered);
    }

    [Fact]
    public async Task Send_400NamingSomeItems_ResendsOnlyTheGoodOnesOnce()
    {
        await using var ingest = await FakeIngest.StartAsync();
        ingest.Reply = r => Task.FromResult(r.Number == 1 ? new IngestReply(400, Invalid: [0, 2]) : IngestReply.Accepted);
        await using var client = new ZtStreamClient(Options(ingest.BaseAddress));
        await SendAsync(client, "bad1", "b", "bad2", "d");

        Assert.Equal(2, ingest.Requests.Count);
        Assert.Equal(["b", "d"], ingest.Requests[1].Events.Select(e => e.Id).ToArray());
        Assert.Equal(2, client.Rejected);
        Assert.Equal(2, client.Delivered);
    }

    [Fact]
    public async Task Send_400ForEveryItem_RejectsWithoutRetry()
    {
        await using var ingest = await FakeIngest.StartAsync();
        ingest.Reply = _ => Task.FromResult(new IngestReply(400));
        await using var client = new ZtStreamClient(Options(ingest.BaseAddress));
        await SendAsync(client, "a", "b");
        await SendAsync(client, "c");

        // Each event went out once (how "a" and "b" were batched is the sender's timing): a retry would send one again.
        Assert.Equal(["a", "b", "c"], ingest.Requests.SelectMany(r => r.Events).Select(e => e.Id).ToArray());
        Assert.Equal(3, client.Rejected);
        Assert.Equal(0, client.Delivered);
    }

    [Fact]
    public async Task Send_413TooLarge_SplitsUntilPartsFit()
    {
        await using var ingest = await FakeIngest.StartAsync();
        ingest.Reply = r => Task.FromResult(r.Events.Count > 2 ? new IngestReply(413) : IngestReply.Accepted);

        // Nothing leaves before the flush (a busy machine could otherwise let the 1 s flush interval send a first part).
        await using var client = new ZtStreamClient(Options(ingest.BaseAddress, o => o.FlushInterval = TimeSpan.FromMinutes(5)));
        await SendAsync(client, [.. Enumerable.Range(0, 7).Select(i => $"e{i}")]);

        Assert.Equal(7, client.Delivered);
        Assert.Equal(7, ingest.Accepted.Select(e => e.Id).Distinct().Count());
        Assert.Contains(ingest.Requests, r => r.Events.Count == 7);
        Assert.All(ingest.Requests.Where(r => r.Events.Count <= 2), r => Assert.NotEmpty(r.Events));
    }

    /// <summary>
    /// A flush ends the sender's wait for more events; an event written at that moment could win the wake-up and be
    /// left for a second request. Rare on one test, so it is asked a hundred times (it failed a few times in a hundred
    /// when other tests ran beside it).
    /// </summary>
    [Fact]
    public async Task Flush_EventsQueuedBeforeIt_LeaveInOneRequest()
    {
        var split = new List<string>();
        for (var n = 0; n < 100; n++)
        {
            await using var ingest = await FakeIngest.StartAsync();
            await using var client = new ZtStreamClient(Options(ingest.BaseAddress));
            await SendAsync(client, "a", "b", "c", "d");

            if (ingest.Requests.Count != 1)
            {
                split.Add($"#{n}: " + string.Join(" | ", ingest.Requests.Select(r => string.Join(",", r.Events.Select(e => e.Id)))));
            }
        }

        Assert.True(split.Count == 0, string.Join("\n", split));
    }

    [Fact]
    public async Task Send_SourceKeyRefused_FailsWithoutRetry()
    {
        await using var ingest = await FakeIngest.StartAsync();
        ingest.Reply = _ => Task.FromResult(new IngestReply(401));
        await using var client = new ZtStreamClient(Options(ingest.BaseAddress));
        await SendAsync(client, "a");

        Assert.Single(ingest.Requests);
        Assert.Equal("Bearer test-key", ingest.Requests[0].Authorization);
        Assert.Equal(1, client.Failed);
    }

    [Fact]
    public async Task Send_IngestAwayPastMaxAttempts_KeepsTheBatchWhileTheQueueHasRoom()
    {
        // Ingest away for more attempts than MaxAttempts, then back: nothing needed the room, so nothing is lost.
        await using var ingest = await FakeIngest.StartAsync();
        ingest.Reply = request => Task.FromResult(request.Number <= 6 ? new IngestReply(StatusCodes503) : IngestReply.Accepted);
        await using var client = new ZtStreamClient(Options(ingest.BaseAddress, o => o.MaxAttempts = 2));
        await SendAsync(client, "e0", "e1", "e2", "e3", "e4");

        Assert.Equal(5, client.Delivered);
        Assert.Equal(0, client.Failed);
        Assert.Equal(["e0", "e1", "e2", "e3", "e4"], ingest.Accepted.Select(e => e.Id).Order().ToArray());
    }

    [Fact]
    public async Task Send_IngestAwayAndTheQueueFull_GivesTheOldestBatchUpAfterMaxAttemptsWithoutThrowing()
    {
        await using var ingest = await FakeIngest.StartAsync();
        ingest.Reply = _ => Task.FromResult(new IngestReply(StatusCodes503));
        await using var client = new ZtStreamClient(Options(ingest.BaseAddress, o =>
        {
            o.MaxAttempts = 3;
            o.BatchSize = 2;
            o.QueueCapacity = 3;
            o.ShutdownTimeout = TimeSpan.FromMilliseconds(100);
        }));
        Assert.True(client.Enqueue(Event("e0")));
        Assert.True(client.Enqueue(Event("e1")));
        await Eventually.HoldsAsync(() => ingest.Requests.Count >= 1, "the first batch was sent");

        // The queue behind the batch fills: now the batch holds newer events back, so it goes after MaxAttempts.
        for (var i = 2; i < 5; i++)
        {
            Assert.True(client.Enqueue(Event($"e{i}")));
        }

        await Eventually.HoldsAsync(() => client.Failed == 2, "the oldest batch was given up");
        Assert.Equal(0, client.Delivered);
        Assert.Equal(0, client.Dropped);
        Assert.True(ingest.Requests.Count >= 3, $"{ingest.Requests.Count} requests before giving up");
    }

    [Fact]
    public async Task Dispose_SendsWhatIsQueued()
    {
        await using var ingest = await FakeIngest.StartAsync();
        var client = new ZtStreamClient(Options(ingest.BaseAddress, o => o.FlushInterval = TimeSpan.FromHours(1)));
        client.Enqueue(Event("a"));
        client.Enqueue(Event("b"));
        await client.DisposeAsync().AsTask().WaitAsync(Patience);

        Assert.Equal(["a", "b"], ingest.Accepted.Select(e => e.Id).Order().ToArray());
        Assert.False(client.Enqueue(Event("late")));
    }

    [Fact]
    public async Task Dispose_IngestHangs_ReturnsAfterShutdownTimeoutAndCountsTheRest()
    {
        await using var ingest = await FakeIngest.StartAsync();
        var never = new TaskCompletionSource<IngestReply>();
        ingest.Reply = _ => never.Task;
        var client = new ZtStreamClient(Options(ingest.BaseAddress, o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200)));
        client.Enqueue(Event("a"));
        await client.DisposeAsync().AsTask().WaitAsync(Patience);

        Assert.Equal(1, client.Failed);
        never.SetResult(IngestReply.Accepted);
    }

    [Fact]
    public async Task Enqueue_ManyThreadsIntoASmallQueue_EveryEventDeliveredOrCountedDropped()
    {
        await using var ingest = await FakeIngest.StartAsync();
        await using var client = new ZtStreamClient(Options(ingest.BaseAddress, o => { o.QueueCapacity = 50; o.BatchSize = 20; }));
        const int threads = 4, perThread = 500;
        await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < perThread; i++)
            {
                client.Enqueue(Event($"{t}-{i}"));
            }
        })));
        await client.FlushAsync().WaitAsync(Patience);

        Assert.Equal(threads * perThread, client.Delivered + client.Dropped);
        Assert.Equal(client.Delivered, ingest.Accepted.Count);
        Assert.Equal(ingest.Accepted.Count, ingest.Accepted.Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public void Constructor_InvalidOptions_ListsEveryProblem()
    {
        var options = new ZtStreamOptions { Endpoint = new Uri("ftp://x"), BatchSize = 0, MaxAttempts = 0, FlushInterval = TimeSpan.Zero };
        var ex = Assert.Throws<ArgumentException>(() => new ZtStreamClient(options));

        Assert.Contains("Endpoint", ex.Message, StringComparison.Ordinal);
        Assert.Contains("SourceKey", ex.Message, StringComparison.Ordinal);
        Assert.Contains("BatchSize", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MaxAttempts", ex.Message, StringComparison.Ordinal);
        Assert.Contains("FlushInterval", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>An address nothing listens on.</summary>
    internal static Uri ClosedPort()
    {
        return new Uri($"http://127.0.0.1:{ZtStream.TestSupport.Services.LocalProcess.FreePort()}");
    }
}
