using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ZtStream.Contracts.Revocations;
using ZtStream.Contracts.Serialization;
using ZtStream.Platform;
using ZtStream.Platform.Http;
using ZtStream.Responder.Telemetry;
using ZtStream.Responder.Api;

namespace ZtStream.Responder.Revocation;

/// <summary>
/// <c>GET /v1/revocations</c> (snapshot) and <c>GET /v1/revocations/stream</c> (server-sent events, resumable with
/// <c>Last-Event-ID</c>). A stream wakes at once for entries added in this process and polls the store for
/// entries other instances added.
/// </summary>
internal static class RevocationFeedEndpoints
{
    /// <summary>The key of the <see cref="WakeSignal"/> set when this process adds an entry.</summary>
    public const string WakeKey = "revocations";

    private const int BatchSize = 500;

    private static readonly Problem FeedUnauthorized = Problems.Of(401, "the revocation feed needs the feed token or an API token (Authorization: Bearer ...)");

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(RevocationFeed.SnapshotPath, async (HttpContext http, RevocationStore store, ApiTokenAuthenticator auth) =>
        {
            if (!auth.FeedAllowed(http))
            {
                return Problems.Result(FeedUnauthorized);
            }

            var snapshot = await store.SnapshotAsync(http.RequestAborted);
            return Results.Json(snapshot, ContractsJsonContext.Default.RevocationSnapshot);
        });

        endpoints.MapGet(RevocationFeed.StreamPath, StreamAsync);
    }

    private static async Task StreamAsync(
        HttpContext http,
        RevocationStore store,
        [FromKeyedServices(WakeKey)] WakeSignal signal,
        ApiTokenAuthenticator auth,
        IOptions<ResponderOptions> options,
        TimeProvider time,
        ResponderTelemetry telemetry)
    {
        if (!auth.FeedAllowed(http))
        {
            await Problems.WriteAsync(http, FeedUnauthorized);
            return;
        }

        var last = 0L;
        var resumeFrom = http.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? http.Request.Query["last_event_id"].FirstOrDefault();
        if (!string.IsNullOrEmpty(resumeFrom) && !long.TryParse(resumeFrom, NumberStyles.None, CultureInfo.InvariantCulture, out last))
        {
            await Problems.WriteAsync(http, Problems.Invalid([new ItemError(0, "Last-Event-ID", "must be a revocation version (a whole number)")]));
            return;
        }

        var ct = http.RequestAborted;
        using var subscribed = telemetry.FeedSubscribed();
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await http.Response.WriteAsync("retry: 1000\n\n", ct);
        await http.Response.Body.FlushAsync(ct);

        var poll = options.Value.FeedPollInterval;
        var keepAlive = options.Value.FeedKeepAlive;
        var lastWrite = time.GetTimestamp();
        var buffer = new StringBuilder();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                // Take the signal before reading, so an entry added during the read still wakes the next wait.
                var wake = signal.NextAsync();
                var entries = await store.SinceAsync(last, BatchSize, ct);
                if (entries.Count > 0)
                {
                    buffer.Clear();
                    foreach (var entry in entries)
                    {
                        buffer.Append("event: ").Append(RevocationFeed.EventName).Append('\n')
                            .Append("id: ").Append(entry.Version.ToString(CultureInfo.InvariantCulture)).Append('\n')
                            .Append("data: ").Append(JsonSerializer.Serialize(entry, ContractsJsonContext.Default.Revocation)).Append("\n\n");
                        last = entry.Version;
                    }

                    await http.Response.WriteAsync(buffer.ToString(), ct);
                    await http.Response.Body.FlushAsync(ct);
                    lastWrite = time.GetTimestamp();
                    if (entries.Count == BatchSize)
                    {
                        continue;
                    }
                }
                else if (time.GetElapsedTime(lastWrite) >= keepAlive)
                {
                    await http.Response.WriteAsync(": keep-alive\n\n", ct);
                    await http.Response.Body.FlushAsync(ct);
                    lastWrite = time.GetTimestamp();
                }

                using var delay = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var tick = Task.Delay(poll < keepAlive ? poll : keepAlive, time, delay.Token);
                await Task.WhenAny(wake, tick);
                await delay.CancelAsync();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away.
        }
    }
}
