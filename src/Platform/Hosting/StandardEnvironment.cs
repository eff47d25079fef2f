using System.Collections;

namespace ZtStream.Platform.Hosting;

/// <summary>
/// The environment variables other tools' conventions define, as configuration keys beside ZtStream's own:
/// OpenTelemetry's <c>OTEL_*</c> under their own names (the SDK reads them from the configuration), ASP.NET Core's
/// <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c> and <c>ASPNETCORE_HTTPS_PORTS</c> under their own names, <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c> as
/// <c>ForwardedHeaders:Enabled</c>, and
/// the <c>Kestrel</c> section from <c>Kestrel__*</c> or <c>ASPNETCORE_Kestrel__*</c>. They come first, so ZtStream's
/// config file, <c>ZTSTREAM_</c> variables and switches win over them.
/// </summary>
internal static class StandardEnvironment
{
    public const string AspNetCoreUrls = "ASPNETCORE_URLS";
    public const string AspNetCoreHttpPorts = "ASPNETCORE_HTTP_PORTS";
    public const string AspNetCoreHttpsPorts = "ASPNETCORE_HTTPS_PORTS";
    public const string KestrelSection = "Kestrel";
    public const string AspNetCoreForwardedHeaders = "ASPNETCORE_FORWARDEDHEADERS_ENABLED";

    private static readonly string[] KeptNames = [AspNetCoreUrls, AspNetCoreHttpPorts, AspNetCoreHttpsPorts];

    /// <summary>The keys and values <paramref name="environment"/> (the process's, by default) gives under these conventions.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> Variables(IDictionary? environment = null)
    {
        foreach (DictionaryEntry entry in environment ?? Environment.GetEnvironmentVariables())
        {
            if (entry.Key is not string name || entry.Value is not string value)
            {
                continue;
            }

            if (name.StartsWith("OTEL_", StringComparison.Ordinal) || Array.Exists(KeptNames, k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)))
            {
                yield return new(name.ToUpperInvariant(), value);
            }
            else if (string.Equals(name, AspNetCoreForwardedHeaders, StringComparison.OrdinalIgnoreCase))
            {
                // ASP.NET Core's switch, read as ZtStream's own key, which says which proxies to believe.
                yield return new("ForwardedHeaders:Enabled", value);
            }
            else if (name.StartsWith("Kestrel__", StringComparison.OrdinalIgnoreCase))
            {
                yield return new(name.Replace("__", ":", StringComparison.Ordinal), value);
            }
            else if (name.StartsWith("ASPNETCORE_Kestrel__", StringComparison.OrdinalIgnoreCase))
            {
                yield return new(name["ASPNETCORE_".Length..].Replace("__", ":", StringComparison.Ordinal), value);
            }
        }
    }
}
