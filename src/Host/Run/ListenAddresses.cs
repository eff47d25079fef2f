namespace ZtStream.Host.Run;

/// <summary>
/// Where <c>ztstream run</c> listens, by the conventions a container platform expects, first match wins:
/// ZtStream's own <c>Urls</c> (<c>--urls</c>, <c>ZTSTREAM_Urls</c>, the config file); the <c>Kestrel:Endpoints</c>
/// section; <c>ASPNETCORE_URLS</c>; <c>ASPNETCORE_HTTP_PORTS</c> / <c>ASPNETCORE_HTTPS_PORTS</c> (every interface,
/// as ASP.NET Core does); otherwise <see cref="RunCommand.DefaultUrls"/>.
/// </summary>
/// <param name="Urls">Addresses for <c>UseUrls</c>; null when the Kestrel section's endpoints decide.</param>
/// <param name="Kestrel">The <c>Kestrel</c> section to apply (certificates, limits; its endpoints only when they decide).</param>
/// <param name="From">The key the addresses came from, to name it in an error.</param>
internal sealed record ListenAddresses(string? Urls, IConfiguration Kestrel, string From = "Urls")
{
    public bool Https => Urls is null
        ? Kestrel.GetSection("Endpoints").GetChildren().Any(e => (e["Url"] ?? "").StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        : Urls.Contains("https://", StringComparison.OrdinalIgnoreCase);

    public static ListenAddresses Resolve(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var kestrel = configuration.GetSection(StandardEnvironment.KestrelSection);
        var endpoints = kestrel.GetSection("Endpoints").GetChildren().Any();
        if (configuration["Urls"] is { Length: > 0 } own)
        {
            // ZtStream's own key wins; the section's endpoints would otherwise override it (Kestrel prefers them).
            return new ListenAddresses(own, endpoints ? WithoutEndpoints(kestrel) : kestrel);
        }

        if (endpoints)
        {
            return new ListenAddresses(null, kestrel, "Kestrel:Endpoints");
        }

        if (configuration[StandardEnvironment.AspNetCoreUrls] is { Length: > 0 } standard)
        {
            return new ListenAddresses(standard, kestrel, StandardEnvironment.AspNetCoreUrls);
        }

        var ports = Ports(configuration[StandardEnvironment.AspNetCoreHttpPorts], "http")
            .Concat(Ports(configuration[StandardEnvironment.AspNetCoreHttpsPorts], "https"))
            .ToList();
        return ports.Count > 0
            ? new ListenAddresses(string.Join(';', ports), kestrel, $"{StandardEnvironment.AspNetCoreHttpPorts}/{StandardEnvironment.AspNetCoreHttpsPorts}")
            : new ListenAddresses(RunCommand.DefaultUrls, kestrel);
    }

    /// <summary>
    /// What is wrong with the addresses, one line each naming the key they came from. Kestrel finds the same only
    /// while starting, after the roles have opened the log and the store, and throws past the host.
    /// </summary>
    public IEnumerable<string> Problems()
    {
        var addresses = Urls is null
            ? Kestrel.GetSection("Endpoints").GetChildren().Select(e => ($"{StandardEnvironment.KestrelSection}:Endpoints:{e.Key}:Url", e["Url"] ?? ""))
            : Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => (From, u));
        foreach (var (key, url) in addresses)
        {
            if (Problem(url) is { } why)
            {
                yield return $"{key}: '{url}' {why}";
            }
        }
    }

    private static string? Problem(string url)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return "is not an address to listen on (http://HOST:PORT or https://HOST:PORT)";
        }

        if (!address.IsUnixPipe && address.Host.Contains(':', StringComparison.Ordinal) && !address.Host.StartsWith('['))
        {
            // "http://*:abc" parses as the host "*:abc" on port 80: a port that is not a number.
            return "has a port that is not a number";
        }

        if (!string.Equals(address.Scheme, "http", StringComparison.OrdinalIgnoreCase) && !string.Equals(address.Scheme, "https", StringComparison.OrdinalIgnoreCase))
        {
            return $"has the scheme '{address.Scheme}': ZtStream listens on http:// and https:// only";
        }

        if (!address.IsUnixPipe && address.Port is < 0 or > 65535)
        {
            return string.Create(CultureInfo.InvariantCulture, $"has the port {address.Port}: a port runs from 0 to 65535");
        }

        // Kestrel refuses a path base in an address (it would throw while starting): it listens on a host and port only.
        return address.PathBase.Length > 0 ? $"has the path '{address.PathBase}': an address to listen on is http://HOST:PORT or https://HOST:PORT, without a path" : null;
    }

    private static IEnumerable<string> Ports(string? value, string scheme) =>
        (value ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{scheme}://*:{p}"));

    private static IConfiguration WithoutEndpoints(IConfigurationSection kestrel) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(kestrel.AsEnumerable(makePathsRelative: true)
                .Where(kv => !kv.Key.StartsWith("Endpoints", StringComparison.OrdinalIgnoreCase)))
            .Build();
}
