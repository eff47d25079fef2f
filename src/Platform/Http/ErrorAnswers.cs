namespace ZtStream.Platform.Http;

/// <summary>
/// What another service's error answer says, for an action's error, an outbox item's last error or a check's result:
/// the code and description of its JSON error object, else the start of the body. The shapes are the specs' —
/// RFC 6749 §5.2 (<c>error</c>, <c>error_description</c>) for OAuth endpoints, RFC 8935 §2.3 (<c>err</c>,
/// <c>description</c>) for SET receivers — but a body that is not that shape (HTML from a proxy, an array, a code that
/// is not a string) is shown as text, never an exception.
/// </summary>
internal static class ErrorAnswers
{
    /// <summary>The longest part of a body shown when it is not the error object.</summary>
    public const int MaxShown = 200;

    /// <summary>
    /// The start of another service's answer, at most <paramref name="maxBytes"/>, as UTF-8 text: that service chooses the
    /// body, so neither its size nor its pace may hold memory or a delivery loop. A body that breaks off or outlasts
    /// <paramref name="cancellationToken"/> throws, unless <paramref name="keepWhatCame"/>: then what arrived is the answer.
    /// </summary>
    public static async Task<string> ReadStartAsync(HttpContent content, int maxBytes, CancellationToken cancellationToken, bool keepWhatCame = false)
    {
        var buffer = new byte[maxBytes];
        var length = 0;
        try
        {
            await using var stream = await content.ReadAsStreamAsync(cancellationToken);
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            {
                length += read;
            }
        }
        catch (Exception exception) when (keepWhatCame && exception is OperationCanceledException or HttpRequestException or IOException)
        {
            // What came is kept; the caller's status stands.
        }

        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    /// <summary>OAuth 2.0 (RFC 6749 §5.2): <c>{"error": "...", "error_description": "..."}</c>.</summary>
    public static ErrorAnswer OAuth(string? body) => Read(body, "error", "error_description");

    /// <summary>Push delivery of SETs (RFC 8935 §2.3): <c>{"err": "...", "description": "..."}</c>.</summary>
    public static ErrorAnswer SetReceiver(string? body) => Read(body, "err", "description");

    /// <summary>The most of an error answer read: an RFC 6749 or RFC 8935 error object fits in it many times over.</summary>
    public const int MaxErrorBytes = 64 * 1024;

    /// <summary>
    /// The start of <paramref name="response"/>'s error answer (at most <see cref="MaxErrorBytes"/>), what arrived before
    /// <paramref name="cancellationToken"/> or a broken connection ended it: the status is the answer, the body only says
    /// why. Send the request with <see cref="HttpCompletionOption.ResponseHeadersRead"/>: otherwise HttpClient has already
    /// read the whole body into memory, however large, and waited for its end.
    /// </summary>
    public static Task<string> BodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        return ReadStartAsync(response.Content, MaxErrorBytes, cancellationToken, keepWhatCame: true);
    }

    private static ErrorAnswer Read(string? body, string codeField, string descriptionField)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return new ErrorAnswer(null, null, "");
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty(codeField, out var code) && code.ValueKind == JsonValueKind.String)
            {
                var description = root.TryGetProperty(descriptionField, out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
                return new ErrorAnswer(code.GetString(), description, null);
            }
        }
        catch (JsonException)
        {
            // Not JSON: shown as text below.
        }

        var text = body.Trim();
        return new ErrorAnswer(null, null, text.Length > MaxShown ? text[..MaxShown] : text);
    }
}

/// <summary>An error answer: the spec's <paramref name="Code"/> and <paramref name="Description"/>, or the start of a body that was not that.</summary>
internal sealed record ErrorAnswer(string? Code, string? Description, string? Text)
{
    /// <summary>To append to a message: <c>": code — description"</c>, <c>": code"</c>, <c>": text"</c>, or nothing.</summary>
    public string Suffix => Code is not null
        ? Description is null ? $": {Code}" : $": {Code} — {Description}"
        : string.IsNullOrEmpty(Text) ? "" : $": {Text}";
}
