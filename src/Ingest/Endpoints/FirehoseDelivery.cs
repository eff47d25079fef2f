namespace ZtStream.Ingest.Endpoints;

/// <summary>
/// Amazon Data Firehose's HTTP endpoint delivery in front of an adapter's endpoint (<c>POST /v1/sources/NAME/firehose</c>):
/// Firehose sends the access key configured on the stream in <c>X-Amz-Firehose-Access-Key</c> (a source key here) and
/// counts a delivery as done only on <c>200</c> with <c>{"requestId", "timestamp"}</c>, the request id echoed. Everything
/// else is the adapter's endpoint unchanged: an answer other than all-accepted keeps its status (Firehose retries it, then
/// backs the records up to its S3 bucket — none lost), and its problem document gains <c>requestId</c>, <c>timestamp</c>
/// and an <c>errorMessage</c> Firehose copies into its error log.
/// </summary>
internal sealed class FirehoseDelivery(IngestHandler handler, TimeProvider time)
{
    public const string AccessKeyHeader = "X-Amz-Firehose-Access-Key";
    public const string RequestIdHeader = "X-Amz-Firehose-Request-Id";

    /// <summary>How many item errors the <c>errorMessage</c> lists; Firehose logs only the start of an answer anyway.</summary>
    private const int ErrorsInMessage = 5;

    public static string PathOf(SourceAdapter adapter) => $"{adapter.Path}/firehose";

    public async Task HandleAsync(HttpContext context, SourceAdapter adapter)
    {
        var request = context.Request;
        if (string.IsNullOrEmpty(request.Headers.Authorization) && request.Headers[AccessKeyHeader].ToString() is { Length: > 0 } key)
        {
            // The source authenticator reads the Authorization header; Firehose cannot set one, only its access key.
            request.Headers.Authorization = $"Bearer {key}";
        }

        var requestId = request.Headers[RequestIdHeader].ToString();
        var answer = context.Response.Body;
        using var buffered = new MemoryStream();
        context.Response.Body = buffered;
        try
        {
            await handler.HandleAsync(context, adapter);
        }
        finally
        {
            context.Response.Body = answer;
        }

        var timestamp = time.GetUtcNow().ToUnixTimeMilliseconds();
        JsonObject body;
        if (context.Response.StatusCode == StatusCodes.Status202Accepted)
        {
            // The one answer Firehose reads as done: 200, application/json, its request id.
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/json";
            body = new JsonObject { ["requestId"] = requestId, ["timestamp"] = timestamp };
        }
        else
        {
            // Any other answer is a failure to Firehose, which logs its status and body as they are: the problem document
            // (its type unchanged) with Firehose's members added.
            body = JsonNode.Parse(buffered.ToArray()) as JsonObject ?? [];
            body["requestId"] = requestId;
            body["timestamp"] = timestamp;
            body["errorMessage"] = ErrorMessage(context.Response.StatusCode, body);
        }

        context.Response.ContentLength = null;
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    /// <summary>The problem in one line: its detail and the first item errors (<c>index field: reason</c>).</summary>
    private static string ErrorMessage(int status, JsonObject problem)
    {
        var message = new StringBuilder();
        message.Append(status == StatusCodes.Status401Unauthorized
            ? "Source credential missing or not valid: set the HTTP endpoint's access key to a source key ('ztstream sources add NAME')."
            : problem["detail"]?.GetValue<string>() ?? problem["title"]?.GetValue<string>() ?? $"HTTP {status}");
        if (problem["errors"] is JsonArray errors)
        {
            foreach (var error in errors.Take(ErrorsInMessage))
            {
                message.Append(CultureInfo.InvariantCulture, $" [{error?["index"]}] {error?["field"]}: {error?["reason"]}");
            }

            if (errors.Count > ErrorsInMessage)
            {
                message.Append(CultureInfo.InvariantCulture, $" … and {errors.Count - ErrorsInMessage} more");
            }
        }

        return message.ToString();
    }
}
