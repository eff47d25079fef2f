using DotNet.Testcontainers.Builders;

namespace ZtStream.TestSupport.Oidc;

/// <summary>
/// A real OpenID Connect provider per test assembly: the certified <c>oidc-provider</c> package from the npm registry,
/// run with Node (tests/TestSupport/Oidc/oidc-provider.mjs: users ana, rex, vic and nora with a <c>roles</c> claim,
/// development login pages, dynamic client registration). Found in this order: <c>ZTSTREAM_TEST_OIDC</c> (the issuer
/// URL of such a provider); a Docker engine (node image); the local <c>node</c> and <c>npm</c>, with the package
/// installed once into a cache folder (<c>ZTSTREAM_TEST_NPM_CACHE</c>, else the temp folder) and reused.
/// </summary>
public sealed class OidcProviderFixture() : ServiceFixture<Uri, DockerContainer>("OpenID provider", Variable)
{
    public const string Variable = "ZTSTREAM_TEST_OIDC";
    public const string Package = "oidc-provider@9.13.3";
    private const string Image = "node:20-alpine";

    private Process? node;
    private int containerPort;

    /// <summary>The issuer URL, starting the provider on first use; skips (or fails, on CI) when there is none.</summary>
    public Task<Uri> GetIssuerAsync(CancellationToken cancellationToken = default) => GetAddressAsync(cancellationToken);

    /// <summary>Registers a public client (PKCE, authorization code) for <paramref name="redirectUri"/>; returns its client id.</summary>
    public async Task<string> RegisterClientAsync(Uri redirectUri, CancellationToken cancellationToken = default)
    {
        var issuer = await GetIssuerAsync(cancellationToken).ConfigureAwait(false);
        using var http = new HttpClient();
        using var response = await http.PostAsJsonAsync(
            new Uri(issuer, "/reg"),
            new Dictionary<string, object>
            {
                ["redirect_uris"] = new[] { redirectUri.ToString() },
                ["response_types"] = new[] { "code" },
                ["grant_types"] = new[] { "authorization_code" },
                ["token_endpoint_auth_method"] = "none",
                ["application_type"] = "web",
            },
            cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"client registration failed: {(int)response.StatusCode} {body}");
        }

        return JsonDocument.Parse(body).RootElement.GetProperty("client_id").GetString()!;
    }

    protected override Uri FromEnvironment(string value) => new(value);

    protected override DockerContainer BuildContainer()
    {
        containerPort = LocalProcess.FreePort();
        return (DockerContainer)new ContainerBuilder(Image)
            .WithResourceMapping(Encoding.UTF8.GetBytes(Script()), "/app/oidc-provider.mjs")
            .WithPortBinding(containerPort, containerPort)
            .WithCommand("sh", "-c", $"cd /app && npm install --no-audit --no-fund {Package} && node oidc-provider.mjs {containerPort} 0.0.0.0")
            .WithWaitStrategy(Wait.ForUnixContainer().UntilMessageIsLogged("listening"))
            .Build();
    }

    protected override Uri AddressOf(DockerContainer container) => new($"http://127.0.0.1:{containerPort}");

    protected override string? FindBinaries(out string missing)
    {
        missing = "node and npm are not installed (apt-get install nodejs npm)";
        var nodeBinary = LocalProcess.Find("node");
        return nodeBinary is not null && LocalProcess.Find("npm") is not null ? Path.GetDirectoryName(nodeBinary) : null;
    }

    protected override async Task<Uri> StartLocalAsync(string binaries)
    {
        var cache = Environment.GetEnvironmentVariable("ZTSTREAM_TEST_NPM_CACHE") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Path.GetTempPath(), "ztstream-" + Package.Replace('@', '-'));
        Directory.CreateDirectory(cache);
        if (!File.Exists(Path.Combine(cache, "node_modules", "oidc-provider", "package.json")))
        {
            var install = await LocalProcess.RunAsync(
                Path.Combine(binaries, "npm"), ["install", "--no-audit", "--no-fund", "--prefix", cache, Package], TimeSpan.FromMinutes(5), workingDirectory: cache)
                .ConfigureAwait(false);
            if (!install.Succeeded)
            {
                throw new InvalidOperationException($"npm install {Package} failed: {install.Output}");
            }
        }

        var script = Path.Combine(cache, "oidc-provider.mjs");
        await File.WriteAllTextAsync(script, Script()).ConfigureAwait(false);
        var port = LocalProcess.FreePort();
        var info = new ProcessStartInfo(Path.Combine(binaries, "node"))
        {
            WorkingDirectory = cache,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var output = new StringBuilder();
        node = LocalProcess.Start(info, output);
        if (!await LocalProcess.WaitForPortAsync(port, TimeSpan.FromSeconds(60)).ConfigureAwait(false))
        {
            string said;
            lock (output)
            {
                said = output.ToString();
            }

            throw new InvalidOperationException($"the provider did not listen on {port}: {said}");
        }

        return new Uri($"http://127.0.0.1:{port}");
    }

    protected override string DescribeLocal(string binaries) => $"local node ({binaries}) with {Package}";

    protected override async ValueTask StopLocalAsync()
    {
        if (node is not null)
        {
            if (!node.HasExited)
            {
                node.Kill(entireProcessTree: true);
                await node.WaitForExitAsync().ConfigureAwait(false);
            }

            node.Dispose();
            node = null;
        }
    }

    private static string Script()
    {
        using var stream = typeof(OidcProviderFixture).Assembly.GetManifestResourceStream("oidc-provider.mjs")
            ?? throw new InvalidOperationException("the provider script is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
