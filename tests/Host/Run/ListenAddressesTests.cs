namespace ZtStream.Host.Tests.Run;

/// <summary>Where <c>ztstream run</c> listens: ZtStream's own key, then ASP.NET Core's conventions, then the default.</summary>
public sealed class ListenAddressesTests
{
    [Fact]
    public void Resolve_NothingGiven_IsTheDefault() =>
        Assert.Equal(RunCommand.DefaultUrls, ListenAddresses.Resolve(Config()).Urls);

    [Theory]
    // ASP.NET Core's own variable is used.
    [InlineData("http://0.0.0.0:9000", "ASPNETCORE_URLS=http://0.0.0.0:9000")]
    // ZtStream's own key wins over it.
    [InlineData("http://127.0.0.1:7000", "ASPNETCORE_URLS=http://0.0.0.0:9000", "Urls=http://127.0.0.1:7000")]
    // URLs win over ports, as in ASP.NET Core.
    [InlineData("http://127.0.0.1:9000", "ASPNETCORE_URLS=http://127.0.0.1:9000", "ASPNETCORE_HTTP_PORTS=8080")]
    public void Resolve_Urls_OwnKeyThenAspNetCoreUrlsThenPorts(string expected, params string[] settings) =>
        Assert.Equal(expected, ListenAddresses.Resolve(ConfigOf(settings)).Urls);

    [Fact]
    public void Resolve_HttpAndHttpsPorts_ListenOnEveryInterface()
    {
        var listen = ListenAddresses.Resolve(Config(("ASPNETCORE_HTTP_PORTS", "8080;8081"), ("ASPNETCORE_HTTPS_PORTS", "8443")));

        Assert.Equal("http://*:8080;http://*:8081;https://*:8443", listen.Urls);
        Assert.True(listen.Https);
    }

    [Fact]
    public void Resolve_KestrelEndpoints_DecideOverAspNetCoreUrls()
    {
        var listen = ListenAddresses.Resolve(Config(("Kestrel:Endpoints:Web:Url", "https://0.0.0.0:8443"), ("ASPNETCORE_URLS", "http://0.0.0.0:9000")));

        Assert.Null(listen.Urls);
        Assert.Equal("https://0.0.0.0:8443", listen.Kestrel["Endpoints:Web:Url"]);
        Assert.True(listen.Https);
    }

    [Fact]
    public void Resolve_OwnUrlsAndKestrelEndpoints_OwnWinsAndTheSectionKeepsItsCertificates()
    {
        var listen = ListenAddresses.Resolve(Config(
            ("Kestrel:Endpoints:Web:Url", "https://0.0.0.0:8443"),
            ("Kestrel:Certificates:Default:Path", "/certs/tls.pfx"),
            ("Urls", "https://127.0.0.1:7443")));

        Assert.Equal("https://127.0.0.1:7443", listen.Urls);
        Assert.Null(listen.Kestrel["Endpoints:Web:Url"]);
        Assert.Equal("/certs/tls.pfx", listen.Kestrel["Certificates:Default:Path"]);
    }

    [Theory]
    [InlineData("Urls: 'notaurl' is not an address to listen on (http://HOST:PORT or https://HOST:PORT)", "Urls=notaurl")]
    [InlineData("Urls: 'bad' is not an address to listen on (http://HOST:PORT or https://HOST:PORT)", "Urls=http://127.0.0.1:8080; bad")]
    [InlineData("Urls: 'http://127.0.0.1:99999' has the port 99999: a port runs from 0 to 65535", "Urls=http://127.0.0.1:99999")]
    [InlineData("ASPNETCORE_URLS: 'ftp://0.0.0.0:21' has the scheme 'ftp': ZtStream listens on http:// and https:// only", "ASPNETCORE_URLS=ftp://0.0.0.0:21")]
    [InlineData("ASPNETCORE_HTTP_PORTS/ASPNETCORE_HTTPS_PORTS: 'http://*:abc' has a port that is not a number", "ASPNETCORE_HTTP_PORTS=abc")]
    [InlineData("ASPNETCORE_HTTP_PORTS/ASPNETCORE_HTTPS_PORTS: 'https://*:70000' has the port 70000: a port runs from 0 to 65535", "ASPNETCORE_HTTPS_PORTS=70000")]
    [InlineData("Kestrel:Endpoints:Web:Url: 'http//0.0.0.0:8443' is not an address to listen on (http://HOST:PORT or https://HOST:PORT)", "Kestrel:Endpoints:Web:Url=http//0.0.0.0:8443")]
    [InlineData("Kestrel:Endpoints:Web:Url: 'http://0.0.0.0:8443/api' has the path '/api': an address to listen on is http://HOST:PORT or https://HOST:PORT, without a path", "Kestrel:Endpoints:Web:Url=http://0.0.0.0:8443/api")]
    [InlineData("Urls: 'https://127.0.0.1:7443/zt' has the path '/zt': an address to listen on is http://HOST:PORT or https://HOST:PORT, without a path", "Urls=https://127.0.0.1:7443/zt")]
    public void Problems_AnAddressKestrelWouldThrowOn_IsNamedWithItsKey(string expected, params string[] settings) =>
        Assert.Equal([expected], ListenAddresses.Resolve(ConfigOf(settings)).Problems());

    [Theory]
    [InlineData("Urls=http://127.0.0.1:0")]
    [InlineData("Urls=https://[::1]:8443;http://localhost:8080")]
    [InlineData("ASPNETCORE_URLS=http://+:80;http://*:8081")]
    [InlineData("ASPNETCORE_HTTP_PORTS=8080;8081")]
    [InlineData("Urls=http://unix:/run/ztstream.sock")]
    [InlineData("Kestrel:Endpoints:Web:Url=https://0.0.0.0:8443")]
    public void Problems_AddressesKestrelTakes_AreNone(params string[] settings) =>
        Assert.Empty(ListenAddresses.Resolve(ConfigOf(settings)).Problems());

    [Theory]
    [InlineData("ZTSTREAM_Urls", "http://127.0.0.1:99999", "Urls: 'http://127.0.0.1:99999' has the port 99999: a port runs from 0 to 65535")]
    [InlineData("ASPNETCORE_HTTP_PORTS", "abc", "ASPNETCORE_HTTP_PORTS/ASPNETCORE_HTTPS_PORTS: 'http://*:abc' has a port that is not a number")]
    public async Task RealBinary_NotAnAddress_ExitsTwoNamingItsKey_BeforeOpeningAnything(string variable, string value, string expected)
    {
        var ct = Ct;
        await using var processes = new ZtStreamProcesses("zt-listen-");
        var run = await processes.RunToExitAsync("run", Run(processes), 2, TimeSpan.FromSeconds(60), ct, new Dictionary<string, string> { [variable] = value });

        Assert.Contains("configuration error: " + expected, run.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(processes.Folder.FullName, "eventlog")), "nothing is opened for a configuration error");
    }

    [Fact]
    public async Task RealBinary_PortTaken_ExitsOneSayingSo_AfterStoppingWhatStarted()
    {
        var ct = Ct;
        using var taken = LocalProcess.TakePort(out var port);
        await using var processes = new ZtStreamProcesses("zt-listen-");
        var run = await processes.RunToExitAsync("run", [.. Run(processes), "--urls", $"http://127.0.0.1:{port}"], 1, TimeSpan.FromSeconds(60), ct);

        Assert.Contains($"ztstream run: cannot listen on http://127.0.0.1:{port}: ", run.Output, StringComparison.Ordinal);
        Assert.Contains("address already in use", run.Output, StringComparison.OrdinalIgnoreCase);
        // Before, the host was disposed under the running consumer: every partition's revocation failed.
        Assert.DoesNotContain("ObjectDisposedException", run.Output, StringComparison.Ordinal);
        // One line says it: not also the host's own log entry with the exception's stack trace.
        Assert.DoesNotContain("Hosting failed to start", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// HTTPS that Kestrel cannot serve — no certificate at all, or one it cannot read — is one line naming the address
    /// and what to fix, exit 1, once what started is stopped. Before, an unhandled exception and its stack trace, and the
    /// runtime's abort (134), for all but a missing file.
    /// </summary>
    [Theory]
    [InlineData("none", "no TLS certificate is configured: set Kestrel:Certificates:Default:Path")]
    [InlineData("wrong password", "the TLS certificate cannot be used: The certificate data cannot be read with the provided password")]
    [InlineData("key path names the certificate", "the TLS certificate cannot be used: No supported key formats were found")]
    [InlineData("no such file", "the TLS certificate cannot be used: Could not find file")]
    public async Task RealBinary_HttpsWithoutACertificateItCanUse_ExitsOneSayingSo(string certificate, string expected)
    {
        var ct = Ct;
        var port = LocalProcess.FreePort();
        await using var processes = new ZtStreamProcesses("zt-listen-");
        var folder = processes.Folder.FullName;
        using var made = ZtStream.Host.Bench.BenchCommand.SelfSigned();
        File.WriteAllBytes(Path.Combine(folder, "tls.pfx"), made.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, "right"));
        File.WriteAllText(Path.Combine(folder, "tls.pem"), made.ExportCertificatePem());
        // A home of its own: no development certificate, which Kestrel would use where none is configured.
        var environment = new Dictionary<string, string> { ["HOME"] = folder };
        switch (certificate)
        {
            case "wrong password":
                (environment["Kestrel__Certificates__Default__Path"], environment["Kestrel__Certificates__Default__Password"]) = (Path.Combine(folder, "tls.pfx"), "wrong");
                break;
            case "key path names the certificate":
                (environment["Kestrel__Certificates__Default__Path"], environment["Kestrel__Certificates__Default__KeyPath"]) = (Path.Combine(folder, "tls.pem"), Path.Combine(folder, "tls.pem"));
                break;
            case "no such file":
                environment["Kestrel__Certificates__Default__Path"] = Path.Combine(folder, "gone.pfx");
                break;
        }

        var run = await processes.RunToExitAsync("run", [.. Run(processes), "--urls", $"https://127.0.0.1:{port}"], 1, TimeSpan.FromSeconds(60), ct, environment);

        Assert.Contains($"ztstream run: cannot listen on https://127.0.0.1:{port}: {expected}", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("ObjectDisposedException", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RealBinary_AspNetCoreUrls_AnswersHealthzThere()
    {
        var ct = Ct;
        var port = LocalProcess.FreePort();
        await using var processes = new ZtStreamProcesses("zt-listen-");
        var run = await processes.StartAsync(
            "run", Run(processes), true, ct, new Dictionary<string, string> { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}" });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        var healthz = await http.GetAsync(new Uri("/healthz", UriKind.Relative), ct);

        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        Assert.Equal(port, run.Url.Port);
    }

    [Fact]
    public async Task RealBinary_AspNetCoreHttpPortsAndZtStreamUrls_ZtStreamUrlsWin()
    {
        var ct = Ct;
        var (own, standard) = (LocalProcess.FreePort(), LocalProcess.FreePort());
        await using var processes = new ZtStreamProcesses("zt-listen-");
        var run = await processes.StartAsync(
            "run",
            Run(processes),
            true,
            ct,
            new Dictionary<string, string> { ["ASPNETCORE_HTTP_PORTS"] = standard.ToString(System.Globalization.CultureInfo.InvariantCulture), ["ZTSTREAM_Urls"] = $"http://127.0.0.1:{own}" });

        Assert.Equal(own, run.Url.Port);
        Assert.False(await LocalProcess.WaitForPortAsync(standard, TimeSpan.FromMilliseconds(300)), "nothing listens on ASPNETCORE_HTTP_PORTS when ZtStream's Urls are given");
    }

    /// <summary><c>ztstream run</c> on a SQLite file of its own, listening wherever the environment says.</summary>
    private static string[] Run(ZtStreamProcesses processes) => ["run", "--sqlite", processes.SqlitePath];

    /// <summary>Configuration from <c>KEY=VALUE</c> settings, as the environment gives them.</summary>
    private static IConfiguration ConfigOf(string[] settings) => Config([.. settings.Select(s => s.Split('=', 2)).Select(kv => (kv[0], kv[1]))]);

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
