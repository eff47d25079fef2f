using System.IO.Compression;

namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>
/// Compressed bodies (Content-Encoding), as log shippers send them, and the charset and byte order mark of a body:
/// decoded within Ingest:MaxBodyBytes of decoded bytes, every other coding or charset refused with a problem naming what is read.
/// </summary>
public sealed class ContentCodingTests
{
    /// <summary>A Falco alert as Falcosidekick's webhook output posts it (falco.org docs: JSON output).</summary>
    private static string FalcoAlert(string pod) => $$$"""
        {"uuid":"{{{Guid.NewGuid()}}}","output":"Shell spawned in a container","priority":"Warning","rule":"Terminal shell in container",
         "time":"{{{DateTimeOffset.UtcNow:O}}}","source":"syscall","hostname":"node-1","tags":["container","shell"],
         "output_fields":{"container.id":"3ad7b26167b6","k8s.ns.name":"payments","k8s.pod.name":"{{{pod}}}","proc.cmdline":"sh -i","user.name":"root"}}
        """;

    [Theory]
    [InlineData("gzip", "/v1/events")]
    [InlineData("deflate", "/v1/events")]
    [InlineData("br", "/v1/events")]
    [InlineData("gzip", "/v1/sources/falco")]
    [InlineData("x-gzip", "/v1/sources/falco")]
    public async Task Post_CompressedBody_IsDecodedAndEveryItemAccepted(string coding, string path)
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("shipper");
        var body = path == "/v1/events"
            ? Payloads.Array([.. Payloads.Ids("z", 3).Select(id => Payloads.Event(id))])
            : FalcoAlert("api-1") + "\n" + FalcoAlert("api-2") + "\n" + FalcoAlert("api-3");

        using var response = await SendAsync(server, path, Compress(Encoding.UTF8.GetBytes(body), coding), key, coding, declareLength: true);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(3, (await server.ReadLoggedAsync(3)).Count);
    }

    [Fact]
    public async Task Post_GzipThatExpandsFarPastTheLimit_Is413NamingTheSettingWithoutHoldingItAndOthersAreServed()
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("bomb");
        var bomb = Bomb.Value;
        Assert.True(bomb.Length < 4 * 1024 * 1024, $"the bomb is {bomb.Length} bytes, under Ingest:MaxBodyBytes");

        var before = GC.GetTotalAllocatedBytes(precise: true);
        using (var response = await SendAsync(server, "/v1/events", bomb, key, "gzip", declareLength: false))
        {
            await HttpProblem.ReadNamingAsync(response, HttpStatusCode.RequestEntityTooLarge, "Ingest:MaxBodyBytes");
        }

        // Decoding the whole of it would allocate a gigabyte; stopping at the limit costs a few of its 4 MB buffers.
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(allocated < 256L * 1024 * 1024, $"{allocated} bytes allocated while refusing a body that decodes to 1 GB");

        using var after = await server.PostAsync("/v1/events", Payloads.Array(Payloads.Event("after-bomb")), key);
        Assert.Equal(HttpStatusCode.Accepted, after.StatusCode);
    }

    [Theory]
    [InlineData("zstd")]
    [InlineData("compress")]
    [InlineData("gzip, br")]
    public async Task Post_ContentEncodingNotRead_Is415ListingTheSupportedOnes(string coding)
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("vector");

        using var response = await SendAsync(server, "/v1/sources/k8s-audit", Encoding.UTF8.GetBytes("{}"), key, coding, declareLength: true);

        var problem = await HttpProblem.ReadTypedAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported-content-encoding");
        Assert.Contains(coding, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(["gzip", "deflate", "br"], response.Headers.GetValues("Accept-Encoding").SelectMany(v => v.Split(", ")));
    }

    [Fact]
    public async Task Post_GzipHeaderOnAPlainBody_Is400SayingItIsNotGzip()
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("confused");

        using var response = await SendAsync(server, "/v1/events", Encoding.UTF8.GetBytes(Payloads.Array(Payloads.Event("plain"))), key, "gzip", declareLength: true);

        await HttpProblem.ReadNamingAsync(response, HttpStatusCode.BadRequest, "not valid gzip");
    }

    [Theory]
    [InlineData("/v1/events", "application/json; charset=utf-16")]
    [InlineData("/v1/events", "application/x-ndjson; charset=ISO-8859-1")]
    [InlineData("/v1/sources/falco", "application/json; charset=\"utf-16le\"")]
    public async Task Post_CharsetOtherThanUtf8_Is415NamingIt(string path, string contentType)
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("latin");

        using var response = await server.PostAsync(path, Encoding.Unicode.GetBytes(Payloads.Array(Payloads.Event("u16"))), key, contentType);

        var problem = await HttpProblem.ReadTypedAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported-charset");
        Assert.Contains("UTF-8", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/events", "application/json; charset=UTF-8")]
    [InlineData("/v1/events", "application/x-ndjson")]
    [InlineData("/v1/sources/falco", "application/json; charset=utf-8")]
    public async Task Post_Utf8BodyWithAByteOrderMark_IsAccepted(string path, string contentType)
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("windows");
        var text = path == "/v1/events" ? Payloads.Event("bom-1") : FalcoAlert("api-bom");

        using var response = await server.PostAsync(path, [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text)], key, contentType);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Single(await server.ReadLoggedAsync(1));
    }

    /// <summary>A gigabyte of zeros, gzipped to about a megabyte.</summary>
    private static readonly Lazy<byte[]> Bomb = new(() =>
    {
        var zeros = new byte[1024 * 1024];
        using var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            for (var i = 0; i < 1024; i++)
            {
                gzip.Write(zeros);
            }
        }

        return packed.ToArray();
    });

    private static byte[] Compress(byte[] data, string coding)
    {
        using var packed = new MemoryStream();
        using (Stream encoder = coding switch
        {
            "gzip" or "x-gzip" => new GZipStream(packed, CompressionLevel.Fastest, leaveOpen: true),
            "deflate" => new ZLibStream(packed, CompressionLevel.Fastest, leaveOpen: true),
            "br" => new BrotliStream(packed, CompressionLevel.Fastest, leaveOpen: true),
            _ => throw new ArgumentOutOfRangeException(nameof(coding)),
        })
        {
            encoder.Write(data);
        }

        return packed.ToArray();
    }

    private static Task<HttpResponseMessage> SendAsync(IngestServer server, string path, byte[] body, string key, string coding, bool declareLength)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = NoLengthStream.Json(body, declareLength) };
        request.Content.Headers.TryAddWithoutValidation("Content-Encoding", coding);
        request.Headers.Authorization = new("Bearer", key);
        return server.Client.SendAsync(request, Ct);
    }
}
