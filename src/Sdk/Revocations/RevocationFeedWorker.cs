using System.Net.Http.Headers;
using System.Numerics;
using System.Net.ServerSentEvents;

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

    // Malformed messages skipped since start, and the first one's id and reason (read by the feed loop only).
    private long _malformed;

    // Entries and snapshots refused for MaxEntries since start (read by the feed loop only).
    private long _listFull;
    private (string EventId, string Reason)? _firstMalformed;

    // The pinned keys, read again before every snapshot (a rotated JWKS is taken without a restart); null: unsigned feed.
    private FeedSignatures? _signatures;

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

        var signed = !string.IsNullOrEmpty(_options.SigningKeys);
        var query = signed ? $"?{RevocationFeed.FormatQuery}={RevocationFeed.SignedFormat}" : "";
        var snapshotUri = ZtStreamClient.Combine(_options.Feed, RevocationFeed.SnapshotPath + query);
        var streamUri = ZtStreamClient.Combine(_options.Feed, RevocationFeed.StreamPath + query);
        if (signed)
        {
            _list.RequireSigned();
        }

        var needSnapshot = true;
        var refusals = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            string reason;
            var refused = false;
            try
            {
                using var http = _httpFactory.CreateClient(HttpClientName);
                if (needSnapshot)
                {
                    if (signed)
                    {
                        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
                        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
                        var keys = await FeedKeySource.LoadAsync(_options.SigningKeys!, http, linked.Token);
                        _signatures?.Dispose();
                        _signatures = keys;
                    }

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
            catch (FeedMessageRefusedException ex)
            {
                // Never applied. What the path did (a changed, unsigned, replayed or withheld message) may be done again to
                // the stream, so the next attempt starts from a signed snapshot; until one verifies the list goes stale.
                _logger.FeedMessageRefused(_list.Version, ex.Message);
                needSnapshot = true;
                refused = true;
                reason = "a feed message was refused: " + ex.Message;
            }
            catch (FeedLimitExceededException ex)
            {
                // Resuming would read the same oversized event again; the snapshot (bounded too) holds its outcome and
                // lets the stream resume past it. The backoff keeps growing while every attempt ends this way, though
                // each one connects.
                needSnapshot = true;
                refused = true;
                reason = ex.Message;
                if (ex.ListFull)
                {
                    ListFull();
                }
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

            refusals = refused ? refusals + 1 : 0;
            var failures = Math.Max(++_failures, refusals);
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
        if ((int)response.StatusCode is >= 300 and < 400)
        {
            throw new HttpRequestException(
                $"the feed answered {(int)response.StatusCode} to {response.Headers.Location?.ToString() ?? "nowhere"}; redirects are not followed: set {ZtStreamOptions.SectionName}:Revocations:Feed to the Responder's own address");
        }

        response.EnsureSuccessStatusCode();
        if (response.Content.Headers.ContentLength > _options.MaxSnapshotBytes)
        {
            throw SnapshotCap.TooLarge(_options.MaxSnapshotBytes);
        }

        // Bounded as it is read, and loaded into a list of its own that replaces the one held only once the whole
        // snapshot was read (and verified), so a snapshot cut short or too large leaves the list as it was.
        await using var body = new SnapshotCap(await response.Content.ReadAsStreamAsync(linked.Token), _options.MaxSnapshotBytes);
        var loading = _list.StartLoad();
        long version;
        if (_signatures is { } signatures)
        {
            if (response.Content.Headers.ContentType?.MediaType != RevocationFeed.SignedMediaType)
            {
                throw new FeedMessageRefusedException($"the snapshot is not signed (it came as {response.Content.Headers.ContentType?.MediaType ?? "no media type"})");
            }

            var claims = await VerifySnapshotAsync(signatures, body, response.Content.Headers.ContentLength, linked.Token);
            if (claims.Version < _list.Version)
            {
                throw new FeedMessageRefusedException($"a snapshot at version {claims.Version} is older than version {_list.Version} already applied: replayed");
            }

            try
            {
                version = claims.Body.IsEmpty ? throw new FeedMessageRefusedException("its signed content is missing") : SnapshotReader.Read(claims.Body.Span, loading);
            }
            catch (JsonException ex)
            {
                throw new FeedMessageRefusedException($"its signed content is not a feed object: {ex.Message}");
            }

            if (version != claims.Version)
            {
                throw new FeedMessageRefusedException($"its content is version {version}, the signature's {claims.Version}");
            }

            loading.Commit(version);
            _list.MarkSigned(claims.IssuedAt);
        }
        else
        {
            version = await SnapshotReader.ReadAsync(body, loading, linked.Token);
            loading.Commit(version);
        }

        _logger.SnapshotLoaded(_list.Count, version);
    }

    /// <summary>
    /// The signature covers the whole snapshot: read as bytes (never as text, twice their size) and verified, then its
    /// content decoded over them (<see cref="FeedSignatures.Verify(Memory{byte}, string, ZtStreamRevocationOptions, DateTimeOffset)"/>),
    /// so the snapshot is held once, as the bytes it came as, while the entries are read.
    /// </summary>
    private async Task<FeedClaims> VerifySnapshotAsync(FeedSignatures signatures, Stream body, long? length, CancellationToken cancellationToken)
    {
        using var whole = new MemoryStream((int)Math.Min(length ?? 0, _options.MaxSnapshotBytes));
        await body.CopyToAsync(whole, cancellationToken);
        return signatures.Verify(whole.GetBuffer().AsMemory(0, (int)whole.Length), RevocationFeed.SnapshotEventName, _options, _time.GetUtcNow());
    }

    /// <summary>The object a verified message carries, which must speak for the version the signature covers.</summary>
    private static T Body<T>(FeedClaims claims, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, Func<T, long> version)
    {
        T? value;
        try
        {
            value = claims.Body.IsEmpty ? default : JsonSerializer.Deserialize(claims.Body.Span, type);
        }
        catch (JsonException ex)
        {
            throw new FeedMessageRefusedException($"its signed content is not a feed object: {ex.Message}");
        }

        return value is null ? throw new FeedMessageRefusedException("its signed content is missing")
            : version(value) != claims.Version ? throw new FeedMessageRefusedException($"its content is version {version(value)}, the signature's {claims.Version}")
            : value;
    }

    /// <summary>Follows the stream until it ends or breaks.</summary>
    private async Task FollowAsync(HttpClient http, Uri uri, CancellationToken cancellationToken)
    {
        using var request = NewRequest(uri, "text/event-stream");
        request.Headers.TryAddWithoutValidation("Last-Event-ID", _list.Version.ToString(CultureInfo.InvariantCulture));

        // Armed before the request: a stream whose answer never comes is as silent as one that stops talking.
        using var idle = new CancellationTokenSource(_options.IdleTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
        if (!response.IsSuccessStatusCode)
        {
            throw new FeedRefusedException($"stream answered {(int)response.StatusCode}");
        }

        var watch = new IdleWatch(await response.Content.ReadAsStreamAsync(linked.Token), idle, _options.IdleTimeout);
        await using var body = new SseEventCap(watch, _options.MaxEventBytes);
        var connectedAt = _time.GetTimestamp();
        _list.MarkConnected();
        _logger.FeedConnected(_list.Version);
        try
        {
            await ReadAsync(body, linked.Token);
        }
        finally
        {
            // Only a stream that carried something and stayed open for MaxReconnectDelay was a working connection: the
            // next failure starts the backoff from the beginning. One that sends an entry and drops (or ends before its
            // first byte) proves nothing, so the backoff goes on growing: a reconnect at the shortest delay follows only
            // a stream that lasted MaxReconnectDelay.
            if (watch.SawData && _time.GetElapsedTime(connectedAt) >= _options.MaxReconnectDelay)
            {
                _failures = 0;
            }
        }
    }

    private async Task ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken))
        {
            if (_signatures is { } signatures)
            {
                ApplySigned(signatures, item);
                continue;
            }

            try
            {
                switch (item.EventType)
                {
                    case RevocationFeed.EventName when JsonSerializer.Deserialize(item.Data, ContractJson.Input.Revocation) is { } entry:
                        _list.Apply(entry);
                        _metrics.RevocationsApplied.Add(1);
                        break;
                    case RevocationFeed.LiftEventName when JsonSerializer.Deserialize(item.Data, ContractJson.Input.RevocationLift) is { } lift:
                        _list.Apply(lift);
                        _metrics.RevocationsLifted.Add(1);
                        break;
                    default:
                        break;
                }
            }
            catch (JsonException ex)
            {
                Malformed(item.EventId ?? "?", ex.Message);
            }
        }
    }

    /// <summary>
    /// Skips a malformed message of the unsigned stream. A broken or hostile feed can send them without end: as the full
    /// send queue, each is counted but only the 1st, 2nd, 4th, 8th … logged, with the first one's detail.
    /// </summary>
    private void Malformed(string eventId, string reason)
    {
        var count = ++_malformed;
        _firstMalformed ??= (eventId, reason);
        _metrics.FeedMessagesMalformed.Add(1);
        if (BitOperations.IsPow2(count))
        {
            _logger.FeedMessageMalformed(eventId, reason, count, _firstMalformed.Value.EventId, _firstMalformed.Value.Reason);
        }
    }

    /// <summary>
    /// Counts a refusal for <c>MaxEntries</c>. A feed that keeps growing past it meets it again on every attempt: each
    /// is counted, the 1st, 2nd, 4th, 8th … logged.
    /// </summary>
    private void ListFull()
    {
        _metrics.ListFull.Add(1);
        if (BitOperations.IsPow2(++_listFull))
        {
            _logger.ListFull(_options.MaxEntries, _listFull);
        }
    }

    /// <summary>
    /// One message of the signed stream: verified, then applied only when it moves the list forward. An entry or lift
    /// must be above the version held (an older one is a replay); a keep-alive must speak for exactly the version held
    /// (lower is a replay, higher means the stream sent messages that never arrived: withheld on the way).
    /// </summary>
    private void ApplySigned(FeedSignatures signatures, SseItem<string> item)
    {
        if (item.EventType is not (RevocationFeed.EventName or RevocationFeed.LiftEventName or RevocationFeed.KeepAliveEventName))
        {
            return;
        }

        var claims = signatures.Verify(item.Data, item.EventType, _options, _time.GetUtcNow());
        var held = _list.Version;
        switch (item.EventType)
        {
            case RevocationFeed.KeepAliveEventName when claims.Version < held:
                throw new FeedMessageRefusedException($"a keep-alive for version {claims.Version} arrived after version {held}: replayed");
            case RevocationFeed.KeepAliveEventName when claims.Version > held:
                throw new FeedMessageRefusedException($"the keep-alive says the stream sent up to version {claims.Version}, but only {held} arrived: withheld on the way");
            case RevocationFeed.KeepAliveEventName:
                break;
            case var _ when claims.Version <= held:
                throw new FeedMessageRefusedException($"{item.EventType} {claims.Version} is not above version {held} already applied: replayed");
            case RevocationFeed.EventName:
                _list.Apply(Body(claims, ContractJson.Input.Revocation, e => e.Version));
                _metrics.RevocationsApplied.Add(1);
                break;
            default:
                _list.Apply(Body(claims, ContractJson.Input.RevocationLift, l => l.Version));
                _metrics.RevocationsLifted.Add(1);
                break;
        }

        _list.MarkSigned(claims.IssuedAt);
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

    public override void Dispose()
    {
        _signatures?.Dispose();
        base.Dispose();
    }

    private sealed class FeedRefusedException(string message) : Exception(message);
}
