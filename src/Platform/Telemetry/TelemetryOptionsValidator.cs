using ZtStream.Platform.Options;

namespace ZtStream.Platform.Telemetry;

/// <summary>Checks section <c>Telemetry</c>, listing every problem at once.</summary>
internal sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public static IReadOnlyList<string> Validate(TelemetryOptions options)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.MetricsPath) || !options.MetricsPath.StartsWith('/') || options.MetricsPath.Contains('?', StringComparison.Ordinal))
        {
            problems.Add($"Telemetry:MetricsPath '{options.MetricsPath}' must be a path starting with '/' (e.g. /metrics)");
        }

        return problems;
    }

    public ValidateOptionsResult Validate(string? name, TelemetryOptions options) => OptionsValidation.ToResult(Validate(options));
}
