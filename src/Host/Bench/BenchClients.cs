using System.Net.Http.Headers;

namespace ZtStream.Host.Bench;

/// <summary>
/// Sends a <see cref="BenchLoad"/> to one endpoint over <see cref="BenchSettings.Clients"/> concurrent keep-alive
/// connections (HTTP/1.1 in clear, or HTTP/2 over TLS): each client posts its batches one after another, retrying a
/// 503 or 429 as told, and counts what the server acknowledged. The same sender drives the baseline and the pipeline,
/// so their ratio compares servers, not clients.
/// </summary>
internal sealed class BenchClients(BenchSettings settings, string sourceKey, Func<HttpMessageHandler> handlers)
{
    private long acknowledged;
    private long retries;

    /// <summary>Events the server acknowledged (202, or the accepted part of a 207).</summary>
    public long Acknowledged => Interlocked.Read(ref acknowledged);

    /// <summary>Requests answered 503 or 429 and sent again.</summary>
    public long Retries => Interlocked.Read(ref retries);

    /// <summary>Request latencies (send to acknowledgement).</summary>
    public LatencySamples RequestLatency { get; } = new();

    /// <summary>Called as a batch holding an attack's first event is about to be sent.</summary>
    public Action<AttackMark>? AttackStarting { get; init; }

    /// <summary>Called as a batch holding an attack's first event is acknowledged.</summary>
    public Action<AttackMark>? AttackAcknowledged { get; init; }

    /// <summary>Sends every client's batches to <paramref name="target"/>; stops early after <see cref="BenchSettings.Duration"/>.</summary>
    public async Task RunAsync(BenchLoad load, Uri target, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(load.Clients.Select(batches => Task.Run(() => SendAllAsync(batches, target, clock, cancellationToken), cancellationToken)));
    }

    private async Task SendAllAsync(IReadOnlyList<BenchBatch> batches, Uri target, Stopwatch clock, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(handlers(), disposeHandler: true)
        {
            Timeout = TimeSpan.FromSeconds(60),
            DefaultRequestVersion = settings.Http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", sourceKey);
        foreach (var batch in batches)
        {
            if (settings.Duration is { } duration && clock.Elapsed >= duration)
            {
                return;
            }

            foreach (var attack in batch.Attacks)
            {
                AttackStarting?.Invoke(attack);
            }

            await SendAsync(http, target, batch, cancellationToken);
            foreach (var attack in batch.Attacks)
            {
                AttackAcknowledged?.Invoke(attack);
            }
        }
    }

    private async Task SendAsync(HttpClient http, Uri target, BenchBatch batch, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var content = new ByteArrayContent(batch.Body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            var started = Stopwatch.GetTimestamp();
            using var response = await http.PostAsync(target, content, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests && attempt < 100)
            {
                // Back-pressure: wait as told, then send the same batch again.
                Interlocked.Increment(ref retries);
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(100), cancellationToken);
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                var text = System.Text.Encoding.UTF8.GetString(body);
                throw new HttpRequestException($"{target} answered {(int)response.StatusCode}: {text[..Math.Min(text.Length, 300)]}");
            }

            RequestLatency.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            Interlocked.Add(ref acknowledged, response.StatusCode == HttpStatusCode.Accepted && body.Length == 0 ? batch.Events : AcceptedIn(body));
            return;
        }
    }

    /// <summary>The <c>accepted</c> count of Ingest's answer (202 or 207), read without parsing the rest.</summary>
    internal static int AcceptedIn(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        var depth = 0;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    depth++;
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    depth--;
                    break;
                case JsonTokenType.PropertyName when depth == 1 && reader.ValueTextEquals("accepted"u8):
                    reader.Read();
                    return reader.GetInt32();
            }
        }

        throw new JsonException("the answer names no accepted count");
    }
}
