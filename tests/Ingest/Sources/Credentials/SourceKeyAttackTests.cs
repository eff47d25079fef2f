using System.Net.Sockets;

namespace ZtStream.Ingest.Tests.Sources.Credentials;

/// <summary>
/// An outsider holding a captured key, or something close to one, tries every way a key could be read more loosely than
/// docs/sources.md ("Source keys") promises: the key is taken only from <c>Authorization: Bearer KEY</c>, or as the
/// password of HTTP Basic; anything near it — another case, a prefix, one character more, another header, the query
/// string, another scheme — is 401 and appends nothing.
/// </summary>
public sealed class SourceKeyAttackTests
{
    private const string Path = "/v1/events";

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>A request carrying something near <paramref name="key"/> in the way <paramref name="shape"/> names.</summary>
    private static HttpRequestMessage Near(string shape, string key)
    {
        var path = shape switch
        {
            "query access_token" => $"{Path}?access_token={key}", // RFC 6750 §2.3: not among the ways the docs name.
            "query key" => $"{Path}?key={key}",
            _ => Path,
        };
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(Payloads.Array(Payloads.Event("near-1")), Encoding.UTF8, "application/json"),
        };
        var (header, value) = shape switch
        {
            "upper case" => ("Authorization", $"Bearer {key.ToUpperInvariant()}"),
            "lower case" => ("Authorization", $"Bearer {key.ToLowerInvariant()}"),
            "a prefix" => ("Authorization", $"Bearer {key[..^1]}"),
            "one character more" => ("Authorization", $"Bearer {key}A"),
            "a space inside" => ("Authorization", $"Bearer {key[..8]} {key[8..]}"),
            "no scheme" => ("Authorization", key),
            "scheme Token" => ("Authorization", $"Token {key}"),
            "Bearer twice" => ("Authorization", $"Bearer Bearer {key}"),
            "Bearer of Basic's pair" => ("Authorization", $"Bearer {Base64("falco:" + key)}"),
            "Basic with the bare key" => ("Authorization", $"Basic {key}"),
            "Basic without a colon" => ("Authorization", $"Basic {Base64(key)}"),
            "Basic with the key as user name" => ("Authorization", $"Basic {Base64(key + ":")}"),
            "X-Api-Key" => ("X-Api-Key", key),
            "Proxy-Authorization" => ("Proxy-Authorization", $"Bearer {key}"),
            "Firehose's header off its endpoint" => ("X-Amz-Firehose-Access-Key", key),
            _ => (null, null),
        };
        if (header is not null)
        {
            Assert.True(request.Headers.TryAddWithoutValidation(header, value));
        }

        return request;
    }

    [Theory]
    [InlineData("upper case")]
    [InlineData("lower case")]
    [InlineData("a prefix")]
    [InlineData("one character more")]
    [InlineData("a space inside")]
    [InlineData("no scheme")]
    [InlineData("scheme Token")]
    [InlineData("Bearer twice")]
    [InlineData("Bearer of Basic's pair")]
    [InlineData("Basic with the bare key")]
    [InlineData("Basic without a colon")]
    [InlineData("Basic with the key as user name")]
    [InlineData("query access_token")]
    [InlineData("query key")]
    [InlineData("X-Api-Key")]
    [InlineData("Proxy-Authorization")]
    [InlineData("Firehose's header off its endpoint")]
    public async Task Post_WithSomethingNearAValidKey_Is401AndNothingIsAppended(string shape)
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("orders-api");

        using var response = await server.Client.SendAsync(Near(shape, key), Ct);

        var problem = await HttpProblem.ReadTypedAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.DoesNotContain(key, problem.GetRawText(), StringComparison.Ordinal);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Empty(await server.ReadLoggedAsync(0, TimeSpan.FromMilliseconds(200)));
    }

    /// <summary>
    /// The key speaks for its own source whatever else the request claims: Basic's user name, a <c>source</c> member of
    /// the body, an endpoint of another adapter: the event is stamped with the key's source.
    /// </summary>
    [Fact]
    public async Task Post_WithAKeyOfOneSourceClaimingAnother_IsStampedWithTheKeysSource()
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("orders-api");
        await server.AddSourceAsync("falco");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Path, UriKind.Relative))
        {
            Content = new StringContent(Payloads.Array(Payloads.Event("claims-falco", extra: ",\"source\":\"falco\"")), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Base64("falco:" + key));

        using var response = await server.Client.SendAsync(request, Ct);

        await IngestAnswer.AcceptedAsync(response, 1);
        Assert.Equal("orders-api", Assert.Single(await server.ReadLoggedAsync(1)).Event.Source);
    }

    /// <summary>
    /// RFC 9110 §11.6.2: Authorization is one field. Sent twice — a valid key beside a wrong one, in either order, or the
    /// same key twice — neither line is chosen: the request is refused.
    /// </summary>
    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task Post_WithTwoAuthorizationLines_Is401AndNothingIsAppended(bool firstValid, bool secondValid)
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("orders-api");
        var body = Payloads.Array(Payloads.Event("twice-1"));
        string Line(bool valid) => $"Authorization: Bearer {(valid ? key : SourceKeys.NewKey())}\r\n";

        var head = await SendRawAsync(server.Address, $"POST {Path} HTTP/1.1\r\nHost: {server.Address.Authority}\r\n{Line(firstValid)}{Line(secondValid)}"
            + $"Content-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}");

        Assert.StartsWith("HTTP/1.1 401 ", head, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", head, StringComparison.Ordinal);
        Assert.Empty(await server.ReadLoggedAsync(0, TimeSpan.FromMilliseconds(200)));
    }

    /// <summary>The answer to a request written byte for byte, read until the server closes.</summary>
    private static async Task<string> SendRawAsync(Uri address, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port, Ct);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), Ct);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadToEndAsync(Ct);
    }

    /// <summary>
    /// A key revoked in the store by another replica, after this one remembered it, is refused on every way in once
    /// <c>Ingest:CredentialCacheTime</c> has passed (docs/sources.md, "Source keys"): the Shared Signals push, Okta's
    /// verification and Firehose's header, not only <c>/v1/events</c>.
    /// </summary>
    [Theory]
    [InlineData("ssf")]
    [InlineData("okta verification")]
    [InlineData("firehose")]
    public async Task Request_WithAKeyRevokedByAnotherReplica_IsRefusedOnceTheCacheTimePassed(string way)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = new Dictionary<string, string?>(IngestServer.AnyAge) { ["Ingest:CredentialCacheTime"] = "00:00:05" };
        await using var server = await IngestServer.StartInProcessAsync(settings, time);
        var key = await server.AddSourceAsync("idp");
        HttpRequestMessage Request()
        {
            var request = way switch
            {
                "ssf" => new HttpRequestMessage(HttpMethod.Post, new Uri("/v1/ssf/events", UriKind.Relative))
                {
                    Content = new StringContent("not a token", Encoding.UTF8, "application/secevent+jwt"),
                },
                "okta verification" => new HttpRequestMessage(HttpMethod.Get, new Uri("/v1/sources/okta", UriKind.Relative)),
                _ => new HttpRequestMessage(HttpMethod.Post, new Uri("/v1/sources/k8s-audit/firehose", UriKind.Relative))
                {
                    Content = new StringContent("""{"requestId":"req-1","timestamp":1,"records":[]}""", Encoding.UTF8, "application/json"),
                },
            };
            if (way == "firehose")
            {
                request.Headers.Add("X-Amz-Firehose-Access-Key", key);
                request.Headers.Add("X-Amz-Firehose-Request-Id", "req-1");
            }
            else
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                request.Headers.Add("x-okta-verification-challenge", "c-1");
            }

            return request;
        }

        using (var remembered = await server.Client.SendAsync(Request(), Ct))
        {
            Assert.NotEqual(HttpStatusCode.Unauthorized, remembered.StatusCode);
        }

        Assert.True(await server.RevokeSourceAsync("idp"));
        time.Advance(TimeSpan.FromSeconds(5));
        using var refused = await server.Client.SendAsync(Request(), Ct);

        await HttpProblem.ReadAsync(refused, HttpStatusCode.Unauthorized, way);
    }
}
