namespace ZtStream.Host.Tests.Proxy;

/// <summary>
/// <c>Strict-Transport-Security</c> (RFC 6797) on the answers a browser gets over https: ZtStream behind a trusted
/// TLS-terminating proxy (the test client on 127.0.0.1 listed as the proxy), reached by a host name. Over plain http, from
/// a client that only claims https, or to a loopback host name, none: the header would be a lie, or pin every local service.
/// </summary>
public sealed class StrictTransportSecurityTests : IDisposable
{
    private readonly TempFolder folder = new("zt-hsts-");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        folder.Dispose();
    }

    public static TheoryData<string, string, string, string?> Answers => new()
    {
        // trusted proxies, the scheme the request claims, its host, the header expected
        { "127.0.0.1", "https", "console.example", "max-age=31536000" },
        { "127.0.0.1", "https", "console.example:8443", "max-age=31536000" },
        { "127.0.0.1", "http", "console.example", null },
        { "127.0.0.1", "https", "localhost", null },
        { "127.0.0.1", "https", "127.0.0.1", null },
        { "192.0.2.7", "https", "console.example", null },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task Answer_CarriesTheHeader_OnlyOverHttpsToAHostName(string proxy, string scheme, string host, string? expected)
    {
        await using var app = await StartAsync(("ForwardedHeaders:KnownProxies:0", proxy));

        foreach (var path in new[] { "/console/", "/healthz", "/v1/alerts" })
        {
            Assert.Equal(expected, await HeaderAsync(app, path, scheme, host));
        }
    }

    [Fact]
    public async Task Settings_SetTheHeadersValue_AndZeroSendsNone()
    {
        await using (var app = await StartAsync(("ForwardedHeaders:KnownProxies:0", "127.0.0.1"), ("Hsts:MaxAge", "30.00:00:00"), ("Hsts:IncludeSubDomains", "true")))
        {
            Assert.Equal("max-age=2592000; includeSubDomains", await HeaderAsync(app, "/console/", "https", "console.example"));
        }

        await using (var app = await StartAsync(("ForwardedHeaders:KnownProxies:0", "127.0.0.1"), ("Hsts:MaxAge", "00:00:00")))
        {
            Assert.Null(await HeaderAsync(app, "/console/", "https", "console.example"));
        }
    }

    [Theory]
    [InlineData("-00:00:01")]
    [InlineData("731.00:00:00")]
    public void Settings_MaxAgeOutOfRange_IsAConfigurationError(string maxAge)
    {
        var problems = new List<string>();

        var app = RunCommand.BuildValidated(Context(("Hsts:MaxAge", maxAge)), problems);

        Assert.Null(app);
        Assert.Contains(problems, p => p.StartsWith("Hsts:MaxAge", StringComparison.Ordinal));
    }

    private Task<WebApplication> StartAsync(params (string Key, string Value)[] settings) => InProcessRun.StartAsync(folder.Path, Settings(settings));

    private CliContext Context(params (string Key, string Value)[] settings) => InProcessRun.Context(folder.Path, Settings(settings));

    private static IEnumerable<KeyValuePair<string, string?>> Settings((string Key, string Value)[] settings) =>
        settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value));

    private static async Task<string?> HeaderAsync(WebApplication app, string path, string scheme, string host)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(app.Urls.First()), path));
        request.Headers.Host = host;
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", scheme);
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.9");
        using var response = await http.SendAsync(request, Ct);
        return response.Headers.TryGetValues("Strict-Transport-Security", out var values) ? string.Join(", ", values) : null;
    }
}
