namespace ZtStream.TestSupport.Http;

/// <summary>A request body HttpClient sends chunked, without Content-Length, because it cannot tell its length.</summary>
public sealed class NoLengthStream(byte[] data) : MemoryStream(data)
{
    public override bool CanSeek => false;

    /// <summary>
    /// <paramref name="body"/> as <c>application/json</c>, with its Content-Length when <paramref name="declareLength"/>,
    /// else chunked: a server's body limit must hold either way.
    /// </summary>
    public static HttpContent Json(byte[] body, bool declareLength)
    {
        HttpContent content = declareLength ? new ByteArrayContent(body) : new StreamContent(new NoLengthStream(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }
}
