namespace ZtStream.Responder.Tests.Notifications;

/// <summary>One request a fake target received: its headers and the body byte for byte.</summary>
internal sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Body);
}

/// <summary>A fake notification target (webhook, Slack, Teams, PagerDuty) on loopback, answering with a chosen status.</summary>
internal sealed class NotificationReceiver : IAsyncDisposable
{
    private readonly LoopbackApp app;

    private NotificationReceiver(LoopbackApp app, ConcurrentQueue<ReceivedRequest> received)
    {
        this.app = app;
        Received = received;
    }

    public ConcurrentQueue<ReceivedRequest> Received { get; }

    public Uri Url => new(app.BaseAddress, "hook");

    /// <summary>Starts on <paramref name="port"/> (0: any), answering every POST with <paramref name="status"/> and <paramref name="body"/>.</summary>
    public static async Task<NotificationReceiver> StartAsync(int status = 200, string body = "ok", int port = 0)
    {
        var received = new ConcurrentQueue<ReceivedRequest>();
        var app = await LoopbackApp.StartAsync(
            web => web.MapPost("/{**path}", async (HttpContext http) =>
            {
                using var buffer = new MemoryStream();
                await http.Request.Body.CopyToAsync(buffer);
                received.Enqueue(new ReceivedRequest(
                    http.Request.Path,
                    http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                    buffer.ToArray()));
                http.Response.StatusCode = status;
                await http.Response.WriteAsync(body);
            }),
            port: port);
        return new NotificationReceiver(app, received);
    }

    public ValueTask DisposeAsync() => app.DisposeAsync();
}
