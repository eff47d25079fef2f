namespace ZtStream.Ingest.SignedTokens;

/// <summary>
/// How Ingest reaches a publisher the operator configured (a JWKS, a transmitter's poll endpoint): the URL configured is
/// the one trusted, so its clients follow no redirect on their own — a JWKS host that answers 302 to another host would
/// let that host choose the keys, and a poll would carry its bearer credential there — and an answer is read only up to
/// a bound, as it arrives, never buffered whole first.
/// </summary>
internal static class PublisherHttp
{
    /// <summary>Redirects followed within one origin (a moved path on the same host), at most.</summary>
    public const int MaxRedirects = 3;

    /// <summary>Registers the named client that follows no redirect by itself.</summary>
    public static IHttpClientBuilder AddPublisherHttpClient(this IServiceCollection services, string name) =>
        services.AddHttpClient(name).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });

    /// <summary>
    /// GETs <paramref name="uri"/>, following up to <see cref="MaxRedirects"/> redirects that keep its scheme, host and
    /// port; a redirect anywhere else is refused, naming where it pointed. The answer's body is not read yet.
    /// </summary>
    /// <exception cref="HttpRequestException">A redirect to another origin, or too many.</exception>
    public static async Task<HttpResponseMessage> GetAsync(HttpClient client, Uri uri, CancellationToken cancellationToken)
    {
        var current = uri;
        for (var redirects = 0; ; redirects++)
        {
            var response = await client.GetAsync(current, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!IsRedirect(response.StatusCode))
            {
                return response;
            }

            using (response)
            {
                var location = response.Headers.Location is { } l ? new Uri(current, l) : null;
                if (location is null || !SameOrigin(location, uri))
                {
                    throw new HttpRequestException($"answered {(int)response.StatusCode} redirecting to {location?.ToString() ?? "nowhere"}, another origin than {uri.GetLeftPart(UriPartial.Authority)}: redirects are not followed off the configured host; configure the final URL");
                }

                if (redirects == MaxRedirects)
                {
                    throw new HttpRequestException($"answered more than {MaxRedirects} redirects");
                }

                current = location;
            }
        }
    }

    /// <summary>A 3xx answer that points elsewhere (what an automatic redirect would follow).</summary>
    public static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    /// <summary>
    /// The body of <paramref name="content"/> (<paramref name="what"/>, for the message), read as it arrives and refused
    /// once it passes <paramref name="maxBytes"/>, whatever its Content-Length says (a chunked answer has none).
    /// </summary>
    /// <exception cref="InvalidOperationException">The body is larger than <paramref name="maxBytes"/>.</exception>
    public static async Task<byte[]> ReadAtMostAsync(HttpContent content, long maxBytes, string what, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > maxBytes)
        {
            throw TooLarge(what, maxBytes);
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var body = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (body.Length + read > maxBytes)
                {
                    throw TooLarge(what, maxBytes);
                }

                body.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return body.ToArray();
    }

    private static bool SameOrigin(Uri a, Uri b) => a.IsAbsoluteUri
        && string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;

    private static InvalidOperationException TooLarge(string what, long maxBytes) =>
        new($"{what} is larger than {(maxBytes % (1024 * 1024) == 0 ? $"{maxBytes / (1024 * 1024)} MiB" : $"{maxBytes} bytes")}: it was not read further");
}
