using System.Net.Http.Headers;
using System.Numerics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;

namespace ZtStream.Sdk;

/// <summary>
/// Sends access events to ZtStream Ingest in batches from a bounded in-memory queue. <see cref="Enqueue"/> never
/// blocks and never throws; when the queue is full the oldest event is dropped and counted (<see cref="Dropped"/>,
/// metric <c>ztstream.sdk.events.dropped</c> of meter <c>ZtStream.Sdk</c>). Failed sends are retried with
/// exponential backoff and jitter, honouring <c>Retry-After</c> on 429/503 (bounded); events Ingest refuses as invalid are
/// counted (<see cref="Rejected"/>) and never retried. Disposal sends what is queued, bounded by
/// <see cref="ZtStreamOptions.ShutdownTimeout"/>. Thread-safe; one instance per process.
/// </summary>
public sealed class ZtStreamClient : IAsyncDisposable, IDisposable
{
    /// <summary>Name of the <see cref="Meter"/> the SDK publishes its metrics on.</summary>
    public const string MeterName = SdkMetrics.MeterName;

    /// <summary>Where events go, below <see cref="ZtStreamOptions.Endpoint"/>.</summary>
    internal const string EventsPath = "/v1/events";

    /// <summary>
    /// Most bytes of an answer read. Ingest's largest, a 400 naming every item of a full batch, is well under it; a
    /// larger one (a proxy's page, a broken endpoint) fails the send, which is retried, instead of being held whole.
    /// </summary>
    internal const int MaxAnswerBytes = 4 * 1024 * 1024;

    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json");

    private readonly ZtStreamOptions _options;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SdkMetrics _metrics;
    private readonly Uri _eventsUri;
    private readonly TimeSpan _longestRetryAfter;
    private readonly Channel<AccessEvent> _queue;
    private readonly CancellationTokenSource _abort = new();
    private readonly Task _sender;

    private long _enqueued;
    private long _processed;
    private long _flushTarget;
    private long _dropped;
    private long _delivered;
    private long _rejected;
    private long _failed;
    private int _disposed;
    private CancellationTokenSource? _linger;
    private TaskCompletionSource _progress = NewSignal();

    /// <summary>Creates a client and starts its sender.</summary>
    /// <param name="options">Validated settings; every problem is listed in the <see cref="ArgumentException"/>.</param>
    /// <param name="handler">HTTP handler towards Ingest; a pooled <see cref="SocketsHttpHandler"/> when null.</param>
    /// <param name="timeProvider">Clock for batching and backoff; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    /// <param name="meterFactory">Metrics; a standalone <c>ZtStream.Sdk</c> meter when null.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public ZtStreamClient(
        ZtStreamOptions options,
        HttpMessageHandler? handler = null,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        IMeterFactory? meterFactory = null)
        : this(options, handler, timeProvider, loggerFactory, new SdkMetrics(meterFactory))
    {
    }

    internal ZtStreamClient(
        ZtStreamOptions options,
        HttpMessageHandler? handler,
        TimeProvider? timeProvider,
        ILoggerFactory? loggerFactory,
        SdkMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = ZtStreamOptionsValidator.Validate(options);
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid ZtStream options: " + string.Join(" ", problems), nameof(options));
        }

        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)loggerFactory?.CreateLogger<ZtStreamClient>() ?? NullLogger.Instance;
        _metrics = metrics;
        _eventsUri = Combine(options.Endpoint!, EventsPath);
        _longestRetryAfter = options.MaxBackoff > Backoff.LongestRetryAfter ? options.MaxBackoff : Backoff.LongestRetryAfter;
        _ownsHttp = true;
        // Timeouts are applied per request from the injected clock, so the client's own timeout is off.
        // Redirects are not followed: .NET would turn the POST into a GET whose 200 looked like delivery, or carry the
        // events to an address the https rule never saw.
        _http = new HttpClient(
            handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2), AllowAutoRedirect = false },
            disposeHandler: handler is null)
        {
            Timeout = Timeout.InfiniteTimeSpan,
            MaxResponseContentBufferSize = MaxAnswerBytes,
        };
        _queue = Channel.CreateBounded<AccessEvent>(
            new BoundedChannelOptions(options.QueueCapacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                SingleWriter = false,
                AllowSynchronousContinuations = false,
            },
            OnDropped);
        _sender = Task.Run(RunAsync);
    }

    /// <summary>Events dropped because the queue was full (the oldest go first).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Events Ingest accepted.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Events Ingest refused as invalid (400/207 per-item errors); they are not retried.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Events given up: retry limit reached with the queue full, source key refused, or shutdown timeout.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Events waiting in the queue now.</summary>
    public int Pending => _queue.Reader.Count;

    /// <summary>
    /// Queues an event for sending. Never blocks and never throws: returns false only when the event is null or the
    /// client is disposed. When the queue is full the oldest queued event is dropped to make room.
    /// </summary>
    public bool Enqueue(AccessEvent accessEvent)
    {
        if (accessEvent is null || Volatile.Read(ref _disposed) != 0 || !_queue.Writer.TryWrite(accessEvent))
        {
            return false;
        }

        Interlocked.Increment(ref _enqueued);
        _metrics.Enqueued.Add(1);
        return true;
    }

    /// <summary>
    /// Sends everything queued before the call without waiting for the batch interval, and completes when those
    /// events are delivered, rejected, dropped or given up. Never throws except for <paramref name="cancellationToken"/>.
    /// </summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var target = Interlocked.Read(ref _enqueued);
        long current;
        do
        {
            current = Interlocked.Read(ref _flushTarget);
        }
        while (current < target && Interlocked.CompareExchange(ref _flushTarget, target, current) != current);

        CancelLinger();
        while (true)
        {
            var signal = Volatile.Read(ref _progress).Task;
            if (Interlocked.Read(ref _processed) >= target || _sender.IsCompleted)
            {
                return;
            }

            await signal.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Stops accepting events, sends what is queued (bounded by <see cref="ZtStreamOptions.ShutdownTimeout"/>), and releases the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        CancelLinger();
        try
        {
            await _sender.WaitAsync(_options.ShutdownTimeout, _time);
        }
        catch (TimeoutException)
        {
            await _abort.CancelAsync();
            await _sender;
        }

        if (_ownsHttp)
        {
            _http.Dispose();
        }

        _abort.Dispose();
    }

    /// <inheritdoc cref="DisposeAsync"/>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    internal static Uri Combine(Uri baseUri, string path) => new(baseUri.AbsoluteUri.TrimEnd('/') + path);

    private void OnDropped(AccessEvent dropped)
    {
        var total = Interlocked.Increment(ref _dropped);
        _metrics.Dropped.Add(1, new KeyValuePair<string, object?>("reason", "queue_full"));
        Processed(1);
        // One log line per power of two keeps a flood of drops from flooding the log too.
        if (BitOperations.IsPow2(total))
        {
            _logger.QueueFull(total);
        }
    }

    private async Task RunAsync()
    {
        var batch = new List<AccessEvent>(_options.BatchSize);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(_abort.Token))
            {
                await FillAsync(batch);
                if (batch.Count > 0)
                {
                    await SendAsync(batch, _abort.Token);
                    batch.Clear();
                }
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            // Shutdown timeout: what is left is counted below.
        }
        catch (Exception ex)
        {
            _logger.SenderCrashed(ex);
        }

        var abandoned = batch.Count;
        while (_queue.Reader.TryRead(out _))
        {
            abandoned++;
        }

        if (abandoned > 0)
        {
            _logger.ShutdownAbandoned(abandoned);
            Fail(abandoned);
        }

        Signal();
    }

    /// <summary>Takes queued events until the batch is full, the flush interval since its first event passes, or a flush is asked for.</summary>
    private async Task FillAsync(List<AccessEvent> batch)
    {
        var started = _time.GetTimestamp();
        while (batch.Count < _options.BatchSize)
        {
            if (_queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
                continue;
            }

            var remaining = _options.FlushInterval - _time.GetElapsedTime(started);
            if (batch.Count == 0 || remaining <= TimeSpan.Zero)
            {
                return;
            }

            if (FlushRequested || Volatile.Read(ref _disposed) != 0)
            {
                // An event written after the failed read above and before the flush was asked is queued before the flush:
                // read once more now that the flush is seen, so it leaves in this batch rather than a second request.
                if (!_queue.Reader.TryRead(out var late))
                {
                    return;
                }

                batch.Add(late);
                continue;
            }

            using var linger = new CancellationTokenSource(remaining, _time);
            Volatile.Write(ref _linger, linger);
            try
            {
                // Re-checked after publishing the linger source, so a flush asked in between is not missed; either way
                // the loop takes what is queued by now before it returns (above), so a flush sends it in this batch.
                if (!FlushRequested && !await _queue.Reader.WaitToReadAsync(linger.Token))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (!_abort.IsCancellationRequested)
            {
                // A flush, disposal or the interval ended the wait. An event written as it ended may have lost the race
                // to wake this wait, so it is not returned from here: the next turn reads the queue first, then returns.
            }
            finally
            {
                Volatile.Write(ref _linger, null);
            }
        }
    }

    private bool QueueFull => _queue.Reader.Count >= _options.QueueCapacity;

    private bool FlushRequested => Interlocked.Read(ref _flushTarget) > Interlocked.Read(ref _processed);

    private void CancelLinger()
    {
        try
        {
            Volatile.Read(ref _linger)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The sender finished lingering meanwhile.
        }
    }

    private async Task SendAsync(List<AccessEvent> batch, CancellationToken cancellationToken)
    {
        var pending = batch;
        for (var attempt = 1; ; attempt++)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(pending, ContractsJsonContext.Default.ListAccessEvent);
            string reason;
            TimeSpan? retryAfter = null;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, _eventsUri);
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = JsonMediaType;
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.SourceKey);
                using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token);
                var status = response.StatusCode;
                switch ((int)status)
                {
                    case 202:
                        // Ingest's only full acceptance, sent once the event log has the batch.
                        Deliver(pending.Count);
                        return;
                    case 207 or 400 or 422:
                    {
                        var content = await response.Content.ReadAsByteArrayAsync(linked.Token);
                        var (invalid, detail) = IngestResponse.ReadInvalidItems(content, pending.Count);
                        if (status == HttpStatusCode.MultiStatus)
                        {
                            // 207: the good items were accepted, the named ones refused.
                            Reject(invalid.Count, pending.Count, status, detail);
                            Deliver(pending.Count - invalid.Count);
                            return;
                        }

                        if (invalid.Count == 0 || invalid.Count == pending.Count)
                        {
                            Reject(pending.Count, pending.Count, status, detail);
                            return;
                        }

                        // 400 naming only some items: nothing was accepted, so the good ones go again, once more, at once.
                        Reject(invalid.Count, pending.Count, status, detail);
                        pending = Without(pending, invalid);
                        attempt--;
                        continue;
                    }

                    case 413 when pending.Count > 1:
                    {
                        // Over Ingest's body or item limit: halve until each part fits; a single item too large is rejected below.
                        var half = pending.Count / 2;
                        await SendAsync(pending.GetRange(0, half), cancellationToken);
                        await SendAsync(pending.GetRange(half, pending.Count - half), cancellationToken);
                        return;
                    }

                    case 401 or 403:
                        _logger.SourceKeyRefused(status, pending.Count);
                        Fail(pending.Count);
                        return;
                    case < 400 or 404 or 405:
                        // Another 2xx, a redirect, or no such resource: not Ingest answering, so nothing says the events
                        // were kept, nor that they were wrong.
                        _logger.NotIngest((int)status, response.Headers.Location?.ToString() ?? "none", pending.Count);
                        Fail(pending.Count);
                        return;
                    case 408 or 429 or >= 500:
                        reason = $"HTTP {(int)status}";
                        retryAfter = Backoff.RetryAfter(response.Headers.RetryAfter, _time.GetUtcNow(), _longestRetryAfter);
                        break;
                    default:
                        // Any other 4xx says the request itself is wrong; sending it again cannot help.
                        Reject(pending.Count, pending.Count, status, $"HTTP {(int)status}");
                        return;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
            {
                reason = ex is OperationCanceledException ? "timeout" : ex.Message;
            }
            catch (Exception ex)
            {
                // Not the network nor Ingest: sending again cannot help. It costs these events, not every one after them.
                _logger.SendFaulted(ex, pending.Count);
                Fail(pending.Count);
                return;
            }

            // While Ingest is away a batch waits for it as long as the queue behind it has room: giving it up then
            // would lose events nothing needs the room of. Once the queue is full, newer events are being dropped for
            // this older batch, so after MaxAttempts it goes first, as the oldest would (DropOldest).
            if (attempt >= _options.MaxAttempts && QueueFull)
            {
                _logger.SendGaveUp(pending.Count, attempt, reason);
                Fail(pending.Count);
                return;
            }

            var delay = retryAfter ?? Backoff.Delay(attempt, _options.MinBackoff, _options.MaxBackoff, Random.Shared.NextDouble());
            _logger.SendRetrying(pending.Count, attempt, reason, delay);
            _metrics.Retries.Add(1);
            await Task.Delay(delay, _time, cancellationToken);
        }
    }

    private static List<AccessEvent> Without(List<AccessEvent> items, HashSet<int> indices)
    {
        var kept = new List<AccessEvent>(items.Count - indices.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (!indices.Contains(i))
            {
                kept.Add(items[i]);
            }
        }

        return kept;
    }

    private void Deliver(int count)
    {
        if (count <= 0)
        {
            return;
        }

        Interlocked.Add(ref _delivered, count);
        _metrics.Delivered.Add(count);
        Processed(count);
    }

    private void Reject(int count, int of, HttpStatusCode status, string detail)
    {
        if (count <= 0)
        {
            return;
        }

        _logger.EventsRejected(count, of, status, detail);
        Interlocked.Add(ref _rejected, count);
        _metrics.Rejected.Add(count);
        Processed(count);
    }

    private void Fail(int count)
    {
        Interlocked.Add(ref _failed, count);
        _metrics.Failed.Add(count);
        Processed(count);
    }

    private void Processed(int count)
    {
        var now = Interlocked.Add(ref _processed, count);
        // Only a waiting flush needs waking; skipping the signal otherwise keeps a flood of drops allocation-free.
        if (Interlocked.Read(ref _flushTarget) > now - count)
        {
            Signal();
        }
    }

    private void Signal() => Interlocked.Exchange(ref _progress, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
