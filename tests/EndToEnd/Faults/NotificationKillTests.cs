using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ZtStream.TestSupport.Http;

namespace ZtStream.EndToEnd.Faults;

/// <summary>
/// <c>ztstream run</c> killed with SIGKILL while it sends an alert's webhook notification (the receiver has the request
/// and has not answered) and started again on the same folder: the notification is sent again, once, with the same
/// <c>ZtStream-Delivery</c> id — so a receiver that drops ids it has seen gets it once — and is recorded delivered once.
/// </summary>
public sealed class NotificationKillTests() : ProcessTests("zt-notify-kill-")
{
    private const string ApiToken = "kill-notify-responder-token-0123456789abcdef";

    [Fact]
    public async Task Sigkill_WhileTheWebhookHoldsTheSend_SentAgainOnceAfterRestartWithTheSameDeliveryId()
    {
        await using var hook = await WebhookReceiver.StartAsync();
        var key = await Processes.AddSourceAsync("notify-app", ["--sqlite", Database], Ct);
        var run = await RunAsync("run-1", hook);
        const string victim = "notify-victim";
        using (var ingest = ZtStreamApi.Client(run.Url, key))
        {
            await IngestEvents.PostAcceptedAsync(ingest, IngestEvents.StolenToken(victim, $"jti-{Guid.NewGuid():N}"));
        }

        var held = await Eventually.WithinAsync(() => Task.FromResult(hook.For(victim).Count == 1), ZtStreamApi.Timeout, Ct);
        Assert.True(held, $"the webhook never got the alert's notification:\n{run.Output}");
        run.Kill();
        await run.WaitForExitAsync(TimeSpan.FromSeconds(30), Ct);

        var restarted = await RunAsync("run-2", hook);
        using var api = ZtStreamApi.Client(restarted.Url, ApiToken);
        var alertId = Assert.Single(await ZtStreamApi.AlertsAsync(api, victim, Ct)).GetProperty("alert").GetProperty("id").GetString()!;
        var sent = await Eventually.WithinAsync(async () => (await SentEntriesAsync(api, alertId)) == 1, ZtStreamApi.Timeout, Ct);
        Assert.True(sent, $"the notification was not recorded sent after the restart:\n{restarted.Output}");

        // A later alert's notification, sent after the restart, has gone out once the outbox has moved past the first.
        const string later = "notify-later";
        using (var ingest = ZtStreamApi.Client(restarted.Url, key))
        {
            await IngestEvents.PostAcceptedAsync(ingest, IngestEvents.StolenToken(later, $"jti-{Guid.NewGuid():N}"));
        }

        Assert.True(await Eventually.WithinAsync(() => Task.FromResult(hook.For(later).Count == 1), ZtStreamApi.Timeout, Ct), restarted.Output);

        var deliveries = hook.For(victim);
        Assert.Equal(2, deliveries.Count);
        Assert.Single(deliveries.Distinct());
        Assert.Equal(1, await SentEntriesAsync(api, alertId));
        Assert.NotEqual(deliveries[0], hook.For(later)[0]);
    }

    private string Database => Path.Combine(Processes.Folder.FullName, "ztstream.db");

    /// <summary>The <c>notification.sent</c> entries of the audit trail on <paramref name="alertId"/>.</summary>
    private static async Task<int> SentEntriesAsync(HttpClient api, string alertId)
    {
        using var doc = JsonDocument.Parse(await api.GetStringAsync(new Uri($"/v1/audit?alert_id={alertId}&kind=notification.sent&limit=500", UriKind.Relative), Ct));
        return doc.RootElement.EnumerateArray().Count(e => e.GetProperty("kind").GetString() == "notification.sent");
    }

    private Task<ZtStreamProcess> RunAsync(string name, WebhookReceiver hook) =>
        Processes.RunAsync(
            name,
            ["--sqlite", Database,
             .. ZtStreamApi.ApiToken("responder", ApiToken),
             "--set", "Responder:Notifications:Targets:siem:Kind=webhook",
             "--set", $"Responder:Notifications:Targets:siem:Url={hook.Url}",
             "--set", "Responder:Notifications:Targets:siem:Secret=notify-kill-secret-0123456789",
             "--set", "Responder:Notifications:Routes:0:Name=everything", "--set", "Responder:Notifications:Routes:0:Targets:0=siem",
             // An attempt's lease is twice this: the send the dead process held comes due again seconds after the restart.
             "--set", "Responder:Notifications:SendTimeout=00:00:03"],
            Ct);

    /// <summary>
    /// A webhook receiver on loopback that keeps each delivery's <c>ZtStream-Delivery</c> id under the principals its body
    /// names, never answers the first request (the sender waits until it gives up or dies), and answers every later one 200.
    /// </summary>
    private sealed class WebhookReceiver : IAsyncDisposable
    {
        private readonly ConcurrentQueue<(string Body, string Delivery)> _deliveries = new();
        private int _requests;
        private LoopbackApp? _app;

        public Uri Url => new(_app!.BaseAddress, "/hook");

        public static async Task<WebhookReceiver> StartAsync()
        {
            var receiver = new WebhookReceiver();
            receiver._app = await LoopbackApp.StartAsync(app => app.MapPost("/hook", (Func<HttpContext, Task<IResult>>)receiver.ReceiveAsync));
            return receiver;
        }

        /// <summary>The delivery ids of the requests whose body names <paramref name="principal"/>, in order of arrival.</summary>
        public List<string> For(string principal) =>
            [.. _deliveries.Where(d => d.Body.Contains($"\"{principal}\"", StringComparison.Ordinal)).Select(d => d.Delivery)];

        public async ValueTask DisposeAsync()
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
        }

        private async Task<IResult> ReceiveAsync(HttpContext context)
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            _deliveries.Enqueue((body, context.Request.Headers["ZtStream-Delivery"].ToString()));
            if (Interlocked.Increment(ref _requests) == 1)
            {
                // Held until the sender's connection goes (its process is killed) or the receiver stops.
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            return Results.Ok();
        }
    }
}
