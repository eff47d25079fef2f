namespace ZtStream.Platform.Telemetry;

/// <summary>
/// The OTLP exporter's endpoint and protocol variables, checked before the start: the SDK takes a malformed value
/// without a word and exports nothing. Only variables that are set are judged; the values are the OpenTelemetry
/// specification's (an absolute http or https URI; <c>grpc</c>, <c>http/protobuf</c> or <c>http/json</c>).
/// </summary>
internal static class OtlpEnvironment
{
    /// <summary>The protocols the OpenTelemetry specification defines for <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>.</summary>
    public static readonly string[] Protocols = ["grpc", "http/protobuf", "http/json"];

    private static readonly string[] Signals = ["", "TRACES_", "METRICS_", "LOGS_"];

    /// <summary>One line per set variable whose value the specification does not allow, naming it and what it accepts.</summary>
    public static IEnumerable<string> Problems(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var signal in Signals)
        {
            var endpointName = $"OTEL_EXPORTER_OTLP_{signal}ENDPOINT";
            if (configuration[endpointName] is { } endpoint
                && !(Uri.TryCreate(endpoint.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0))
            {
                yield return $"{endpointName}: '{endpoint}' is not an absolute http:// or https:// URI (e.g. http://otel-collector:4317)";
            }

            var protocolName = $"OTEL_EXPORTER_OTLP_{signal}PROTOCOL";
            if (configuration[protocolName] is { } protocol && !Protocols.Contains(protocol.Trim(), StringComparer.Ordinal))
            {
                yield return $"{protocolName}: '{protocol}' is not an OTLP protocol (one of {string.Join(", ", Protocols)})";
            }
        }
    }
}
