using System.Collections.Concurrent;
using System.Net.Http.Headers;

namespace ZtStream.Responder.Revocation.SharedSignals;

/// <summary>
/// Pushes queued SETs to their receivers (RFC 8935): POST <c>application/secevent+jwt</c>; 202 is the
/// acknowledgement; 400 with an error object is a permanent rejection of that SET, recorded; anything else
/// (the receiver down, 5xx, 401/403 while credentials are being fixed) is retried with capped exponential
/// backoff, without end, because a revocation a receiver never hears of is a session that stays open.
/// Each receiver is drained by its own loop, so a receiver that is down or slow delays only its own SETs.
/// A registered stream's SETs wait while it is paused and are abandoned when it is deleted or disabled.
/// </summary>
internal sealed class SsfDeliveryService(
    SsfOutbox outbox,
    SsfStreamStore streams,
    [FromKeyedServices(SsfDeliveryService.WakeKey)] WakeSignal signal,
    SharedSignalsOptions options,
    IHttpClientFactory httpClients,
    TimeProvider time,
    ILogger<SsfDeliveryService> logger,
    ResponderTelemetry telemetry) : OutboxDeliveryLoop(outbox.Table, signal, time, logger)
{
    public const string HttpClientName = "ztstream-ssf-push";

    /// <summary>The key of the <see cref="WakeSignal"/> the transmitter sets when it queues SETs.</summary>
    public const string WakeKey = "ssf-outbox";
    private const int BatchSize = 50;

    /// <summary>The most of a receiver's answer read: room for an RFC 8935 error, never a body it makes endless.</summary>
    private const int MaxAnswerBytes = 64 * 1024;

    private readonly Dictionary<string, Task> draining = new(StringComparer.Ordinal);

    // Streams whose endpoint was found outside their client's PushEndpoints, so that it is logged once, not every pass.
    private readonly ConcurrentDictionary<string, bool> refusedEndpoints = new(StringComparer.Ordinal);

    protected override TimeSpan PollInterval => options.PollInterval;

    protected override TimeSpan AttemptTimeout => options.DeliveryTimeout;

    protected override TimeSpan MaxBackoff => options.MaxBackoff;

    protected override Task RunPassAsync(CancellationToken cancellationToken) => StartDueReceiversAsync(cancellationToken);

    protected override void ReportDepth(long depth) => telemetry.SsfOutboxDepth(depth);

    protected override void PassFailed(Exception exception) => DriverLog.SetDeliveryPassFailed(logger, exception);

    protected override async Task StoppedAsync()
    {
        Task[] running;
        lock (draining)
        {
            running = [.. draining.Values];
        }

        try
        {
            // The drain loops see the same stop token; an attempt in flight gets a moment to record its outcome.
            await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        }
        catch (TimeoutException)
        {
            // What was not recorded is delivered again after the restart: the outbox still has it pending.
        }
    }

    /// <summary>Starts a drain loop for each receiver with SETs due that has none running.</summary>
    internal async Task StartDueReceiversAsync(CancellationToken cancellationToken)
    {
        foreach (var receiver in await outbox.DueReceiversAsync(Time.GetUtcNow(), cancellationToken))
        {
            lock (draining)
            {
                if (draining.ContainsKey(receiver))
                {
                    continue;
                }

                draining[receiver] = Task.Run(() => DrainAsync(receiver, cancellationToken), CancellationToken.None);
            }
        }
    }

    private async Task DrainAsync(string receiver, CancellationToken cancellationToken)
    {
        try
        {
            await DeliverDueAsync(receiver, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            DriverLog.SetDeliveryPassFailed(logger, exception);
        }
        finally
        {
            lock (draining)
            {
                draining.Remove(receiver);
            }

            // More may have come due for this receiver while it was busy.
            Wake();
        }
    }

    /// <summary>Delivers what is due for every receiver, one after the other; returns how many items were attempted.</summary>
    internal async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var attempted = 0;
        foreach (var receiver in await outbox.DueReceiversAsync(Time.GetUtcNow(), cancellationToken))
        {
            attempted += await DeliverDueAsync(receiver, cancellationToken);
        }

        return attempted;
    }

    /// <summary>One receiver's due SETs, until none is due; returns how many were attempted.</summary>
    internal async Task<int> DeliverDueAsync(string receiver, CancellationToken cancellationToken)
    {
        var attempted = 0;
        while (true)
        {
            var target = await TargetAsync(receiver, cancellationToken);
            if (target is null)
            {
                return attempted;
            }

            var due = await outbox.DueAsync(Time.GetUtcNow(), receiver, BatchSize, cancellationToken);
            if (due.Count == 0)
            {
                return attempted;
            }

            attempted += await AttemptEachAsync(due, item => DeliverAsync(item, target.Value, cancellationToken), cancellationToken);
        }
    }

    /// <summary>
    /// Where a receiver's SETs go now: its configured endpoint, or its stream's. Null when nothing should be sent now
    /// (a paused stream keeps its SETs; a receiver that is gone has them abandoned).
    /// </summary>
    private async Task<(Uri Endpoint, string? Authorization)?> TargetAsync(string receiver, CancellationToken cancellationToken)
    {
        if (SsfStream.StreamIdOf(receiver) is not { } streamId)
        {
            if (options.Receivers.TryGetValue(receiver, out var configured))
            {
                return (configured.Endpoint!, configured.Authorization);
            }

            return await AbandonAsync(receiver, $"receiver '{receiver}' is no longer configured", cancellationToken);
        }

        var stream = await streams.GetAsync(streamId, cancellationToken);
        if (stream is null || stream.Status == SsfStreamStatus.Disabled || stream.EndpointUrl is null)
        {
            return await AbandonAsync(
                receiver,
                stream is null ? "the stream was deleted" : stream.Status == SsfStreamStatus.Disabled ? "the stream is disabled" : "the stream has no endpoint",
                cancellationToken);
        }

        if (!options.Clients.TryGetValue(stream.Client, out var client))
        {
            return await AbandonAsync(receiver, $"receiver '{stream.Client}' is no longer configured", cancellationToken);
        }

        // Checked again on every pass, not only when the stream was registered: the operator may have narrowed the
        // list since (or the stream predates it). Its SETs wait, as for a paused stream, until the endpoint is allowed.
        var endpoint = new Uri(stream.EndpointUrl);
        if (!client.AllowsPush(endpoint))
        {
            if (refusedEndpoints.TryAdd(receiver, true))
            {
                DriverLog.SetEndpointNotAllowed(logger, receiver, stream.Client, endpoint.GetLeftPart(UriPartial.Authority));
            }

            return null;
        }

        refusedEndpoints.TryRemove(receiver, out _);
        return stream.Status == SsfStreamStatus.Paused ? null : (endpoint, stream.AuthorizationHeader);
    }

    /// <summary>Gives up a receiver's pending SETs, saying why; null, as nothing is sent.</summary>
    private async Task<(Uri Endpoint, string? Authorization)?> AbandonAsync(string receiver, string why, CancellationToken cancellationToken)
    {
        var abandoned = await outbox.AbandonAsync(receiver, why, Time.GetUtcNow(), cancellationToken);
        DriverLog.SetRejected(logger, $"{abandoned} SET(s)", receiver, why);
        return null;
    }

    private async Task DeliverAsync(OutboxItem item, (Uri Endpoint, string? Authorization) receiver, CancellationToken cancellationToken)
    {
        string error;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, receiver.Endpoint)
            {
                Content = new StringContent(item.SetToken, Encoding.ASCII),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(SecurityEventTokens.MediaType);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (!string.IsNullOrEmpty(receiver.Authorization))
            {
                request.Headers.TryAddWithoutValidation("Authorization", receiver.Authorization);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.DeliveryTimeout);
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                await outbox.MarkDeliveredAsync(item.Id, Time.GetUtcNow(), cancellationToken);
                DriverLog.SetDelivered(logger, item.Jti, item.Receiver, (int)item.Attempts + 1);
                return;
            }

            var body = await ErrorAnswers.ReadStartAsync(response.Content, MaxAnswerBytes, timeout.Token);
            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                var reason = $"rejected with 400{ErrorAnswers.SetReceiver(body).Suffix}";
                await outbox.MarkFailedAsync(item.Id, reason, Time.GetUtcNow(), cancellationToken);
                DriverLog.SetRejected(logger, item.Jti, item.Receiver, reason);
                return;
            }

            error = $"answered {(int)response.StatusCode}{ErrorAnswers.SetReceiver(body).Suffix}";
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException)
        {
            // IOException: the connection ended while the answer was read.
            error = exception.Message;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            error = $"no answer within {options.DeliveryTimeout.TotalSeconds:0.#} s";
        }

        var attempts = item.Attempts + 1;
        var next = Time.GetUtcNow() + Backoff.Exponential(attempts, options.InitialBackoff, options.MaxBackoff);
        await outbox.MarkRetryAsync(item.Id, error, next, cancellationToken);
        DriverLog.SetDeliveryRetry(logger, item.Jti, item.Receiver, (int)attempts, error, next);
    }
}
