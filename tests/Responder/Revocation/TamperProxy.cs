namespace ZtStream.Responder.Tests.Revocation;

/// <summary>What <see cref="TamperProxy"/> does to the feed passing through it.</summary>
public enum Tamper
{
    /// <summary>Passes everything on unchanged.</summary>
    None,

    /// <summary>Changes the token id inside each signed entry, keeping its signature.</summary>
    RewriteEntries,

    /// <summary>Sends every message's content without its signature: the snapshot as plain JSON, each event's object as its data.</summary>
    DropSignatures,

    /// <summary>Ends the stream and refuses it (503), so the SDK asks for a snapshot, and answers that with the first snapshot it passed on.</summary>
    ReplayFirstSnapshot,

    /// <summary>Passes the stream on without its <c>lift</c> events.</summary>
    StripLifts,

    /// <summary>Passes the stream on without its <c>revocation</c> events.</summary>
    StripEntries,

    /// <summary>Keeps the stream open and passes nothing more on: no entry, no keep-alive.</summary>
    Hold,
}

/// <summary>
/// Something on the path that terminates TLS (a proxy, a sidecar, an ingress) and is hostile: a loopback HTTP proxy in
/// front of the Responder's feed, doing what <see cref="Mode"/> says to what it passes on.
/// </summary>
internal sealed class TamperProxy : IAsyncDisposable
{
    private readonly LoopbackApp app;
    private readonly HttpClient upstream;
    private string? firstSnapshot;
    private int keepAlives;

    private TamperProxy(LoopbackApp app, HttpClient upstream)
    {
        this.app = app;
        this.upstream = upstream;
    }

    public Tamper Mode { get; set; }

    /// <summary>Signed keep-alives passed on so far.</summary>
    public int KeepAlives => keepAlives;

    public Uri BaseAddress => app.BaseAddress;

    public static async Task<TamperProxy> StartAsync(Uri responder)
    {
        var upstream = new HttpClient { BaseAddress = responder, Timeout = Timeout.InfiniteTimeSpan };
        TamperProxy? proxy = null;
        var app = await LoopbackApp.StartAsync(web => web.Map("/{**path}", (HttpContext http) => proxy!.ForwardAsync(http)));
        proxy = new TamperProxy(app, upstream);
        return proxy;
    }

    private async Task ForwardAsync(HttpContext http)
    {
        var stream = http.Request.Path.StartsWithSegments(RevocationFeed.StreamPath);
        if (stream && Mode == Tamper.ReplayFirstSnapshot)
        {
            http.Response.StatusCode = 503;
            return;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, http.Request.Path + http.Request.QueryString);
        foreach (var header in new[] { "Authorization", "Accept", "Last-Event-ID" })
        {
            if (http.Request.Headers.TryGetValue(header, out var value))
            {
                request.Headers.TryAddWithoutValidation(header, (IEnumerable<string>)value);
            }
        }

        using var response = await upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, http.RequestAborted);
        http.Response.StatusCode = (int)response.StatusCode;
        http.Response.ContentType = response.Content.Headers.ContentType?.ToString();
        if (!stream)
        {
            var body = await response.Content.ReadAsStringAsync(http.RequestAborted);
            if (http.Request.Path == RevocationFeed.SnapshotPath && response.IsSuccessStatusCode)
            {
                firstSnapshot ??= body;
                (body, var plain) = Mode switch
                {
                    Tamper.ReplayFirstSnapshot => (firstSnapshot, false),
                    Tamper.DropSignatures => (Payload(body)[RevocationFeed.SnapshotEventName]!.ToJsonString(), true),
                    _ => (body, false),
                };
                if (plain)
                {
                    http.Response.ContentType = "application/json";
                }
            }

            await http.Response.WriteAsync(body, http.RequestAborted);
            return;
        }

        await http.Response.Body.FlushAsync(http.RequestAborted);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(http.RequestAborted));
        var block = new List<string>();
        try
        {
            while (await reader.ReadLineAsync(http.RequestAborted) is { } line)
            {
                if (line.Length > 0)
                {
                    block.Add(line);
                    continue;
                }

                if (Mode == Tamper.ReplayFirstSnapshot)
                {
                    // Ends the stream, so the SDK comes back for a snapshot.
                    return;
                }

                if (Rewrite(block) is { } message && Mode != Tamper.Hold)
                {
                    if (block.Contains("event: " + RevocationFeed.KeepAliveEventName))
                    {
                        Interlocked.Increment(ref keepAlives);
                    }

                    await http.Response.WriteAsync(message + "\n", http.RequestAborted);
                    await http.Response.Body.FlushAsync(http.RequestAborted);
                }

                block.Clear();
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
        }
    }

    /// <summary>One SSE message as the mode has it, or null to drop it.</summary>
    private string? Rewrite(List<string> lines)
    {
        var name = lines.FirstOrDefault(l => l.StartsWith("event: ", StringComparison.Ordinal))?[7..];
        if ((Mode == Tamper.StripLifts && name == RevocationFeed.LiftEventName) || (Mode == Tamper.StripEntries && name == RevocationFeed.EventName))
        {
            return null;
        }

        var text = new StringBuilder();
        foreach (var line in lines)
        {
            var replaced = line;
            if (line.StartsWith("data: ", StringComparison.Ordinal) && name is not null)
            {
                var jws = line[6..];
                replaced = Mode switch
                {
                    Tamper.DropSignatures when Payload(jws)[name] is { } content => "data: " + content.ToJsonString(),
                    Tamper.RewriteEntries when name == RevocationFeed.EventName => "data: " + WithPayload(jws, p => p[name]!["jti"] = "someone-else"),
                    _ => line,
                };
            }

            text.Append(replaced).Append('\n');
        }

        return text.ToString();
    }

    private static JsonObject Payload(string jws) =>
        JsonNode.Parse(Base64Url.DecodeFromChars(jws.Split('.')[1]))!.AsObject();

    private static string WithPayload(string jws, Action<JsonObject> change)
    {
        var parts = jws.Split('.');
        var payload = Payload(jws);
        change(payload);
        return parts[0] + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString())) + "." + parts[2];
    }

    public async ValueTask DisposeAsync()
    {
        await app.DisposeAsync();
        upstream.Dispose();
    }
}
