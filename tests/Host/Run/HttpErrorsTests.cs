using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using ZtStream.TestSupport.Http;

namespace ZtStream.Host.Tests.Run;

/// <summary>
/// Every endpoint a full <c>ztstream run</c> maps (Ingest and its sources, the Responder API, the revocation feed, the
/// Shared Signals transmitter, the console and its sign-in, health, metrics), walked through its error paths: no credentials, a malformed body, an unknown id. Every error answer
/// is an RFC 9457 problem document, and no answer may be kept by a cache.
/// </summary>
public sealed class HttpErrorsTests : IAsyncLifetime
{
    private const string ResponderToken = "responder-token-0123456789abcdefghijklmnop";
    private const string ReceiverToken = "receiver-token-0123456789abcdefghijklmnopq";
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("zt-errors-");
    private WebApplication? app;
    private HttpClient? http;

    private HttpClient Http => http!;

    public async ValueTask InitializeAsync()
    {
        app = await StartAsync(folder, []);
        http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>A <c>ztstream run</c> host of every role on an embedded store in <paramref name="folder"/>, with <paramref name="settings"/> on top.</summary>
    private static Task<WebApplication> StartAsync(DirectoryInfo folder, Dictionary<string, string?> settings, Action<WebApplicationBuilder>? customize = null) =>
        InProcessRun.StartAsync(
            folder.FullName,
            new Dictionary<string, string?>
            {
                ["Responder:Feed:Token"] = "feed-token-0123456789abcdefghijklmnopqrstu",
                ["Responder:ApiTokens:0:Name"] = "rex",
                ["Responder:ApiTokens:0:Role"] = "responder",
                ["Responder:ApiTokens:0:Token"] = ResponderToken,
                // The Shared Signals transmitter maps its discovery documents and stream management only when it is on.
                ["Responder:Drivers:TokenRevokers:0"] = "ssf",
                ["Responder:Drivers:SharedSignals:Issuer"] = "https://ztstream.example/ssf",
                ["Responder:Drivers:SharedSignals:Clients:siem:Token"] = ReceiverToken,
                ["Responder:Drivers:SharedSignals:Clients:siem:Audience"] = "https://siem.example/ssf",
            }.Concat(settings),
            customize);

    public async ValueTask DisposeAsync()
    {
        http?.Dispose();
        if (app is not null)
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        folder.Delete(recursive: true);
    }

    [Fact]
    public async Task EveryMappedEndpoint_EveryErrorPath_AnswersAProblemDocument_AndNoAnswerIsStored()
    {
        var endpoints = app!.Services.GetServices<EndpointDataSource>().SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Route: e.RoutePattern.RawText!)))
            .Distinct()
            .ToList();
        Assert.Contains(endpoints, e => e.Route == "/v1/events");
        Assert.Contains(endpoints, e => e.Route.StartsWith("/v1/actions/", StringComparison.Ordinal));
        Assert.Contains(endpoints, e => e.Route.StartsWith("/v1/revocations", StringComparison.Ordinal));
        Assert.Contains(endpoints, e => e.Route.StartsWith("/v1/sources/", StringComparison.Ordinal));
        Assert.Contains(endpoints, e => e.Route.StartsWith("/ssf/", StringComparison.Ordinal));
        Assert.Contains(endpoints, e => e.Route.StartsWith("/.well-known/ssf-configuration", StringComparison.Ordinal));
        Assert.Contains(endpoints, e => e.Route.StartsWith("/console", StringComparison.Ordinal));

        var errors = 0;
        foreach (var (method, route) in endpoints)
        {
            var path = Fill(route);
            foreach (var (token, body) in new (string?, string?)[]
            {
                (null, null), (ResponderToken, "{\"broken"), (ResponderToken, "{}"), (ReceiverToken, "{\"broken"), (ReceiverToken, "[]"),
            })
            {
                using var response = await SendAsync(method, path, token, body);
                var what = $"{method} {path} ({(token is null ? "no token" : "token")}, body {body ?? "none"})";
                // An event stream says no-cache itself (and keeps nothing either); every other answer is no-store.
                var cacheControl = response.Headers.CacheControl;
                Assert.True(
                    cacheControl is { NoStore: true } || (cacheControl is { NoCache: true } && response.Content.Headers.ContentType?.MediaType == "text/event-stream"),
                    $"{what}: {(int)response.StatusCode} with Cache-Control '{cacheControl}'");
                Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var sniff) && sniff.Single() == "nosniff", $"{what}: no nosniff");
                Assert.False(response.Headers.Contains("Server"), $"{what}: names its server");
                if ((int)response.StatusCode >= 400)
                {
                    errors++;
                    await HttpProblem.ReadAnyAsync(response, what);
                }
            }
        }

        Assert.True(errors >= endpoints.Count, $"only {errors} error answers over {endpoints.Count} endpoints");
    }

    /// <summary>
    /// Every mapped path asked the ways a client gets wrong: HEAD, OPTIONS, a method no endpoint takes, each of its
    /// methods with a body that is not JSON, with an <c>Accept</c> it cannot meet, each with and without a token, and
    /// with a <c>Content-Length</c> Kestrel refuses itself. Each error is a problem whose status is the answer's, with
    /// the header its status calls for; a new endpoint is walked without a new test.
    /// </summary>
    [Fact]
    public async Task EveryMappedPath_AskedWrongly_AnswersAProblem_WithTheHeadersItsStatusNeeds()
    {
        var routes = app!.Services.GetServices<EndpointDataSource>().SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .GroupBy(e => e.RoutePattern.RawText!)
            .Select(g => (Path: Fill(g.Key), Methods: g.SelectMany(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Distinct().ToList()))
            .ToList();
        var statuses = new HashSet<int>();
        foreach (var (path, methods) in routes)
        {
            var probes = new List<(string Method, string? ContentType, string? Accept)> { ("HEAD", null, null), ("OPTIONS", null, null), ("PROPFIND", null, null) };
            probes.AddRange(methods.Where(m => m is not ("GET" or "HEAD")).Select(m => (m, (string?)"text/plain", (string?)null)));
            probes.AddRange(methods.Select(m => (m, (string?)null, (string?)"application/xml")));
            foreach (var (method, contentType, accept) in probes)
            {
                foreach (var token in new[] { null, ResponderToken })
                {
                    using var request = new HttpRequestMessage(new HttpMethod(method), path);
                    if (token is not null)
                    {
                        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
                    }

                    if (accept is not null)
                    {
                        request.Headers.Accept.ParseAdd(accept);
                    }

                    if (contentType is not null)
                    {
                        request.Content = new StringContent("not json", Encoding.UTF8, contentType);
                    }

                    using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
                    var status = (int)response.StatusCode;
                    var what = $"{method} {path} ({(token is null ? "no token" : "token")}, {contentType ?? "no body"}, Accept {accept ?? "any"})";
                    if (status < 400)
                    {
                        continue;
                    }

                    statuses.Add(status);
                    if (method == "HEAD")
                    {
                        // No body to a HEAD, but the same headers as the GET's answer.
                        Assert.True(response.Content.Headers.ContentType?.MediaType == HttpProblem.MediaType, $"{what}: {status} answered {response.Content.Headers.ContentType}");
                    }
                    else
                    {
                        await HttpProblem.ReadAnyAsync(response, what);
                    }

                    Assert.True(status != 405 || response.Content.Headers.Allow.Count > 0, $"{what}: 405 without Allow");
                    Assert.True(status != 401 || response.Headers.WwwAuthenticate.Count > 0, $"{what}: 401 without WWW-Authenticate");
                    Assert.True(status is not (429 or 503) || response.Headers.RetryAfter is not null, $"{what}: {status} without Retry-After");
                }
            }

            // What Kestrel refuses before any endpoint runs is refused on every path alike.
            foreach (var method in methods)
            {
                var refused = await RawAsync(app!, $"{method} {path} HTTP/1.1\r\nHost: zt.example.com\r\nContent-Length: 1, 2\r\n\r\n");
                statuses.Add(refused.Status);
                refused.Problem($"{method} {path} with a bad Content-Length").Dispose();
            }
        }

        Assert.Contains(400, statuses);
        Assert.Contains(401, statuses);
        Assert.Contains(405, statuses);
    }

    [Fact]
    public async Task Reject_MalformedBody_Is400NamingTheProblem()
    {
        using var response = await SendAsync("POST", $"/v1/actions/{Guid.NewGuid()}/reject", ResponderToken, "{\"reason\": ");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await HttpProblem.ReadAnyAsync(response, "reject");
        Assert.EndsWith("/malformed-body", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("reason: not valid JSON: ", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("(line 1, byte 12)", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trigger_InvalidAction_ListsEachFieldAsAnItemError()
    {
        using var response = await SendAsync("POST", "/v1/actions", ResponderToken, """{"kind":"isolate_workload","ttl_seconds":-5}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await HttpProblem.ReadAnyAsync(response, "trigger");
        var fields = problem.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("index").GetInt32(), e.GetProperty("field").GetString())).ToList();
        Assert.Equal([(0, "workload_id"), (0, "ttl_seconds")], fields);
    }

    [Theory]
    [InlineData("GET", "/v1/alerts", null, 401)]
    [InlineData("GET", "/v1/alerts/no-such-alert", ResponderToken, 404)]
    [InlineData("POST", "/v1/events", null, 401)]
    [InlineData("GET", "/v1/revocations", null, 401)]
    [InlineData("GET", "/v1/revocations/stream", null, 401)]
    [InlineData("GET", "/v1/no-such-path", null, 404)]
    [InlineData("DELETE", "/v1/alerts", ResponderToken, 405)]
    [InlineData("GET", "/v1/actions/not-a-guid", ResponderToken, 404)]
    [InlineData("GET", "/console/no-such-file.js", null, 404)]
    public async Task KnownErrors_HaveTheirStatusAsAProblem(string method, string path, string? token, int status)
    {
        using var response = await SendAsync(method, path, token, null);

        Assert.Equal(status, (int)response.StatusCode);
        await HttpProblem.ReadAnyAsync(response, path);
    }

    /// <summary>The scrape endpoint answered every method 200 with the metrics; it serves GET, and others are 405 like every endpoint's.</summary>
    [Theory]
    [InlineData("POST", "/metrics")]
    [InlineData("DELETE", "/metrics")]
    [InlineData("PUT", "/v1/alerts")]
    public async Task MethodTheEndpointDoesNotServe_Is405Problem_WithAllow(string method, string path)
    {
        using var response = await SendAsync(method, path, ResponderToken, "{}");

        Assert.Equal(405, (int)response.StatusCode);
        Assert.Contains("GET", response.Content.Headers.Allow);
        await HttpProblem.ReadAnyAsync(response, path);
        using var scrape = await SendAsync("GET", "/metrics", null, null);
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
    }

    /// <summary>A limit past what a number can hold was refused as "must be a non-negative integer"; the reason is its range.</summary>
    [Theory]
    [InlineData("/v1/alerts?limit=99999999999", "limit", "between 0 and 2147483647")]
    [InlineData("/v1/actions?offset=2147483648", "offset", "between 0 and 2147483647")]
    [InlineData("/v1/audit?limit=99999999999", "limit", "between 0 and 2147483647")]
    [InlineData("/v1/suppressions?limit=99999999999", "limit", "between 0 and 2147483647")]
    [InlineData("/v1/alerts/stats?buckets=99999999999", "buckets", "between 1 and 200")]
    [InlineData("/v1/alerts/stats?buckets=0", "buckets", "between 1 and 200")]
    public async Task NumberOutOfRange_Is400NamingTheRange(string path, string field, string range)
    {
        using var response = await SendAsync("GET", path, ResponderToken, null);

        Assert.Equal(400, (int)response.StatusCode);
        var problem = await HttpProblem.ReadAnyAsync(response, path);
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.Equal($"is out of range: must be {range}", error.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task RequestLineAndHeadersOverTheLimits_Are414And431Problems_AndTheNextRequestIsServed()
    {
        // Kestrel's defaults: 8 KiB request line, 32 KiB of headers. Kestrel alone answers both with an empty body.
        using (var response = await SendAsync("GET", "/v1/alerts?q=" + new string('a', 9 * 1024), ResponderToken, null))
        {
            Assert.Equal(414, (int)response.StatusCode);
            var problem = await HttpProblem.ReadAnyAsync(response, "long request line");
            Assert.True(response.Headers.CacheControl?.NoStore, "a refused request line may be stored");
            Assert.Contains("MaxRequestLineSize", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, "/v1/alerts"))
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ResponderToken);
            request.Headers.Add("X-Padding", new string('b', 40 * 1024));
            using var response = await Http.SendAsync(request, Ct);
            Assert.Equal(431, (int)response.StatusCode);
            var problem = await HttpProblem.ReadAnyAsync(response, "large headers");
            Assert.Contains("MaxRequestHeadersTotalSize", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using var served = await SendAsync("GET", "/v1/alerts?principal=" + new string('a', 4 * 1024), ResponderToken, null);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    /// <summary>Kestrel's default is 100 header lines; past it Kestrel alone answered an empty 431.</summary>
    [Fact]
    public async Task MoreHeaderLinesThanTheLimit_Is431Problem_AndTheNextRequestIsServed()
    {
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/v1/alerts"))
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ResponderToken);
            for (var i = 0; i < 150; i++)
            {
                request.Headers.Add($"X-Many-{i}", "v");
            }

            using var response = await Http.SendAsync(request, Ct);
            Assert.Equal(431, (int)response.StatusCode);
            var problem = await HttpProblem.ReadAnyAsync(response, "many header lines");
            Assert.Contains("MaxRequestHeaderCount", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using var served = await SendAsync("GET", "/v1/alerts", ResponderToken, null);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    [Fact]
    public async Task ConfiguredKestrelLimits_AreTheOnesEnforced()
    {
        await using var strict = await StartAsync(folder, new()
        {
            ["Kestrel:Limits:MaxRequestLineSize"] = "1024",
            ["Kestrel:Limits:MaxRequestHeadersTotalSize"] = "4096",
        });
        using var client = new HttpClient { BaseAddress = new Uri(strict.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };

        using var longLine = await client.GetAsync("/v1/alerts?q=" + new string('a', 1536), Ct);
        Assert.Equal(414, (int)longLine.StatusCode);
        await HttpProblem.ReadAnyAsync(longLine, "configured request line");

        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/alerts");
        request.Headers.Add("X-Padding", new string('b', 6 * 1024));
        using var largeHeaders = await client.SendAsync(request, Ct);
        Assert.Equal(431, (int)largeHeaders.StatusCode);
        await HttpProblem.ReadAnyAsync(largeHeaders, "configured headers");

        // Far past the limit Kestrel itself refuses (its own limit is twice the configured one), still before the app.
        using var farPast = await client.GetAsync("/v1/alerts?q=" + new string('a', 3 * 1024), Ct);
        Assert.Equal(414, (int)farPast.StatusCode);
        await strict.StopAsync(CancellationToken.None);
    }

    /// <summary>
    /// What Kestrel refuses before any middleware runs, written as raw bytes: what it is, the request, the status and what
    /// the problem's detail names. Past twice the configured head limits (8 KiB line, 32 KiB and 100 lines of headers)
    /// Kestrel itself refuses.
    /// </summary>
    public static TheoryData<string, string, int, string> KestrelRefusals => new()
    {
        { "not http", "HELLO\r\n\r\n", 400, "" },
        { "header line without a colon", "GET /v1/alerts HTTP/1.1\r\nHost: zt.example.com\r\nno colon here\r\n\r\n", 400, "" },
        { "target not a path", "GET v1/alerts HTTP/1.1\r\nHost: zt.example.com\r\n\r\n", 400, "" },
        { "space in a header name", "GET /v1/alerts HTTP/1.1\r\nHost: zt.example.com\r\nX Bad: v\r\n\r\n", 400, "" },
        { "unknown HTTP version", "GET /v1/alerts HTTP/9.9\r\nHost: zt.example.com\r\n\r\n", 505, "HTTP/1.1" },
        { "Content-Length not a number", "POST /v1/events HTTP/1.1\r\nHost: zt.example.com\r\nContent-Length: ten\r\n\r\n", 400, "" },
        { "two Content-Lengths", "POST /v1/events HTTP/1.1\r\nHost: zt.example.com\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400, "" },
        { "transfer coding not chunked", "POST /v1/events HTTP/1.1\r\nHost: zt.example.com\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "" },
        { "HTTP/1.0 POST without a length", "POST /v1/events HTTP/1.0\r\n\r\n", 400, "" },
        { "request line far past the limit", "GET /v1/alerts?q={pad:20000} HTTP/1.1\r\nHost: zt.example.com\r\n\r\n", 414, "Kestrel:Limits:MaxRequestLineSize" },
        { "headers far past the limit", "GET /v1/alerts HTTP/1.1\r\nHost: zt.example.com\r\nX-Padding: {pad:70000}\r\n\r\n", 431, "Kestrel:Limits:MaxRequestHeadersTotalSize" },
    };

    /// <summary>The refusals tried again over TLS: one of each kind of status, and a limit that only Kestrel enforces.</summary>
    public static TheoryData<string, string, int, string> KestrelRefusalsOverTls =>
    [
        .. KestrelRefusals.Where(row => row.Data.Item1 is "not http" or "header line without a colon" or "unknown HTTP version" or "request line far past the limit"),
    ];

    /// <summary>Each of <see cref="KestrelRefusals"/> answered before any middleware ran: it used to go out with an empty body.</summary>
    [Theory]
    [MemberData(nameof(KestrelRefusals))]
    public async Task WhatKestrelRefusesItself_IsAProblemDocument(string what, string raw, int status, string detailNames)
    {
        var answer = await RawAsync(app!, Pad(raw));

        Assert.True(answer.Status == status, $"{what}: {answer.Status}");
        using var problem = answer.Problem(what);
        var detail = problem.RootElement.GetProperty("detail").GetString()!;
        Assert.Contains(detailNames, detail, StringComparison.Ordinal);
        Assert.DoesNotContain("''", detail, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"[^.] (ZtStream|The limit|The request's)", detail);
        Assert.Equal("no-store", answer.Headers["cache-control"]);
        Assert.Equal("nosniff", answer.Headers["x-content-type-options"]);
        Assert.Equal("close", answer.Headers["connection"]);
    }

    /// <summary>
    /// The same refusals on an HTTPS listener ZtStream terminates itself: the refusal middleware sat outside TLS and saw
    /// only ciphertext, so Kestrel's answers went out empty. HTTP/2, negotiated there, still passes through untouched.
    /// </summary>
    [Theory]
    [MemberData(nameof(KestrelRefusalsOverTls))]
    public async Task WhatKestrelRefusesItself_OverTls_IsAProblemDocument(string what, string raw, int status, string detailNames)
    {
        using var certificate = ZtStream.Host.Bench.BenchCommand.SelfSigned();
        await using var tls = await StartAsync(folder, new() { ["Urls"] = "https://127.0.0.1:0" }, b => b.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate)));

        var answer = RawAnswer.Parse(await RawTextAsync(tls, Pad(raw), certificate));

        Assert.True(answer.Status == status, $"{what}: {answer.Status}");
        using var problem = answer.Problem(what);
        Assert.Contains(detailNames, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("no-store", answer.Headers["cache-control"]);

        using var h2 = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, remote, _, _) => remote?.GetCertHashString() == certificate.GetCertHashString() } })
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var unknown = await h2.GetAsync(new Uri(new Uri(tls.Urls.First()), "/no/such/path"), Ct);
        Assert.Equal(HttpVersion.Version20, unknown.Version);
        var notFound = await HttpProblem.ReadAnyAsync(unknown, "HTTP/2 over TLS");
        Assert.Equal(404, notFound.GetProperty("status").GetInt32());
        await tls.StopAsync(CancellationToken.None);
    }

    /// <summary>A request after answered ones on the same connection is refused with a problem too; the answers before it are untouched.</summary>
    [Fact]
    public async Task RefusalAfterServedRequests_OnOneConnection_IsAProblem_AndTheServedAnswersAreWhole()
    {
        var served = $"GET /v1/alerts HTTP/1.1\r\nHost: zt.example.com\r\nAuthorization: Bearer {ResponderToken}\r\n\r\n";
        var text = await RawTextAsync(app!, served + served + "GET /v1/alerts HTTP/7.0\r\nHost: zt.example.com\r\n\r\n");

        var answers = Regex.Split(text, "(?=HTTP/1\\.1 [0-9]{3} )").Where(a => a.Length > 0).ToList();
        Assert.Equal(3, answers.Count);
        Assert.All(answers[..2], a => Assert.StartsWith("HTTP/1.1 200 ", a, StringComparison.Ordinal));
        Assert.All(answers[..2], a => Assert.DoesNotContain("problem+json", a, StringComparison.Ordinal));
        using var refused = RawAnswer.Parse(answers[2]).Problem("HTTP/7.0 after two");
        Assert.Equal(505, refused.RootElement.GetProperty("status").GetInt32());
    }

    /// <summary>A request line that does not arrive within <c>Kestrel:Limits:RequestHeadersTimeout</c> got Kestrel's empty 408.</summary>
    [Fact]
    public async Task RequestHeadThatNeverEnds_Is408Problem_NamingTheTimeout()
    {
        await using var impatient = await StartAsync(folder, new() { ["Kestrel:Limits:RequestHeadersTimeout"] = "00:00:01" });

        var answer = await RawAsync(impatient, "GET /v1/alerts HTTP/1.1\r\nHost: zt.example.com\r\n");

        Assert.Equal(408, answer.Status);
        using var problem = answer.Problem("slow head");
        Assert.Contains("Kestrel:Limits:RequestHeadersTimeout", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await impatient.StopAsync(CancellationToken.None);
    }

    /// <summary>A body Kestrel finds malformed while an endpoint reads it reaches the endpoint, whose own problem goes out unchanged.</summary>
    [Fact]
    public async Task MalformedChunkedBody_ReadByTheEndpoint_IsTheEndpointsOwnProblem()
    {
        var answer = await RawAsync(app!,
            $"POST /v1/actions/{Guid.NewGuid()}/reject HTTP/1.1\r\nHost: zt.example.com\r\nAuthorization: Bearer {ResponderToken}\r\n"
            + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");

        Assert.Equal(400, answer.Status);
        using var problem = answer.Problem("bad chunk");
        Assert.EndsWith("/unreadable-body", problem.RootElement.GetProperty("type").GetString(), StringComparison.Ordinal);
    }

    /// <summary><c>{pad:N}</c> in a raw request is N letters.</summary>
    private static string Pad(string raw) => Regex.Replace(raw, "\\{pad:(\\d+)\\}", m => new string('a', int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)));

    private static async Task<RawAnswer> RawAsync(WebApplication host, string request) => RawAnswer.Parse(await RawTextAsync(host, request));

    /// <summary>
    /// Writes <paramref name="request"/> as it is on a new connection — over TLS (HTTP/1.1 by ALPN) when the host listens on
    /// https, trusting <paramref name="certificate"/> alone — and reads until the server closes it.
    /// </summary>
    private static async Task<string> RawTextAsync(WebApplication host, string request, X509Certificate2? certificate = null)
    {
        var address = new Uri(host.Urls.First());
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(address.Host, address.Port, Ct);
        Stream stream = client.GetStream();
        if (certificate is not null)
        {
            var tls = new SslStream(stream, leaveInnerStreamOpen: false, (_, remote, _, _) => remote?.GetCertHashString() == certificate.GetCertHashString());
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = address.Host,
                ApplicationProtocols = [SslApplicationProtocol.Http11],
            }, Ct);
            stream = tls;
        }

        await using var connection = stream;
        await connection.WriteAsync(Encoding.Latin1.GetBytes(request), Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        using var read = new MemoryStream();
        try
        {
            await connection.CopyToAsync(read, timeout.Token);
        }
        catch (IOException)
        {
            // Kestrel may reset a connection it refused once its answer is out.
        }

        return Encoding.Latin1.GetString(read.ToArray());
    }

    /// <summary>An HTTP/1.1 answer read off the wire.</summary>
    private sealed record RawAnswer(int Status, Dictionary<string, string> Headers, string Body)
    {
        public static RawAnswer Parse(string text)
        {
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            Assert.True(end > 0, $"no answer: '{text}'");
            var lines = text[..end].Split("\r\n");
            var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
            return new RawAnswer(int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture), headers, text[(end + 4)..]);
        }

        public JsonDocument Problem(string what)
        {
            Assert.True(Headers.GetValueOrDefault("content-type") == "application/problem+json", $"{what}: {Status} answered '{Headers.GetValueOrDefault("content-type")}' with '{Body}'");
            var body = Body;
            if (Headers.GetValueOrDefault("transfer-encoding") == "chunked")
            {
                // "size\r\ndata\r\n" … "0\r\n\r\n"
                var chunks = new StringBuilder();
                for (var at = 0; ;)
                {
                    var eol = body.IndexOf("\r\n", at, StringComparison.Ordinal);
                    var size = int.Parse(body[at..eol], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    if (size == 0)
                    {
                        break;
                    }

                    chunks.Append(body, eol + 2, size);
                    at = eol + 2 + size + 2;
                }

                body = chunks.ToString();
            }
            else
            {
                Assert.Equal(body.Length, int.Parse(Headers["content-length"], CultureInfo.InvariantCulture));
            }

            var problem = JsonDocument.Parse(body);
            Assert.Equal(Status, problem.RootElement.GetProperty("status").GetInt32());
            Assert.StartsWith(HttpProblem.TypeBase, problem.RootElement.GetProperty("type").GetString(), StringComparison.Ordinal);
            return problem;
        }
    }

    /// <summary>A path of <paramref name="route"/> naming nothing stored; a route value it does not know fails, so a new one is filled here rather than walked unmatched.</summary>
    private static string Fill(string route)
    {
        var path = route
            .Replace("{id:guid}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
            .Replace("{id}", "no-such-id", StringComparison.Ordinal)
            .Replace("{version:long}", "987654321", StringComparison.Ordinal)
            .Replace("{streamId}", "no-such-stream", StringComparison.Ordinal)
            .Replace("{**path}", "no/such/file.js", StringComparison.Ordinal);
        Assert.False(path.Contains('{', StringComparison.Ordinal), $"route {route}: a route value Fill does not know");
        return path;
    }

    private async Task<HttpResponseMessage> SendAsync(string method, string path, string? token, string? body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null && method is not ("GET" or "HEAD"))
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        // Headers only: a revocation stream the token opens never ends by itself.
        return await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
    }
}
