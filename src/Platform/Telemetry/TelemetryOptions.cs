namespace ZtStream.Platform.Telemetry;

/// <summary>
/// Section <c>Telemetry</c>: the Prometheus scrape endpoint. Exporters to a collector are configured the
/// OpenTelemetry way (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, <c>OTEL_SERVICE_NAME</c>, <c>OTEL_RESOURCE_ATTRIBUTES</c>
/// and the other <c>OTEL_*</c> variables the SDK reads), not here.
/// </summary>
internal sealed record TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>Serve the metrics for Prometheus to scrape (on by default).</summary>
    public bool Prometheus { get; init; } = true;

    /// <summary>Path of the scrape endpoint.</summary>
    public string MetricsPath { get; init; } = "/metrics";
}
