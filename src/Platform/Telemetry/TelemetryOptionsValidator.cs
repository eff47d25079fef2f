namespace ZtStream.Platform.Telemetry;

/// <summary>Checks section <c>Telemetry</c>, listing every problem at once.</summary>
internal sealed class TelemetryOptionsValidator : OptionsValidator<TelemetryOptions, TelemetryOptionsValidator>, IOptionsRules<TelemetryOptions>
{
    /// <summary>Adds one line per problem to <paramref name="problems"/>.</summary>
    public static void Check(TelemetryOptions options, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(options.MetricsPath) || !options.MetricsPath.StartsWith('/') || options.MetricsPath.Contains('?', StringComparison.Ordinal))
        {
            problems.Add($"Telemetry:MetricsPath '{options.MetricsPath}' must be a path starting with '/' (e.g. /metrics)");
        }
    }
}
