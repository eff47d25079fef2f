namespace ZtStream.Host.Run;

/// <summary>
/// Where <c>ztstream run</c> listens, by the conventions a container platform expects, first match wins:
/// ZtStream's own <c>Urls</c> (<c>--urls</c>, <c>ZTSTREAM_Urls</c>, the config file); the <c>Kestrel:Endpoints</c>
/// section; <c>ASPNETCORE_URLS</c>; <c>ASPNETCORE_HTTP_PORTS</c> / <c>ASPNETCORE_HTTPS_PORTS</c> (every interface,
/// as ASP.NET Core does); otherwise <see cref="RunCommand.DefaultUrls"/>.
/// </summary>
/// <param name="Urls">Addresses for <c>UseUrls</c>; null when the Kestrel section's endpoints decide.</param>
/// <param name="Kestrel">The <c>Kestrel</c> section to apply (certificates, limits; its endpoints only when they decide).</param>
internal sealed record ListenAddresses(string? Urls, IConfiguration Kestrel)
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
            return new ListenAddresses(null, kestrel);
        }

        if (configuration[StandardEnvironment.AspNetCoreUrls] is { Length: > 0 } standard)
        {
            return new ListenAddresses(standard, kestrel);
        }

        var ports = Ports(configuration[StandardEnvironment.AspNetCoreHttpPorts], "http")
            .Concat(Ports(configuration[StandardEnvironment.AspNetCoreHttpsPorts], "https"))
            .ToList();
        return new ListenAddresses(ports.Count > 0 ? string.Join(';', ports) : RunCommand.DefaultUrls, kestrel);
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
