using System.Net.Http.Headers;

namespace ZtStream.Responder.Notifications.Targets;

/// <summary>
/// The targets reached by one HTTPS POST: the generic webhook (the content as JSON, signed), Slack, Teams and
/// PagerDuty (their own bodies). A 2xx answer is delivery; 408, 429 (honouring Retry-After) and 5xx are retried;
/// any other answer, a redirect included (not followed), refuses the message itself and ends it as failed.
/// </summary>
internal sealed class HttpNotificationSender(string kind, IHttpClientFactory httpClients, TimeProvider time) : INotificationSender
{
    public const string HttpClientName = "ztstream-notifications";

    // More than the 300 characters the audit entry keeps, at up to 3 bytes a character.
    private const int MaxAnswerBytes = 1024;

    public string Kind { get; } = kind;

    public async Task<SendOutcome> SendAsync(NotificationContent content, NotificationTargetOptions target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(target);
        var body = Kind switch
        {
            NotificationTargetOptions.Slack => MessageRenderings.Slack(content),
            NotificationTargetOptions.Teams => MessageRenderings.Teams(content),
            NotificationTargetOptions.PagerDuty => MessageRenderings.PagerDuty(content, target.RoutingKey ?? ""),
            _ => JsonSerializer.Serialize(content, ResponderJsonContext.Default.NotificationContent),
        };
        var bytes = Encoding.UTF8.GetBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Endpoint) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("ZtStream", "1"));
        if (Kind == NotificationTargetOptions.Webhook)
        {
            request.Headers.TryAddWithoutValidation(WebhookSignature.Header, WebhookSignature.Sign(target.Secret ?? "", time.GetUtcNow(), bytes));
            request.Headers.TryAddWithoutValidation(WebhookSignature.DeliveryHeader, content.Id);
            request.Headers.TryAddWithoutValidation(WebhookSignature.EventHeader, content.Event);
        }

        try
        {
            // The status decides: the body is read after it, only its start and only while the attempt lasts.
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            var answer = await ReadAnswerAsync(response, cancellationToken);
            var detail = $"{status}{answer}";
            if (response.IsSuccessStatusCode)
            {
                return SendOutcome.Ok(detail);
            }

            if (status is >= 300 and < 400)
            {
                return SendOutcome.Refused($"{status} redirecting to {response.Headers.Location}: notifications follow no redirect; configure the final URL as the target's Url");
            }

            if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || status >= 500)
            {
                return SendOutcome.Retry(detail, Backoff.RetryAfter(response, time.GetUtcNow()));
            }

            return SendOutcome.Refused(detail);
        }
        catch (HttpRequestException exception)
        {
            return SendOutcome.Retry(exception.Message);
        }
    }

    /// <summary>
    /// The start of the target's answer, for the audit trail: at most <see cref="MaxAnswerBytes"/>, and what arrived
    /// before the attempt's time ran out or the connection broke. A 200 whose body never ends (a Content-Length never
    /// filled, a function still working) has taken the message; awaiting the whole body timed it out and sent it again,
    /// and a huge body was held in memory whole.
    /// </summary>
    private static async Task<string> ReadAnswerAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = (await ErrorAnswers.ReadStartAsync(response.Content, MaxAnswerBytes, cancellationToken, keepWhatCame: true)).Trim();
        return text.Length == 0 ? "" : ": " + (text.Length > 300 ? text[..300] + "…" : text);
    }

}
