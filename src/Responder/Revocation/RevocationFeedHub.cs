namespace ZtStream.Responder.Revocation;

/// <summary>
/// One feed item as it goes on the wire (<c>event</c>, <c>id</c>, <c>data</c>), rendered once for every stream: plain
/// (<see cref="Text"/>) and signed (<see cref="Signed"/>, at the timestamp <see cref="SignedAt"/>).
/// </summary>
internal sealed record SseItem(long Version, string Text, FeedItem Item, string Signed, long SignedAt);

/// <summary>
/// The one reader of the revocation list on behalf of every stream: it reads what is new from the store when this
/// process lists or lifts an entry (woken at once through the feed's <see cref="WakeSignal"/>) or every
/// <see cref="RevocationFeedOptions.PollInterval"/> for what other instances wrote, keeps the last
/// <see cref="RevocationFeedOptions.BufferSize"/> items rendered in memory, and wakes the streams, which write from
/// memory. A thousand SDKs cost one store query per change, not a thousand per second; a stream further behind than
/// the buffer catches up from the store once.
/// </summary>
internal sealed class RevocationFeedHub(
    RevocationStore store,
    FeedSigner signer,
    [FromKeyedServices(RevocationFeedEndpoints.WakeKey)] WakeSignal written,
    IOptions<RevocationFeedOptions> options,
    ResponderTelemetry metrics,
    TimeProvider time,
    ILogger<RevocationFeedHub> logger) : BackgroundService
{
    public const int BatchSize = 500;

    private readonly Lock gate = new();
    private readonly WakeSignal updated = new();
    private readonly Queue<SseItem> buffer = new();

    // Items with a version above `complete` are all in the buffer (or were evicted, which raises it); -1 until loaded.
    private long complete = -1;
    private long latest;

    private long catchUps;

    /// <summary>Store reads made for every stream at once: one per change, however many streams follow.</summary>
    public long Reads { get; private set; }

    /// <summary>Store reads made for one stream that was further behind than the buffer.</summary>
    public long CatchUps => Interlocked.Read(ref catchUps);

    /// <summary>A task completing when new items are in the buffer (take it before <see cref="ReadAsync"/>).</summary>
    public Task NextAsync() => updated.NextAsync();

    /// <summary>
    /// The items after <paramref name="after"/> (at most <see cref="BatchSize"/> when they come from the store): from
    /// memory, or from the store for a stream further behind than the buffer.
    /// </summary>
    public async Task<IReadOnlyList<SseItem>> ReadAsync(long after, CancellationToken cancellationToken)
    {
        var into = new List<SseItem>();
        if (TryRead(after, into))
        {
            return into;
        }

        Interlocked.Increment(ref catchUps);
        metrics.FeedRead("catch_up");
        await signer.ReadyAsync(cancellationToken);
        return [.. (await store.SinceAsync(after, BatchSize, cancellationToken)).Select(Render)];
    }

    /// <summary>Adds every buffered item after <paramref name="after"/> to <paramref name="into"/>; false when the buffer cannot tell (not loaded yet, or evicted past it).</summary>
    private bool TryRead(long after, List<SseItem> into)
    {
        lock (gate)
        {
            if (complete < 0 || after < complete)
            {
                return false;
            }

            foreach (var item in buffer)
            {
                if (item.Version > after)
                {
                    into.Add(item);
                }
            }

            return true;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poll = options.Value.PollInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            // Taken before reading, so an entry written during the read still wakes the next wait.
            var wake = written.NextAsync();
            var full = false;
            try
            {
                if (complete < 0)
                {
                    var version = await store.VersionAsync(stoppingToken);
                    lock (gate)
                    {
                        latest = complete = version;
                    }
                }

                await signer.ReadyAsync(stoppingToken);
                var items = await store.SinceAsync(latest, BatchSize, stoppingToken);
                Reads++;
                metrics.FeedRead("shared");
                if (items.Count > 0)
                {
                    Append(items);
                    updated.Set();
                }

                full = items.Count == BatchSize;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                ResponderLog.FeedReadFailed(logger, ex);
            }

            if (!full)
            {
                await ((Task)Task.WhenAny(wake, Task.Delay(poll, time, stoppingToken))).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private void Append(IReadOnlyList<FeedItem> items)
    {
        var max = options.Value.BufferSize;
        lock (gate)
        {
            foreach (var item in items)
            {
                buffer.Enqueue(Render(item));
                latest = item.Version;
            }

            while (buffer.Count > max)
            {
                complete = buffer.Dequeue().Version;
            }
        }
    }

    /// <summary>The SSE message of one item, plain and signed.</summary>
    private SseItem Render(FeedItem item)
    {
        var text = EventStream.AppendEvent(
            new StringBuilder(256),
            item.Lift is null ? RevocationFeed.EventName : RevocationFeed.LiftEventName,
            item.Version,
            item.Lift is { } lift
                ? JsonSerializer.Serialize(lift, ContractsJsonContext.Default.RevocationLift)
                : JsonSerializer.Serialize(item.Entry!, ContractsJsonContext.Default.Revocation));
        return new SseItem(item.Version, text.ToString(), item, signer.Event(item), time.GetTimestamp());
    }

    /// <summary>
    /// The signed message of <paramref name="item"/> to write now: the one signed when it was read, unless that was a
    /// keep-alive interval or more ago (a stream catching up on old items), then signed afresh, so no signed message
    /// leaves older than the keep-alive interval and an SDK's freshness bound holds for every one.
    /// </summary>
    public string Signed(SseItem item) =>
        time.GetElapsedTime(item.SignedAt) < options.Value.KeepAlive ? item.Signed : signer.Event(item.Item);
}
