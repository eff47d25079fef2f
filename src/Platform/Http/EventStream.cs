using Microsoft.AspNetCore.Http;
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

    /// <summary>Waits for <paramref name="wake"/> (a change in this process) or the shorter of poll and keep-alive.</summary>
    public async Task WaitAsync(Task wake, TimeSpan poll, TimeSpan keepAlive)
    {
        using var delay = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        await Task.WhenAny(wake, Task.Delay(poll < keepAlive ? poll : keepAlive, time, delay.Token));
        await delay.CancelAsync();
    }
}
