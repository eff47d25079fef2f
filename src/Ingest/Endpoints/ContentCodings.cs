using Microsoft.Net.Http.Headers;

namespace ZtStream.Ingest.Endpoints;

/// <summary>
/// The request <c>Content-Encoding</c>s Ingest reads: log shippers compress their batches (Fluent Bit's <c>compress gzip</c>,
/// Vector's <c>compression = "gzip"</c>/<c>"zlib"</c>), so a compressed body is decoded as it is read, and only as far as
/// <see cref="Options.IngestOptions.MaxBodyBytes"/> of decoded bytes: a small body that would expand to gigabytes is
/// refused after the limit, never held. Any other coding is answered 415 naming these.
/// </summary>
internal static class ContentCodings
{
    /// <summary>The codings accepted, as an <c>Accept-Encoding</c> answer lists them (RFC 9110 §12.5.3).</summary>
    public const string Supported = "gzip, deflate, br";

    /// <summary>
    /// The body decoded by the request's one content coding (none or <c>identity</c>: the body itself), and that coding's
    /// name; false, with the coding named, when it is not one of <see cref="Supported"/> or more than one is applied.
    /// </summary>
    public static bool TryDecode(HttpRequest request, out Stream body, out string? coding)
    {
        body = request.Body;
        coding = null;
        var codings = request.Headers.ContentEncoding;
        if (codings.Count == 0)
        {
            return true;
        }

        // "gzip, br" is a body gzipped then compressed with Brotli: no shipper sends it, so one coding is all that is read.
        var applied = new List<string>();
        foreach (var value in codings)
        {
            foreach (var part in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!part.Equals("identity", StringComparison.OrdinalIgnoreCase))
                {
                    applied.Add(part.ToLowerInvariant());
                }
            }
        }

        if (applied.Count == 0)
        {
            return true;
        }

        coding = string.Join(", ", applied);
        if (applied.Count > 1)
        {
            return false;
        }

        Stream? decoded = coding switch
        {
            "gzip" or "x-gzip" => new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true),
            // HTTP's "deflate" is the zlib format (RFC 9110 §8.4.1.2), not a bare deflate stream.
            "deflate" => new ZLibStream(request.Body, CompressionMode.Decompress, leaveOpen: true),
            "br" => new BrotliStream(request.Body, CompressionMode.Decompress, leaveOpen: true),
            _ => null,
        };
        if (decoded is null)
        {
            return false;
        }

        body = decoded;
        return true;
    }

    /// <summary>
    /// The charset parameter of <paramref name="contentType"/> when it names an encoding other than UTF-8 (or its subset
    /// US-ASCII); null when there is none or it is UTF-8. JSON between systems is UTF-8 (RFC 8259 §8.1): a UTF-16 or
    /// Latin-1 body would otherwise be misread byte by byte.
    /// </summary>
    public static string? OtherCharset(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType) || !MediaTypeHeaderValue.TryParse(contentType, out var parsed) || !parsed.Charset.HasValue)
        {
            return null;
        }

        var charset = parsed.Charset.Value!.Trim('"');
        return charset.ToLowerInvariant() is "utf-8" or "utf8" or "us-ascii" ? null : charset;
    }

    /// <summary><paramref name="body"/> without a leading UTF-8 byte order mark, which RFC 8259 §8.1 lets a parser ignore.</summary>
    public static ReadOnlyMemory<byte> WithoutByteOrderMark(ReadOnlyMemory<byte> body) =>
        body.Span.StartsWith("\uFEFF"u8) ? body[3..] : body;
}
