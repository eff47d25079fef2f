using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace ZtStream.Ingest.SharedSignals;

/// <summary>An RFC 8936 poll request: what was received since the last poll, and how many SETs to send now.</summary>
internal sealed record PollRequest
{
    [JsonPropertyName("ack")]
    public IReadOnlyList<string> Ack { get; init; } = [];

    [JsonPropertyName("setErrs")]
    public Dictionary<string, PollSetError>? SetErrs { get; init; }

    [JsonPropertyName("returnImmediately")]
    public bool ReturnImmediately { get; init; } = true;

    [JsonPropertyName("maxEvents")]
    public int MaxEvents { get; init; }
}

internal sealed record PollSetError([property: JsonPropertyName("err")] string Err, [property: JsonPropertyName("description")] string Description);

/// <summary>An RFC 8936 poll response: SETs by jti, and whether more are waiting.</summary>
internal sealed record PollResponse
{
    [JsonPropertyName("sets")]
    public Dictionary<string, string>? Sets { get; init; }

    [JsonPropertyName("moreAvailable")]
    public bool MoreAvailable { get; init; }
}

/// <summary>
/// Polls each transmitter that has a <c>PollEndpoint</c> (RFC 8936). A SET is acknowledged in the next poll only once
/// its events are in the event log (or it was a duplicate); a refused SET is reported in <c>setErrs</c>; a SET that
/// could not be kept is neither, so the transmitter sends it again. Each transmitter has its own loop, so one that is
/// down delays only its own SETs. A poll follows no redirect (it carries the transmitter's credential) and reads an
/// answer no larger than <c>PollMaxEvents</c> SETs of <c>MaxSetBytes</c> (<see cref="PublisherHttp"/>), and only a JSON
/// one (<see cref="JsonMediaType"/>): an HTML login page or a proxy's error page is reported as what it is.
/// </summary>
internal sealed class SsfPollingService(
    SsfReceiver receiver,
    IHttpClientFactory httpClients,
    IOptions<SsfReceiverOptions> options,
    IngestMetrics metrics,
    TimeProvider time,
    ILogger<SsfPollingService> logger) : BackgroundService
{
    public const string HttpClientName = "ztstream-ssf-receiver";

    // The causes of failed polls a loop remembers having logged (an answer that was not JSON by status and media type,
    // any other failure by its reason): a transmitter cycling through answers cannot make it remember more, and what
    // it does not remember is still counted or retried as before.
    private const int MaxSaidCauses = 16;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = options.Value.Transmitters
            .Where(t => t.Value.PollEndpoint is not null)
            .Select(t => PollLoopAsync(t.Key, t.Value, stoppingToken))
            .ToList();
        return Task.WhenAll(loops);
    }

    private async Task PollLoopAsync(string name, SsfTransmitterOptions transmitter, CancellationToken stoppingToken)
    {
        var pending = new PendingAcks();
        var failures = 0;
        var said = new HashSet<string>(StringComparer.Ordinal);
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                var more = await PollOnceAsync(name, transmitter, pending, stoppingToken);
                failures = 0;
                said.Clear();
                wait = more ? TimeSpan.Zero : options.Value.PollInterval;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (PollAnswerNotJsonException notJson)
            {
                // A login portal or a proxy answers the same page poll after poll: said once per cause while it lasts,
                // counted each time, retried as any failure.
                wait = Backoff(++failures);
                metrics.Rejected("ssf:" + name, "ssf", "unsupported_media_type", 1);
                if (FirstTime(said, "not-json " + notJson.Cause))
                {
                    IngestLog.PollAnswerNotJson(logger, name, notJson.Status, notJson.ContentType, wait);
                }
            }
            catch (Exception exception)
            {
                // Whatever went wrong (the transmitter down, a bad answer, the store or log unavailable), this
                // transmitter's loop backs off and tries again; it must never stop the host or the other loops. A
                // proxy's 502 page answers every attempt alike: said once per reason while it lasts, as above.
                wait = Backoff(++failures);
                if (FirstTime(said, "failed " + exception.Message))
                {
                    IngestLog.PollFailed(logger, name, exception.Message, wait);
                }
            }

            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static bool FirstTime(HashSet<string> said, string cause) => said.Count < MaxSaidCauses && said.Add(cause);

    private TimeSpan Backoff(int failures) =>
        TimeSpan.FromTicks(Math.Min(options.Value.PollInterval.Ticks * 4, TimeSpan.FromSeconds(1).Ticks * (1L << Math.Min(failures, 16))));

    /// <summary>
    /// One poll: acknowledges what was kept since the last one, receives what comes back; true when more is waiting
    /// and this answer brought SETs (so the next poll goes at once).
    /// </summary>
    internal async Task<bool> PollOnceAsync(string name, SsfTransmitterOptions transmitter, PendingAcks pending, CancellationToken cancellationToken)
    {
        var request = new PollRequest
        {
            Ack = [.. pending.Acks],
            SetErrs = pending.Errors.Count == 0 ? null : new Dictionary<string, PollSetError>(pending.Errors),
            ReturnImmediately = true,
            MaxEvents = transmitter.PollMaxEvents,
        };
        PollResponse response;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            deadline.CancelAfter(options.Value.HttpTimeout);
            using var message = new HttpRequestMessage(HttpMethod.Post, transmitter.PollEndpoint)
            {
                Content = JsonContent.Create(request, IngestJsonContext.Default.PollRequest),
            };
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (!string.IsNullOrEmpty(transmitter.PollAuthorization))
            {
                message.Headers.TryAddWithoutValidation("Authorization", transmitter.PollAuthorization);
            }

            using var answer = await httpClients.CreateClient(HttpClientName).SendAsync(message, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            if (PublisherHttp.IsRedirect(answer.StatusCode))
            {
                // The poll carries PollAuthorization: it goes to the configured endpoint only.
                throw new HttpRequestException($"the poll endpoint answered {(int)answer.StatusCode} redirecting to {answer.Headers.Location}: polls follow no redirect; configure the final URL as PollEndpoint");
            }

            if (!answer.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"the poll endpoint answered {(int)answer.StatusCode}");
            }

            // RFC 8936 §2.3 answers application/json; anything else (a login portal, a proxy's error page) is not read.
            var contentType = answer.Content.Headers.NonValidated.TryGetValues("Content-Type", out var types) ? types.ToString() : null;
            if (!JsonMediaType.Is(contentType))
            {
                throw new PollAnswerNotJsonException((int)answer.StatusCode, contentType);
            }

            // At most PollMaxEvents SETs of at most MaxSetBytes each, with their jtis and the envelope.
            var max = (long)transmitter.PollMaxEvents * (options.Value.MaxSetBytes + 1024) + 4096;
            var body = await PublisherHttp.ReadAtMostAsync(answer.Content, max, "the poll response", deadline.Token);
            response = JsonSerializer.Deserialize(body, IngestJsonContext.Default.PollResponse)
                ?? throw new JsonException("the poll response is empty");
        }

        // The transmitter has what was acknowledged or reported: stop sending it.
        pending.Clear();
        var sets = response.Sets ?? [];
        IngestLog.Polled(logger, name, sets.Count, response.MoreAvailable);
        foreach (var (jti, token) in sets)
        {
            var receipt = await receiver.ReceiveAsync(token ?? string.Empty, SsfReceiver.Poll, pushSource: null, polledFrom: name, cancellationToken);
            switch (receipt.Outcome)
            {
                case SetOutcome.Accepted:
                case SetOutcome.Duplicate:
                    pending.Acks.Add(jti);
                    break;
                case SetOutcome.Rejected:
                    pending.Errors[jti] = new PollSetError(receipt.Rejection!.Error, receipt.Rejection.Description);
                    break;
                default:
                    // Neither acknowledged nor refused: the transmitter keeps it and sends it again. Stop here and
                    // wait, rather than fetch more that could not be kept either.
                    throw new PollUnavailableException($"SET {jti} could not be kept now; it stays with the transmitter");
            }
        }

        // moreAvailable asks for the next poll at once; with no SET in this answer it would be a loop without pause.
        return response.MoreAvailable && sets.Count > 0;
    }

    /// <summary>What the next poll acknowledges and reports.</summary>
    internal sealed class PendingAcks
    {
        public List<string> Acks { get; } = [];

        public Dictionary<string, PollSetError> Errors { get; } = new(StringComparer.Ordinal);

        public void Clear()
        {
            Acks.Clear();
            Errors.Clear();
        }
    }

    private sealed class PollUnavailableException(string message) : Exception(message);

    /// <summary>A successful poll answer whose Content-Type is not JSON; <see cref="Cause"/> tells one kind from another.</summary>
    private sealed class PollAnswerNotJsonException(int status, string? contentType)
        : Exception($"the poll endpoint answered {status} with {Describe(contentType)}, not JSON")
    {
        // A header a transmitter chose is logged, so it is cut to a length a log line can take.
        private const int MaxLogged = 128;

        public int Status { get; } = status;

        public string ContentType { get; } = Describe(contentType);

        /// <summary>The status and the media type without its parameters, in lower case.</summary>
        public string Cause { get; } = $"{status} {(MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed.MediaType?.ToLowerInvariant() : contentType)}";

        private static string Describe(string? contentType) => contentType switch
        {
            null or "" => "no Content-Type",
            { Length: > MaxLogged } => "Content-Type " + contentType[..MaxLogged] + "…",
            _ => "Content-Type " + contentType,
        };
    }
}
