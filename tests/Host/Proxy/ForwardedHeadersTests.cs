using Microsoft.AspNetCore.WebUtilities;
using ZtStream.TestSupport.Logging;
using ZtStream.TestSupport.Oidc;

namespace ZtStream.Host.Tests.Proxy;

/// <summary>
/// A full <c>ztstream run</c> on loopback, reached the way a TLS-terminating ingress reaches it: plain HTTP with
/// <c>X-Forwarded-For</c> / <c>X-Forwarded-Proto</c> or RFC 7239 <c>Forwarded</c>. The test client is on 127.0.0.1, so
/// listing 127.0.0.1 makes it the trusted proxy, and listing any other network makes it a client that forges the headers.
/// </summary>
public sealed class ForwardedHeadersTests : IAsyncLifetime
{
    private const string Client = "203.0.113.9";
    private ScriptedOpenIdProvider idp = null!;
    private readonly TempFolder folder = new("zt-proxy-");

    public async ValueTask InitializeAsync() => idp = await ScriptedOpenIdProvider.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await idp.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        folder.Dispose();
    }

    private sealed class Proxied(WebApplication app, CapturedLog log) : IAsyncDisposable
    {
        public Uri BaseAddress { get; } = new(app.Urls.First());

        public CapturedLog Log => log;

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    private async Task<Proxied> StartAsync(params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["Responder:Sso:Authority"] = idp.Issuer,
            ["Responder:Sso:ClientId"] = ScriptedOpenIdProvider.ClientId,
            ["Responder:Sso:RequireHttpsMetadata"] = "false",
        };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        var log = new CapturedLog();
        var app = await InProcessRun.StartAsync(folder.Path, values, b => b.Logging.AddProvider(log));
        return new Proxied(app, log);
    }

    /// <summary>Starts a console sign-in: the redirect_uri the Responder sent to the provider and the cookies it set.</summary>
    private static async Task<(string RedirectUri, IReadOnlyList<string> Cookies)> SignInAsync(Proxied host, params (string Name, string Value)[] headers)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(host.BaseAddress, "/console/auth/signin"));
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        var redirect = QueryHelpers.ParseQuery(response.Headers.Location!.Query)["redirect_uri"].ToString();
        var cookies = response.Headers.TryGetValues("Set-Cookie", out var set) ? set.ToList() : [];
        Assert.NotEmpty(cookies);
        return (redirect, cookies);
    }

    private static bool Secure(string setCookie) =>
        setCookie.Split(';').Any(p => p.Trim().Equals("secure", StringComparison.OrdinalIgnoreCase));

    /// <summary>Posts an event without a credential and returns the client address Ingest logged for the refusal.</summary>
    private static async Task<string> LoggedClientAsync(Proxied host, params (string Name, string Value)[] headers)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(host.BaseAddress, "/v1/events")) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var line = Assert.Single(host.Log.Lines, l => l.Id.Id == 3002).Message;
        return line[(line.LastIndexOf(" from ", StringComparison.Ordinal) + " from ".Length)..];
    }

    [Fact]
    public async Task TrustedProxy_ForwardedHttps_SecureCookies_HttpsRedirectUri_ClientAddressLogged()
    {
        await using var host = await StartAsync(("ForwardedHeaders:KnownProxies:0", "127.0.0.1"));
        (string, string)[] proxy = [("X-Forwarded-Proto", "https"), ("X-Forwarded-For", Client)];

        var (redirect, cookies) = await SignInAsync(host, proxy);

        Assert.StartsWith("https://", redirect, StringComparison.Ordinal);
        Assert.All(cookies, c => Assert.True(Secure(c), $"not Secure: {c}"));
        Assert.Equal(Client, await LoggedClientAsync(host, proxy));
    }

    [Theory]
    [InlineData(null)] // forwarded headers off: the default
    [InlineData("10.0.0.0/8")] // on, but the caller is not one of the proxies
    public async Task UntrustedSender_ForgedForwardedHeaders_ChangeNothing(string? trustedNetwork)
    {
        await using var host = trustedNetwork is null ? await StartAsync() : await StartAsync(("ForwardedHeaders:KnownNetworks:0", trustedNetwork));
        (string, string)[] forged = [("X-Forwarded-Proto", "https"), ("X-Forwarded-For", Client), ("Forwarded", $"for={Client};proto=https")];

        var (redirect, cookies) = await SignInAsync(host, forged);

        Assert.StartsWith("http://127.0.0.1:", redirect, StringComparison.Ordinal);
        Assert.All(cookies, c => Assert.False(Secure(c), $"Secure over plain http from an untrusted sender: {c}"));
        Assert.Equal("127.0.0.1", await LoggedClientAsync(host, forged));
    }

    [Fact]
    public async Task AspNetCoreSwitchAlone_TrustsOnlyLoopback_NotEveryAddress()
    {
        // ASPNETCORE_FORWARDEDHEADERS_ENABLED=true arrives as ForwardedHeaders:Enabled.
        Assert.Contains(StandardEnvironment.Variables(new System.Collections.Hashtable { ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true" }),
            kv => kv.Key == "ForwardedHeaders:Enabled" && kv.Value == "true");
        await using var host = await StartAsync(("ForwardedHeaders:Enabled", "true"));

        var (redirect, _) = await SignInAsync(host, ("X-Forwarded-Proto", "https"), ("X-Forwarded-For", Client));

        // The test client is on loopback, the one place a proxy is believed without being listed.
        Assert.StartsWith("https://", redirect, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("for=\"[2001:db8:cafe::17]:4711\";proto=https;by=203.0.113.43", "2001:db8:cafe::17")]
    [InlineData("For=192.0.2.60;Proto=https", "192.0.2.60")]
    [InlineData("for=198.51.100.1, for=192.0.2.61;proto=https", "192.0.2.61")]
    public async Task TrustedProxy_Rfc7239Forwarded_IsRead_WhenChosen(string forwarded, string client)
    {
        await using var host = await StartAsync(("ForwardedHeaders:KnownProxies:0", "127.0.0.1"), ("ForwardedHeaders:Header", "Forwarded"));

        var (redirect, cookies) = await SignInAsync(host, ("Forwarded", forwarded));

        Assert.StartsWith("https://", redirect, StringComparison.Ordinal);
        Assert.All(cookies, c => Assert.True(Secure(c), $"not Secure: {c}"));
        Assert.Equal(client, await LoggedClientAsync(host, ("Forwarded", forwarded)));
    }

    /// <summary>
    /// A proxy that appends its element to the client's <c>Forwarded</c> line (nginx's <c>$proxy_add_forwarded</c>)
    /// vouches only for what follows its comma. A client that leaves a quote open makes that comma part of its own
    /// value: read leniently, the line was one element, the client's, and its address and https were believed.
    /// </summary>
    [Theory]
    [InlineData("for=198.51.100.66;proto=https;x=\"", ", for=192.0.2.9;proto=http")]
    [InlineData("for=198.51.100.66;proto=https;x=\"", ", for=\"[2001:db8::9]:5555\";proto=http")] // the proxy's quote closes the client's
    [InlineData("for=198.51.100.66;proto=https;x=a\"", ", for=192.0.2.9")]
    public async Task TrustedProxy_Rfc7239ClientLeavesAQuoteOpen_BeforeTheProxysElement_NothingOfTheLineIsBelieved(string client, string proxy)
    {
        await using var host = await StartAsync(("ForwardedHeaders:KnownProxies:0", "127.0.0.1"), ("ForwardedHeaders:Header", "Forwarded"));

        var (redirect, cookies) = await SignInAsync(host, ("Forwarded", client + proxy));

        Assert.StartsWith("http://127.0.0.1:", redirect, StringComparison.Ordinal);
        Assert.All(cookies, c => Assert.False(Secure(c), $"Secure from a client's forged scheme: {c}"));
        Assert.Equal("127.0.0.1", await LoggedClientAsync(host, ("Forwarded", client + proxy)));
    }

    [Fact]
    public async Task Rfc7239Chosen_ClientsXForwardedHeaders_PassedOnByTheProxy_AreIgnored()
    {
        await using var host = await StartAsync(("ForwardedHeaders:KnownProxies:0", "127.0.0.1"), ("ForwardedHeaders:Header", "Forwarded"));
        (string, string)[] headers = [("X-Forwarded-Proto", "https"), ("X-Forwarded-For", Client), ("Forwarded", "for=192.0.2.60")];

        var (redirect, _) = await SignInAsync(host, headers);

        Assert.StartsWith("http://", redirect, StringComparison.Ordinal);
        Assert.Equal("192.0.2.60", await LoggedClientAsync(host, headers));
    }

    [Fact]
    public async Task CookieSecureAlways_SecureEvenOverPlainHttp()
    {
        await using var host = await StartAsync(("Responder:Sso:CookieSecure", "Always"));

        var (redirect, cookies) = await SignInAsync(host);

        Assert.StartsWith("http://", redirect, StringComparison.Ordinal);
        Assert.All(cookies, c => Assert.True(Secure(c), $"not Secure: {c}"));
    }

    [Theory]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.0.0/8")]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.0.0.1")]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.0.0.0/33")]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.244.0.1/16")] // a host in a network: read alone as 10.244.0.0/16
    [InlineData("ForwardedHeaders:KnownProxies:0", "ingress.local")]
    [InlineData("ForwardedHeaders:KnownProxies:0", "10.1")] // .NET alone reads 10.0.0.1
    [InlineData("ForwardedHeaders:ForwardLimit", "0")]
    [InlineData("ForwardedHeaders:Header", "X-Real-IP")]
    [InlineData("Responder:Sso:CookieSecure", "None")]
    public async Task Run_BadProxySetting_ExitTwo_OneLineNamingTheKey(string key, string value)
    {
        var (code, _, err) = await CliRun.RunAsync(
            "run", "--urls", "http://127.0.0.1:0", "--sqlite", Path.Combine(folder.Path, "zt.db"),
            "--set", $"Responder:Sso:Authority={idp.Issuer}", "--set", $"Responder:Sso:ClientId={ScriptedOpenIdProvider.ClientId}",
            "--set", "Responder:Sso:RequireHttpsMetadata=false", "--set", "ForwardedHeaders:KnownNetworks:0=10.0.0.0/8", "--set", $"{key}={value}");

        Assert.Equal(CliCommandLine.UsageError, code);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains(key, StringComparison.Ordinal));
        Assert.Contains(value, line, StringComparison.Ordinal);
    }
}
