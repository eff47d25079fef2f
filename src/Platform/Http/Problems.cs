using Microsoft.AspNetCore.WebUtilities;

namespace ZtStream.Platform.Http;

/// <summary>
/// The one way an HTTP endpoint answers an error: a <see cref="Problem"/> written as <c>application/problem+json</c>
/// with <c>type</c>, <c>title</c>, <c>status</c>, <c>detail</c> and <c>instance</c>. Handlers that return
/// <see cref="IResult"/> use <see cref="Result(Problem)"/>; handlers that write the response use
/// <see cref="WriteAsync"/>. Request bodies are read with <see cref="ReadJsonAsync"/>, which answers a malformed
/// body with 400 naming what is wrong instead of reading it as "no body".
/// </summary>
internal static class Problems
{
    /// <summary>A problem of type <c>TypeBase + <paramref name="type"/></c>.</summary>
    public static Problem Create(int status, string type, string title, string? detail = null, IReadOnlyList<ItemError>? errors = null) => new()
    {
        Type = Problem.TypeBase + type,
        Title = title,
        Status = status,
        Detail = detail,
        Errors = errors,
    };

    /// <summary>A problem whose type and title follow from the status code (<c>404</c> → <c>…/not-found</c>, "Not Found").</summary>
    public static Problem Of(int status, string? detail = null, IReadOnlyList<ItemError>? errors = null)
    {
        var title = ReasonPhrases.GetReasonPhrase(status);
        if (title.Length == 0)
        {
            title = "Error";
        }

        return Create(status, title.ToLowerInvariant().Replace(' ', '-'), title, detail, errors);
    }

    /// <summary>
    /// 400 listing each bad field of a request of one item (index 0); the detail joins the reasons. An API with problem
    /// types of its own names its <paramref name="type"/> (the stream management API's <c>ssf-invalid-request</c>).
    /// </summary>
    public static Problem Invalid(IReadOnlyList<ItemError> errors, string type = "invalid-request")
    {
        ArgumentNullException.ThrowIfNull(errors);
        return Create(400, type, "The request is not valid", string.Join("; ", errors.Select(e => $"{e.Field}: {e.Reason}")), errors);
    }

    /// <summary>
    /// 409 for a change decided on a version of something that has changed since: the detail says what it is now, and
    /// <c>current_version</c> the version it is at, the one a change decided again on it sends.
    /// </summary>
    public static Problem Stale(long currentVersion, string detail) => Of(409, detail) with { CurrentVersion = currentVersion };

    /// <summary>The item error of <paramref name="stale"/> (a <see cref="Stale"/> problem) refusing item <paramref name="index"/> of a batch, field <c>version</c>.</summary>
    public static ItemError StaleItem(int index, Problem stale, string reason)
    {
        ArgumentNullException.ThrowIfNull(stale);
        return new ItemError(index, "version", reason) { CurrentVersion = stale.CurrentVersion };
    }

    /// <summary>
    /// 415 for a body sent as <paramref name="contentType"/> (or with no Content-Type) where another media type is read;
    /// <paramref name="send"/> says what to send instead (<c>send the body as application/json</c>).
    /// </summary>
    public static Problem UnsupportedMediaType(string? contentType, string send) =>
        Create(415, "unsupported-media-type", "Unsupported content type", string.IsNullOrEmpty(contentType)
            ? $"The body came with no Content-Type; {send}."
            : $"'{ItemError.Clip(contentType, 80)}' is not accepted; {send}.");

    /// <summary>The problem as an endpoint result.</summary>
    public static IResult Result(Problem problem) => new ProblemResult(problem);

    /// <summary>
    /// <paramref name="wait"/> as <see cref="Problem.RetryAfterSeconds"/>: whole seconds rounded up, at least 1 (0 would
    /// ask for a retry at once) and at most an hour.
    /// </summary>
    public static int RetrySeconds(TimeSpan wait) => (int)Math.Clamp(Math.Ceiling(wait.TotalSeconds), 1, 3600);

    /// <summary>A problem by status code alone (see <see cref="Of"/>), as an endpoint result.</summary>
    public static IResult Result(int status, string? detail = null) => new ProblemResult(Of(status, detail));

    /// <summary>Writes <paramref name="problem"/> as the response, with its request path as <c>instance</c> and <c>Retry-After</c> when it says.</summary>
    public static async Task WriteAsync(HttpContext context, Problem problem)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(problem);
        var response = context.Response;
        response.StatusCode = problem.Status;
        response.ContentType = Problem.MediaType;
        if (problem.RetryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        // Not the request's token: the answer still goes out when the client stops reading its own request.
        await JsonSerializer.SerializeAsync(
            response.Body, problem with { Instance = problem.Instance ?? context.Request.Path.Value }, HttpJsonContext.Default.Problem, CancellationToken.None);
    }

    /// <summary>
    /// Reads an optional JSON body: no body (however framed: no length, a length of 0, no chunks) is <c>(null, null)</c>; a body that is not JSON is a 415 problem, a member
    /// <typeparamref name="T"/> does not take (at any depth, in any letter case but its own) or one named twice a 400
    /// problem naming it (<see cref="JsonMembers"/>), and JSON that does not parse as <typeparamref name="T"/> a 400
    /// problem naming the position and the reason.
    /// </summary>
    public static async Task<(T? Value, IResult? Problem)> ReadJsonAsync<T>(HttpContext context, JsonTypeInfo<T> type)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        if (request.ContentLength is 0 || (request.ContentLength is null && !JsonMediaType.Is(request.ContentType)))
        {
            return (null, null);
        }

        if (!JsonMediaType.Is(request.ContentType))
        {
            return (null, Result(UnsupportedMediaType(request.ContentType, "send the body as application/json")));
        }

        var limit = context.RequestServices.GetService<JsonBodyLimit>() ?? JsonBodyLimit.Default;
        var (body, refused) = await ReadBodyAsync(context, limit);
        if (refused is not null)
        {
            return (null, Result(refused));
        }

        // A JSON request with no length (curl -X POST -H 'Content-Type: application/json') or a chunked body of no
        // chunks sends nothing as surely as Content-Length: 0 does.
        if (body.Length == 0)
        {
            return (null, null);
        }

        if (UnknownMembers(body, type) is { Count: > 0 } unknown)
        {
            return (null, Result(Invalid(unknown)));
        }

        try
        {
            // Deserialized from the bytes read, so the limit above bounds what it costs; the reader's depth limit (64) still applies.
            return (JsonSerializer.Deserialize(body, type), null);
        }
        catch (JsonException e)
        {
            var error = JsonMembers.Unreadable(e, type);
            return (null, Result(Create(400, "malformed-body", "The body is not valid JSON for this request", $"{error.Field}: {error.Reason}", [error])));
        }
    }

    /// <summary>The members <paramref name="type"/> does not take or that are named twice; none when the body is not JSON (the deserializer says why).</summary>
    private static List<ItemError>? UnknownMembers(byte[] body, JsonTypeInfo type)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return JsonMembers.Check(document.RootElement, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads the whole request body, at most <paramref name="limit"/>'s bytes whether or not it declares its length
    /// (a chunked body is stopped just past the limit, never held whole); past it a 413 problem naming the setting,
    /// a body that cannot be read (the client went away, bad chunking) a 400 problem, a body in a content coding
    /// (<c>gzip</c>: only Ingest's endpoints take them) a 415 problem.
    /// </summary>
    public static async Task<(byte[] Body, Problem? Problem)> ReadBodyAsync(HttpContext context, JsonBodyLimit limit)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(limit);
        if (context.Request.Headers.ContentEncoding is { Count: > 0 } coding
            && coding.Any(c => !string.IsNullOrWhiteSpace(c) && !c.Split(',').All(part => part.Trim() is "" or "identity")))
        {
            // Read as it is, a compressed body is bytes that are not JSON, which would be told as malformed JSON: the
            // coding is what is refused (RFC 9110 §15.5.16), and Accept-Encoding says what is taken.
            context.Response.Headers.AcceptEncoding = "identity";
            return ([], Create(415, "unsupported-content-encoding", "Unsupported content encoding",
                $"Content-Encoding '{ItemError.Clip(string.Join(", ", coding.ToArray()))}' is not accepted here; send the body uncompressed."));
        }

        var tooLarge = Create(413, "body-too-large", "Request body too large", $"The limit is {limit.Bytes} bytes ({limit.Setting}).");
        if (context.Request.ContentLength > limit.Bytes)
        {
            return ([], tooLarge);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } server)
        {
            // This limit answers with a problem; the server's own (30 MB by default) would only abort the read.
            server.MaxRequestBodySize = limit.Bytes + 1;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > limit.Bytes)
                {
                    return ([], tooLarge);
                }
            }
        }
        catch (BadHttpRequestException e)
        {
            return ([], e.StatusCode == 413 ? tooLarge : Create(400, "unreadable-body", "The body could not be read", e.Message));
        }
        catch (IOException e)
        {
            return ([], Create(400, "unreadable-body", "The body could not be read", e.Message));
        }

        return (buffer.ToArray(), null);
    }

    private sealed class ProblemResult(Problem problem) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
    {
        public int? StatusCode => problem.Status;

        public string ContentType => Problem.MediaType;

        public Task ExecuteAsync(HttpContext httpContext) => WriteAsync(httpContext, problem);
    }
}

/// <summary>The most bytes a JSON request body may have (<see cref="Problems.ReadJsonAsync"/>), and the setting that says so.</summary>
internal sealed record JsonBodyLimit(long Bytes, string Setting)
{
    /// <summary>For a process that registers none.</summary>
    public static JsonBodyLimit Default { get; } = new(1024 * 1024, "the default of 1 MiB");
}
