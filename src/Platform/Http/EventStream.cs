using Microsoft.AspNetCore.Http.Features;

namespace ZtStream.Platform.Http;

/// <summary>
/// A <c>text/event-stream</c> response: unbuffered, a keep-alive comment when idle, and the wait between reads that
/// wakes at once for changes made in this process and polls for those made by others.
/// </summary>
internal sealed class EventStream
{
    private readonly HttpContext http;
    private readonly TimeProvider time;
    private long lastWrite;

    private EventStream(HttpContext http, TimeProvider time)
    {
        this.http = http;
        this.time = time;
        lastWrite = time.GetTimestamp();
    }

    /// <summary>Sends the headers and the client's reconnect delay.</summary>
    public static async Task<EventStream> StartAsync(HttpContext http, TimeProvider time, int retryMilliseconds)
    {
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var stream = new EventStream(http, time);
        await stream.WriteAsync($"retry: {retryMilliseconds}\n\n");
        return stream;
    }

    /// <summary>Writes events (already in <c>event:/id:/data:</c> form, each ending in a blank line) and flushes them.</summary>
    public async Task WriteAsync(string events)
    {
        await http.Response.WriteAsync(events, http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
        lastWrite = time.GetTimestamp();
    }

    /// <summary>A comment line when nothing was written for <paramref name="keepAlive"/>, so proxies keep the connection.</summary>
    public Task KeepAliveIfIdleAsync(TimeSpan keepAlive) =>
        time.GetElapsedTime(lastWrite) >= keepAlive ? WriteAsync(": keep-alive\n\n") : Task.CompletedTask;

    /// <summary>
    /// Until the client goes away: reads what is new after the last position (<paramref name="read"/>), writes it
    /// (<paramref name="write"/> appends one event and returns its position), and waits for <paramref name="wake"/>
    /// (taken before each read, so a change made during the read still wakes the next wait) or the poll interval; a full
    /// batch is followed by the next read at once, an idle stream gets keep-alive comments.
    /// </summary>
    public async Task PumpAsync<T>(
        long from,
        Func<long, CancellationToken, Task<IReadOnlyList<T>>> read,
        int batch,
        Func<System.Text.StringBuilder, T, long> write,
        Func<Task> wake,
        TimeSpan poll,
        TimeSpan keepAlive)
    {
        var ct = http.RequestAborted;
        var last = from;
        var buffer = new System.Text.StringBuilder();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var next = wake();
                var items = await read(last, ct);
                if (items.Count > 0)
                {
                    buffer.Clear();
                    foreach (var item in items)
                    {
                        last = write(buffer, item);
                    }

                    await WriteAsync(buffer.ToString());
                    if (items.Count == batch)
                    {
                        continue;
                    }
                }
                else
                {
                    await KeepAliveIfIdleAsync(keepAlive);
                }

                await WaitAsync(next, poll, keepAlive);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away.
        }
    }

    /// <summary>Waits for <paramref name="wake"/> (a change in this process) or the shorter of poll and keep-alive.</summary>
    public async Task WaitAsync(Task wake, TimeSpan poll, TimeSpan keepAlive)
    {
        using var delay = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        await Task.WhenAny(wake, Task.Delay(poll < keepAlive ? poll : keepAlive, time, delay.Token));
        await delay.CancelAsync();
    }
}
