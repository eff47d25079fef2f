namespace ZtStream.Platform.Telemetry;

/// <summary>
/// The OTLP exporter's endpoint, protocol and headers variables, checked before the start: the SDK takes a malformed
/// endpoint or protocol without a word and exports nothing, and throws past the host on headers it cannot split. Only
/// variables that are set are judged; the values are the OpenTelemetry specification's (an absolute http or https URI;
/// <c>grpc</c>, <c>http/protobuf</c> or <c>http/json</c>; <c>name=value</c> pairs separated by commas, URL-encoded).
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

            var headersName = $"OTEL_EXPORTER_OTLP_{signal}HEADERS";
            if (configuration[headersName] is { Length: > 0 } headers && HeadersProblem(headers) is { } why)
            {
                yield return $"{headersName}: {why} (the value is name=value pairs separated by commas, e.g. api-key=secret,tenant=shop)";
            }
        }
    }

    /// <summary>
    /// What is wrong with an <c>OTEL_EXPORTER_OTLP_HEADERS</c> value, read as the SDK reads it (URL-decoded, split at
    /// commas, each pair at its first <c>=</c>); null when every pair is a header. A pair's value is not quoted back: it
    /// is usually a credential.
    /// </summary>
    private static string? HeadersProblem(string headers)
    {
        var pairs = Uri.UnescapeDataString(headers).Split(',');
        for (var i = 0; i < pairs.Length; i++)
        {
            if (i > 0 && i == pairs.Length - 1 && pairs[i].Length == 0)
            {
                break; // a trailing comma, which the SDK reads as the end
            }

            var equals = pairs[i].IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                return $"pair {i + 1} has no '='";
            }

            var name = pairs[i][..equals].Trim();
            if (name.Length == 0 || !name.All(IsTokenChar))
            {
                return $"pair {i + 1}'s name '{name}' is not an HTTP header name";
            }

            if (pairs[i].AsSpan(equals + 1).IndexOfAny('\r', '\n') >= 0)
            {
                return $"pair {i + 1} ({name}) has a line break in its value";
            }
        }

        return null;
    }

    /// <summary>RFC 9110 §5.6.2 <c>tchar</c>: what a header name is made of.</summary>
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
}
