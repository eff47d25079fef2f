namespace ZtStream.Platform.Http;

/// <summary>
/// A <c>text/event-stream</c> response, the one way every stream of ZtStream is served (the revocation feed, the
/// console's alert queue): unbuffered, resumable with <c>Last-Event-ID</c>, a keep-alive comment when idle, and the wait
/// between reads that wakes at once for changes made in this process and polls for those made by others.
/// </summary>
internal sealed class EventStream
{
    /// <summary>How often an idle stream asks whether its caller may still read it (a send always asks first).</summary>
    public static readonly TimeSpan AllowedCheck = TimeSpan.FromSeconds(5);

    private readonly HttpContext http;
    private readonly TimeProvider time;
    private long lastWrite;

    private EventStream(HttpContext http, TimeProvider time)
    {
        this.http = http;
        this.time = time;
        lastWrite = time.GetTimestamp();
    }

    /// <summary>
    /// Where the client resumes: the <c>Last-Event-ID</c> header (what a browser's <c>EventSource</c> sends on reconnect),
    /// else the query parameter <paramref name="query"/> (for clients that cannot set headers); null when neither is given.
    /// False when one is given but is not a position (a whole number).
    /// </summary>
    public static bool TryResumeFrom(HttpRequest request, string query, out long? position)
    {
        position = null;
        var given = request.Headers["Last-Event-ID"].FirstOrDefault() ?? request.Query[query].FirstOrDefault();
        if (string.IsNullOrEmpty(given))
        {
            return true;
        }

        if (!long.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            return false;
        }

        position = parsed;
        return true;
    }

    /// <summary>What <see cref="TryResumeFrom"/> read the position from, for an error that names what the client sent.</summary>
    public static string ResumeField(HttpRequest request, string query) =>
        string.IsNullOrEmpty(request.Headers["Last-Event-ID"].FirstOrDefault()) ? query : "Last-Event-ID";

    /// <summary>Appends one event (<c>event:</c>, <c>id:</c>, <c>data:</c> and the blank line that ends it); <paramref name="data"/> is one line of JSON.</summary>
    public static StringBuilder AppendEvent(StringBuilder buffer, string name, long id, string data) =>
        buffer.Append("event: ").Append(name).Append('\n')
            .Append("id: ").Append(id.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("data: ").Append(data).Append("\n\n");

    /// <summary>Sends the headers and the client's reconnect delay.</summary>
    public static async Task<EventStream> StartAsync(HttpContext http, TimeProvider time, int retryMilliseconds)
    {
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var stream = new EventStream(http, time);
        await stream.WriteAsync($"retry: {retryMilliseconds.ToString(CultureInfo.InvariantCulture)}\n\n");
        return stream;
    }

    /// <summary>
    /// Until the client goes away or the host stops: reads what is new after the last position (<paramref name="read"/>), writes it
    /// (<paramref name="write"/> appends one event and returns its position) and flushes, and waits for
    /// <paramref name="wake"/> (taken before each read, so a change made during the read still wakes the next wait) or the
    /// shorter of <paramref name="poll"/> and <paramref name="keepAlive"/>; a read of <paramref name="batch"/> items or more
    /// is followed by the next read at once, an idle stream gets keep-alive comments. When <paramref name="allowed"/> is
    /// given, the stream ends as soon as it answers false: it is asked before every send and every
    /// <see cref="AllowedCheck"/> while idle, so a caller whose access ended (a console session signed out, expired or
    /// ended by an admin) receives nothing more on a connection opened before. <paramref name="keepAliveMessage"/>, when
    /// given, makes the keep-alive from the last position written (a signed feed's keep-alive) instead of a comment.
    /// </summary>
    public async Task PumpAsync<T>(
        long from,
        Func<long, CancellationToken, Task<IReadOnlyList<T>>> read,
        int batch,
        Func<StringBuilder, T, long> write,
        Func<Task> wake,
        TimeSpan poll,
        TimeSpan keepAlive,
        Func<CancellationToken, Task<bool>>? allowed = null,
        Func<long, string>? keepAliveMessage = null)
    {
        // A stream has no end of its own: unless it ends when the host stops, Kestrel waits for it until its shutdown
        // timeout, the stop is cut short, and the roles' own stops (the Verifier's checkpoints) with it.
        var stopping = http.RequestServices?.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        using var ends = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        var ct = ends.Token;
        var last = from;
        var buffer = new StringBuilder();
        var lastCheck = time.GetTimestamp();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var next = wake();
                var items = await read(last, ct);
                var due = items.Count > 0 || time.GetElapsedTime(lastCheck) >= AllowedCheck;
                if (allowed is not null && due)
                {
                    if (!await allowed(ct))
                    {
                        return;
                    }

                    lastCheck = time.GetTimestamp();
                }

                if (items.Count > 0)
                {
                    buffer.Clear();
                    foreach (var item in items)
                    {
                        last = write(buffer, item);
                    }

                    await WriteAsync(buffer.ToString());
                    if (items.Count >= batch)
                    {
                        // Caught up one batch from the store: read on before waiting.
                        continue;
                    }
                }
                else if (time.GetElapsedTime(lastWrite) >= keepAlive)
                {
                    // A comment line, so proxies keep an idle connection.
                    await WriteAsync(keepAliveMessage?.Invoke(last) ?? ": keep-alive\n\n");
                }

                using var delay = CancellationTokenSource.CreateLinkedTokenSource(ct);
                await Task.WhenAny(next, Task.Delay(poll < keepAlive ? poll : keepAlive, time, delay.Token));
                await delay.CancelAsync();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away, or the host is stopping (the client reconnects where it left off).
        }
    }

    private async Task WriteAsync(string events)
    {
        await http.Response.WriteAsync(events, http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
        lastWrite = time.GetTimestamp();
    }
}
