using System.IO.Compression;

namespace ZtStream.Responder.Tests.Api;

/// <summary>
/// The Responder's endpoints take their bodies uncompressed. A body sent with <c>Content-Encoding: gzip</c> was read as
/// it is — compressed bytes — and answered as malformed JSON, which sends a client looking for a mistake in its JSON;
/// the coding is what is refused: 415 naming it, with <c>Accept-Encoding: identity</c> (RFC 9110 §15.5.16).
/// </summary>
public sealed class ContentEncodingTests
{
    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("br")]
    [InlineData("identity, gzip")]
    public async Task Trigger_BodyInAContentCoding_Is415NamingIt(string coding)
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var client = host.ClientFor(ResponderTestHost.ResponderToken);
        using var content = new ByteArrayContent(Gzip("""{"kind":"revoke_token","jti":"coded-1","reason":"test"}"""));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var each in coding.Split(", "))
        {
            content.Headers.ContentEncoding.Add(each);
        }

        using var response = await client.PostAsync("/v1/actions", content, Ct);

        var problem = await HttpProblem.ReadTypedAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported-content-encoding");
        Assert.Equal("identity", response.Headers.TryGetValues("Accept-Encoding", out var accepted) ? string.Join(",", accepted) : null);
        Assert.Contains(coding, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var actions = await client.GetAsync("/v1/actions", Ct);
        Assert.Equal(0, (await actions.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetArrayLength());
    }

    [Fact]
    public async Task Trigger_IdentityCoding_IsServed()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var client = host.ClientFor(ResponderTestHost.ResponderToken);
        using var content = new StringContent("""{"kind":"revoke_token","jti":"plain-1","reason":"test"}""", Encoding.UTF8, "application/json");
        content.Headers.ContentEncoding.Add("identity");

        using var response = await client.PostAsync("/v1/actions", content, Ct);

        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
    }

    private static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return buffer.ToArray();
    }
}
