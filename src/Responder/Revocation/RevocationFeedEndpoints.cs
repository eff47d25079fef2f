using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ZtStream.Contracts.Revocations;
using ZtStream.Contracts.Serialization;
using ZtStream.Platform;
using ZtStream.Platform.Http;
using ZtStream.Responder.Api;
using ZtStream.Responder.Telemetry;

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

        using var subscribed = telemetry.FeedSubscribed();
        var stream = await EventStream.StartAsync(http, time, 1000);
        await stream.PumpAsync(
            last,
            (since, ct) => store.SinceAsync(since, BatchSize, ct),
            BatchSize,
            (buffer, entry) =>
            {
                buffer.Append("event: ").Append(RevocationFeed.EventName).Append('\n')
                    .Append("id: ").Append(entry.Version.ToString(CultureInfo.InvariantCulture)).Append('\n')
                    .Append("data: ").Append(JsonSerializer.Serialize(entry, ContractsJsonContext.Default.Revocation)).Append("\n\n");
                return entry.Version;
            },
            signal.NextAsync,
            options.Value.FeedPollInterval,
            options.Value.FeedKeepAlive);
    }
}
