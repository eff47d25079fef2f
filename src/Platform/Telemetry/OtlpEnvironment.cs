namespace ZtStream.Platform.Telemetry;

/// <summary>
/// The OTLP exporter's endpoint, protocol and headers variables, the exporter selection (<c>OTEL_{SIGNAL}_EXPORTER</c>)
/// and the sampler (<c>OTEL_TRACES_SAMPLER</c>, <c>_ARG</c>), checked before the start: the SDK takes a malformed
/// endpoint, protocol, sampler or ratio without a word (exporting nothing, or every trace), ZtStream would export by OTLP
/// whatever exporter was named, and the SDK throws past the host on headers it cannot split. Only variables that are
/// set are judged; the values are the OpenTelemetry specification's (an absolute http or https URI; <c>grpc</c>,
/// <c>http/protobuf</c> or <c>http/json</c>; <c>name=value</c> pairs separated by commas, URL-encoded; the exporter and
/// sampler names of "Environment Variable Specification", case-insensitive) — of those, what ZtStream implements.
/// </summary>
internal static class OtlpEnvironment
{
    /// <summary>The protocols the OpenTelemetry specification defines for <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>.</summary>
    public static readonly string[] Protocols = ["grpc", "http/protobuf", "http/json"];

    /// <summary>The samplers the OpenTelemetry .NET SDK builds from <c>OTEL_TRACES_SAMPLER</c>; the last three read a ratio.</summary>
    public static readonly string[] Samplers = ["always_on", "always_off", "parentbased_always_on", "parentbased_always_off", "traceidratio", "parentbased_traceidratio"];

    private const string MetricsExporter = "OTEL_METRICS_EXPORTER";

    private const string PrometheusSetting = "Telemetry:Prometheus";

    private static readonly string[] Signals = ["", "TRACES_", "METRICS_", "LOGS_"];

    /// <summary>The specification's sampler names that the .NET SDK does not build (it would sample every trace instead).</summary>
    private static readonly string[] SamplersNotBuilt = ["jaeger_remote", "parentbased_jaeger_remote", "xray"];

    /// <summary>Per signal: the exporters ZtStream runs, and the other names the specification defines.</summary>
    private static readonly (string Signal, string[] Shipped, string[] NotShipped)[] Exporters =
    [
        ("TRACES", ["otlp", "none"], ["zipkin", "console", "logging", "jaeger"]),
        ("METRICS", ["otlp", "prometheus", "none"], ["console", "logging"]),
        ("LOGS", ["otlp", "none"], ["console", "logging"]),
    ];

    /// <summary>One line per set variable whose value the specification does not allow, naming it and what it accepts.</summary>
    public static IEnumerable<string> Problems(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var signal in Signals)
        {
            var endpointName = $"OTEL_EXPORTER_OTLP_{signal}ENDPOINT";
            if (configuration[endpointName] is { } endpoint
                && !(HttpUrls.TryParse(endpoint.Trim(), out var uri) && uri.Host.Length > 0))
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

        foreach (var (signal, shipped, notShipped) in Exporters)
        {
            var name = $"OTEL_{signal}_EXPORTER";
            if (IsSet(configuration[name], out var value) && ExporterProblem(value, shipped, notShipped) is { } why)
            {
                yield return $"{name}: {why} (one of {string.Join(", ", shipped)}, or a comma-separated list of them)";
            }
        }

        if (SamplerProblems(configuration) is { } samplerProblem)
        {
            yield return samplerProblem;
        }

        if (PrometheusProblem(configuration) is { } prometheusProblem)
        {
            yield return prometheusProblem;
        }
    }

    /// <summary>
    /// Whether the Prometheus scrape endpoint is served: as <c>Telemetry:Prometheus</c> says when it is set, otherwise as
    /// <c>OTEL_METRICS_EXPORTER</c> says when that is set (the specification's exporter selection: served only when it
    /// names <c>prometheus</c>), otherwise served (ZtStream's default). <see cref="Problems"/> refuses the two set and
    /// disagreeing.
    /// </summary>
    public static bool ServesPrometheus(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (bool.TryParse(configuration[PrometheusSetting], out var setting))
        {
            return setting;
        }

        return !IsSet(configuration[MetricsExporter], out var value) || NamesPrometheus(value);
    }

    private static bool NamesPrometheus(string exporters) => ExporterNames(exporters).Contains("prometheus", StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// <c>OTEL_METRICS_EXPORTER</c> and <c>Telemetry:Prometheus</c> both set and saying the opposite: one of them would be
    /// dropped without a word, the scrape endpoint served where the exporter list said not to, or missing where it asked
    /// for it (and the Prometheus alerts then firing on an absent target).
    /// </summary>
    private static string? PrometheusProblem(IConfiguration configuration)
    {
        if (!IsSet(configuration[MetricsExporter], out var exporters) || !bool.TryParse(configuration[PrometheusSetting], out var serve)
            || NamesPrometheus(exporters) == serve)
        {
            return null;
        }

        return serve
            ? $"{MetricsExporter}: '{exporters}' does not name prometheus, but {PrometheusSetting} is true: add prometheus to the list, or set {PrometheusSetting}=false (or leave it unset: the list then decides)"
            : $"{MetricsExporter}: '{exporters}' names prometheus, but {PrometheusSetting} is false: take prometheus out of the list, or set {PrometheusSetting}=true (or leave it unset: the list then decides)";
    }

    /// <summary>
    /// Whether <paramref name="signal"/> (<c>TRACES</c>, <c>METRICS</c>, <c>LOGS</c>) names OTLP as its exporter: unset
    /// (the specification's default) or a list holding <c>otlp</c>.
    /// </summary>
    public static bool SelectsOtlp(IConfiguration configuration, string signal)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return !IsSet(configuration[$"OTEL_{signal}_EXPORTER"], out var value)
            || ExporterNames(value).Contains("otlp", StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The specification reads an empty value as unset.</summary>
    private static bool IsSet(string? value, out string trimmed)
    {
        trimmed = value?.Trim() ?? "";
        return trimmed.Length > 0;
    }

    private static string[] ExporterNames(string value) => value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static string? ExporterProblem(string value, string[] shipped, string[] notShipped)
    {
        var names = ExporterNames(value);
        if (names.Length == 0)
        {
            return $"'{value}' names no exporter";
        }

        foreach (var name in names)
        {
            if (notShipped.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                return $"'{name}' is an OpenTelemetry exporter ZtStream does not ship";
            }

            if (!shipped.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                return $"'{name}' is not an OpenTelemetry exporter";
            }
        }

        return names.Length > 1 && names.Contains("none", StringComparer.OrdinalIgnoreCase)
            ? $"'{value}' names 'none' with other exporters"
            : null;
    }

    /// <summary>The sampler's problem, or its ratio's; null when both are usable or unset.</summary>
    private static string? SamplerProblems(IConfiguration configuration)
    {
        const string SamplerName = "OTEL_TRACES_SAMPLER";
        const string ArgName = "OTEL_TRACES_SAMPLER_ARG";
        var samplerSet = IsSet(configuration[SamplerName], out var sampler);
        if (samplerSet && SamplersNotBuilt.Contains(sampler, StringComparer.OrdinalIgnoreCase))
        {
            return $"{SamplerName}: '{sampler}' is an OpenTelemetry sampler ZtStream's SDK does not build (one of {string.Join(", ", Samplers)})";
        }

        if (samplerSet && !Samplers.Contains(sampler, StringComparer.OrdinalIgnoreCase))
        {
            return $"{SamplerName}: '{sampler}' is not an OpenTelemetry sampler (one of {string.Join(", ", Samplers)})";
        }

        if (!IsSet(configuration[ArgName], out var arg))
        {
            return null;
        }

        // Only the ratio samplers read the argument: beside another (or the default) it would be dropped without a word,
        // and the SDK takes an unreadable ratio as 1.0, every trace.
        if (!samplerSet || !sampler.EndsWith("traceidratio", StringComparison.OrdinalIgnoreCase))
        {
            return $"{ArgName}: '{arg}' is read only by the samplers traceidratio and parentbased_traceidratio, and {SamplerName} is {(samplerSet ? $"'{sampler}'" : "not set")}";
        }

        return double.TryParse(arg, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and <= 1
            ? null
            : $"{ArgName}: '{arg}' is not a sampling ratio for {sampler} (a number from 0 to 1, e.g. 0.25)";
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
