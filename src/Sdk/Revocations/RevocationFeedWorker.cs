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
        var oversized = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            string reason;
            var limited = false;
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
            catch (FeedLimitExceededException ex)
            {
                // Resuming would read the same oversized event again; the snapshot (bounded too) holds its outcome and
                // lets the stream resume past it. The backoff keeps growing while every attempt ends this way, though
                // each one connects.
                needSnapshot = true;
                limited = true;
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

            oversized = limited ? oversized + 1 : 0;
            var failures = Math.Max(++_failures, oversized);
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
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
        response.EnsureSuccessStatusCode();
        if (response.Content.Headers.ContentLength > _options.MaxSnapshotBytes)
        {
            throw SnapshotCap.TooLarge(_options.MaxSnapshotBytes);
        }

        // Read whole and bounded before anything is loaded, so a snapshot cut short or too large leaves the list as it was.
        await using var body = new SnapshotCap(await response.Content.ReadAsStreamAsync(linked.Token), _options.MaxSnapshotBytes);
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
        await using var body = new SseEventCap(
            new IdleWatch(await response.Content.ReadAsStreamAsync(cancellationToken), idle, _options.IdleTimeout),
            _options.MaxEventBytes);
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
}
