using Microsoft.Net.Http.Headers;

namespace ZtStream.Platform.Http;

/// <summary>
/// The one way ZtStream judges that a body is JSON, received in a request or in a peer's answer: <c>application/json</c>
/// or any <c>+json</c> type (RFC 6839), in any letter case, with any parameters (what ASP.NET Core's
/// <c>HasJsonContentType</c> takes). No Content-Type, or one that does not parse, is not JSON.
/// </summary>
internal static class JsonMediaType
{
    public static bool Is(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && (parsed.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || parsed.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));
}
