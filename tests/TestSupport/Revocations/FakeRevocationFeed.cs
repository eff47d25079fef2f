namespace ZtStream.TestSupport.Revocations;

/// <summary>
/// A Responder stand-in on loopback Kestrel that speaks the revocation feed contract
/// (<see cref="RevocationFeed"/>): the snapshot, and the SSE stream resumed from <c>Last-Event-ID</c>. Tests publish
/// entries, drop the open streams, or make the feed unavailable, and read which <c>Last-Event-ID</c>s clients sent.
/// </summary>
public sealed class FakeRevocationFeed : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<Revocation> _entries = [];
    private readonly Lock _gate = new();
    private readonly ConcurrentQueue<string?> _streamRequests = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource _drop = new();
    private int _snapshotRequests;

    private FakeRevocationFeed(WebApplication app) => _app = app;

    /// <summary>Base address (http://127.0.0.1:port).</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>When false every request is answered 503, as an unreachable Responder would be.</summary>
    public bool Available { get; set; } = true;

    /// <summary>Snapshot requests served.</summary>
    public int SnapshotRequests => Volatile.Read(ref _snapshotRequests);

    /// <summary>The <c>Last-Event-ID</c> of every stream request, in order (null when absent).</summary>
    public IReadOnlyList<string?> StreamRequests => [.. _streamRequests];

    /// <summary>The feed's current version.</summary>
    public long Version
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count == 0 ? 0 : _entries[^1].Version;
            }
        }
    }

    public static async Task<FakeRevocationFeed> StartAsync()
    {
        var builder = LoopbackApp.CreateBuilder();
        var app = builder.Build();
        var feed = new FakeRevocationFeed(app);
        app.MapGet(RevocationFeed.SnapshotPath, feed.SnapshotAsync);
        app.MapGet(RevocationFeed.StreamPath, feed.StreamAsync);
        feed.BaseAddress = await LoopbackApp.StartAsync(app);
        return feed;
    }

    /// <summary>Appends an entry with the next version and pushes it to connected streams.</summary>
    public Revocation Publish(string? jti = null, string? sessionId = null, string? subjectId = null, DateTimeOffset? notBefore = null, DateTimeOffset? expiresAt = null, string? reason = null)
    {
        Revocation entry;
        TaskCompletionSource changed;
        lock (_gate)
        {
            entry = new Revocation
            {
                Version = (_entries.Count == 0 ? 0 : _entries[^1].Version) + 1,
                Jti = jti,
                SessionId = sessionId,
                SubjectId = subjectId,
                NotBefore = notBefore,
                RevokedAt = DateTimeOffset.UtcNow,
                ExpiresAt = expiresAt,
                Reason = reason ?? "test",
            };
            _entries.Add(entry);
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
        return entry;
    }

    /// <summary>Aborts every open stream connection, as a crashing server or a broken network would.</summary>
    public void DropStreams()
    {
        CancellationTokenSource old;
        lock (_gate)
        {
            old = _drop;
            _drop = new CancellationTokenSource();
        }

        old.Cancel();
        old.Dispose();
    }

    /// <summary>Waits until at least <paramref name="count"/> stream requests arrived.</summary>
    public async Task WaitForStreamRequestsAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (_streamRequests.Count < count)
        {
            await Task.Delay(10, cts.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        DropStreams();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task SnapshotAsync(HttpContext context)
    {
        if (!Available)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        Interlocked.Increment(ref _snapshotRequests);
        RevocationSnapshot snapshot;
        lock (_gate)
        {
            snapshot = new RevocationSnapshot { Version = _entries.Count == 0 ? 0 : _entries[^1].Version, Revocations = [.. _entries] };
        }

        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, snapshot, ContractsJsonContext.Default.RevocationSnapshot, context.RequestAborted);
    }

    private async Task StreamAsync(HttpContext context)
    {
        var lastEventId = context.Request.Headers["Last-Event-ID"].FirstOrDefault();
        _streamRequests.Enqueue(lastEventId);
        if (!Available)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        var last = long.TryParse(lastEventId, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;
        CancellationToken dropped;
        lock (_gate)
        {
            dropped = _drop.Token;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(dropped, context.RequestAborted);
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        try
        {
            await context.Response.Body.FlushAsync(linked.Token);
            while (true)
            {
                Task changed;
                List<Revocation> pending = [];
                lock (_gate)
                {
                    changed = _changed.Task;
                    foreach (var e in _entries)
                    {
                        if (e.Version > last)
                        {
                            pending.Add(e);
                        }
                    }
                }

                foreach (var e in pending)
                {
                    var json = JsonSerializer.Serialize(e, ContractsJsonContext.Default.Revocation);
                    await context.Response.WriteAsync($"event: {RevocationFeed.EventName}\nid: {e.Version}\ndata: {json}\n\n", linked.Token);
                    last = e.Version;
                }

                await context.Response.Body.FlushAsync(linked.Token);
                await changed.WaitAsync(linked.Token);
            }
        }
        catch (OperationCanceledException) when (dropped.IsCancellationRequested)
        {
            context.Abort();
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
    }
}
