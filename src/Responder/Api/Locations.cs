namespace ZtStream.Responder.Api;

/// <summary>
/// The <c>Location</c> of what a creating request made (RFC 9110 §10.2.2 and §15.3.2 for a 201; for a 202, the resource
/// that shows how the request goes, §15.3.3): a path under the request's path base, so it holds behind a proxy that
/// mounts the API under a prefix. A repeat of an <c>Idempotency-Key</c> answers the first answer's again
/// (<see cref="IdempotentRequests"/>).
/// </summary>
internal static class Locations
{
    /// <summary>Sets <c>Location</c> to <c>/v1/{collection}/{id}</c>, the id escaped as one path segment.</summary>
    public static void Set(HttpContext http, string collection, string id) => SetTo(http, $"/v1/{collection}/{Uri.EscapeDataString(id)}");

    /// <summary>
    /// Sets <c>Location</c> to <paramref name="path"/> and one query parameter, its value escaped: for an API that names
    /// what it made in the query (SSF's <c>/ssf/streams?stream_id=</c>).
    /// </summary>
    public static void Set(HttpContext http, string path, string parameter, string value) =>
        SetTo(http, $"{path}?{parameter}={Uri.EscapeDataString(value)}");

    private static void SetTo(HttpContext http, string pathAndQuery) =>
        http.Response.Headers.Location = http.Request.PathBase.ToUriComponent() + pathAndQuery;
}
