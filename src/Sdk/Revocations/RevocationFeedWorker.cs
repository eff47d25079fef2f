using System.Globalization;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using ZtStream.Contracts.Revocations;
using ZtStream.Contracts.Serialization;
using ZtStream.Sdk.Client;
using ZtStream.Sdk.Telemetry;

namespace ZtStream.Sdk.Revocations;

/// <summary>
/// Keeps <see cref="RevocationList"/> current from the Responder: the snapshot, then the SSE stream resumed with
/// <c>Last-Event-ID</c>; reconnects with backoff. Does nothing when no feed is configured.
/// </summary>
internal sealed class RevocationFeedWorker : BackgroundService
{
    private readonly ZtStreamRevocationOptions _options;
    private readonly RevocationList _list;
    private readonly IHttpClientFactory _httpFactory;
    private readonly TimeProvider _time;
    private readonly SdkMetrics _metrics;
    private readonly ILogger<RevocationFeedWorker> _logger;
    private int _failures;

    public const string HttpClientName = "ZtStream.Sdk.Revocations";

    public RevocationFeedWorker(
        IOptions<ZtStreamOptions> options,
        RevocationList list,
        IHttpClientFactory httpFactory,
        TimeProvider time,
        SdkMetrics metrics,
        ILogger<RevocationFeedWorker> logger)
    {
        _options = options.Value.Revocations;
        _list = list;
        _httpFactory = httpFactory;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.Feed is null)
        {
            return;
        }

        var snapshotUri = ZtStreamClient.Combine(_options.Feed, RevocationFeed.SnapshotPath);
        var streamUri = ZtStreamClient.Combine(_options.Feed, RevocationFeed.StreamPath);
        var needSnapshot = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            string reason;
            try
            {
                using var http = _httpFactory.CreateClient(HttpClientName);
                if (needSnapshot)
                {
                    await LoadSnapshotAsync(http, snapshotUri, stoppingToken);
                    needSnapshot = false;
                }

                await FollowAsync(http, streamUri, stoppingToken);
                _logger.FeedEnded(_list.Version);
                reason = "stream ended";
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (FeedRefusedException ex)
            {
                // The server would not resume from our version (restarted, or the entries are gone): start over.
                needSnapshot = true;
                reason = ex.Message;
            }
            catch (OperationCanceledException)
            {
                reason = "no data or keep-alive within the idle timeout, or a request timed out";
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException)
            {
                reason = ex.Message;
            }
            finally
            {
                _list.MarkDisconnected();
            }

            var failures = ++_failures;
            _metrics.FeedReconnects.Add(1);
            var delay = Backoff.Delay(failures, _options.MinReconnectDelay, _options.MaxReconnectDelay, Random.Shared.NextDouble());
            _logger.FeedFailed(failures, reason, delay);
            await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task LoadSnapshotAsync(HttpClient http, Uri uri, CancellationToken cancellationToken)
    {
        using var request = NewRequest(uri, "application/json");
        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(linked.Token);
        var snapshot = await JsonSerializer.DeserializeAsync(body, ContractsJsonContext.Default.RevocationSnapshot, linked.Token)
            ?? throw new JsonException("empty revocation snapshot");
        _list.Load(snapshot);
        _logger.SnapshotLoaded(snapshot.Revocations.Count, snapshot.Version);
    }

    /// <summary>Follows the stream until it ends or breaks.</summary>
    private async Task FollowAsync(HttpClient http, Uri uri, CancellationToken cancellationToken)
    {
        using var request = NewRequest(uri, "text/event-stream");
        request.Headers.TryAddWithoutValidation("Last-Event-ID", _list.Version.ToString(CultureInfo.InvariantCulture));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new FeedRefusedException($"stream answered {(int)response.StatusCode}");
        }

        using var idle = new CancellationTokenSource(_options.IdleTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
        await using var body = new IdleWatch(await response.Content.ReadAsStreamAsync(cancellationToken), idle, _options.IdleTimeout);
        _list.MarkConnected();
        _logger.FeedConnected(_list.Version);
        // Connected again: the next failure starts the backoff from the beginning.
        _failures = 0;
        await foreach (var item in SseParser.Create(body).EnumerateAsync(linked.Token))
        {
            try
            {
                switch (item.EventType)
                {
                    case RevocationFeed.EventName when JsonSerializer.Deserialize(item.Data, ContractsJsonContext.Default.Revocation) is { } entry:
                        _list.Apply(entry);
                        _metrics.RevocationsApplied.Add(1);
                        break;
                    case RevocationFeed.LiftEventName when JsonSerializer.Deserialize(item.Data, ContractsJsonContext.Default.RevocationLift) is { } lift:
                        _list.Apply(lift);
                        _metrics.RevocationsLifted.Add(1);
                        break;
                    default:
                        break;
                }
            }
            catch (JsonException ex)
            {
                _logger.FeedMessageMalformed(item.EventId ?? "?", ex.Message);
            }
        }
    }

    private HttpRequestMessage NewRequest(Uri uri, string accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        if (!string.IsNullOrEmpty(_options.Key))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.Key);
        }

        return request;
    }

    private sealed class FeedRefusedException(string message) : Exception(message);

    /// <summary>Re-arms the idle timer on every read, so only a silent connection trips it.</summary>
    private sealed class IdleWatch(Stream inner, CancellationTokenSource idle, TimeSpan timeout) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Rearm(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Rearm(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }

        private int Rearm(int read)
        {
            if (read > 0)
            {
                idle.CancelAfter(timeout);
            }

            return read;
        }
    }
}
