using Microsoft.AspNetCore.Routing;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ZtStream.Platform.Telemetry;

/// <summary>
/// OpenTelemetry for a <c>ztstream run</c> host: every ZtStream meter and activity source (<c>ZtStream.*</c>), the
/// ASP.NET Core, HttpClient, runtime and MassTransit instrumentation, a Prometheus scrape endpoint (on by default) and,
/// when an OTLP endpoint is configured the standard way, OTLP export of traces, metrics and logs.
/// </summary>
internal static class TelemetryHosting
{
    /// <summary>Every ZtStream meter and activity source (<c>ZtStream.&lt;Component&gt;</c>); a new component adds its name here.</summary>
    public static readonly string[] ZtStreamNames = ["ZtStream.Ingest", "ZtStream.EventLog", "ZtStream.Verifier", "ZtStream.Responder", "ZtStream.Sdk"];

    /// <summary>MassTransit's own ActivitySource and Meter: it carries W3C trace context in message headers.</summary>
    public const string MassTransitName = "MassTransit";

    private static readonly string[] QuietPaths = ["/healthz", "/readyz"];

    /// <summary>
    /// <paramref name="configuration"/> must hold the <c>OTEL_*</c> variables under their own names (the host's
    /// configuration does): the SDK reads them from it, as it would from the environment.
    /// </summary>
    public static IServiceCollection AddTelemetry(this IServiceCollection services, IConfiguration configuration, string roles)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddValidatedOptions<TelemetryOptions, TelemetryOptionsValidator>(configuration.GetSection(TelemetryOptions.Section));
        var options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var export = OtlpExport.From(configuration);
        var prometheus = new PrometheusScrape(OtlpEnvironment.ServesPrometheus(configuration));
        services.AddSingleton(prometheus);

        var telemetry = services.AddOpenTelemetry().ConfigureResource(resource =>
        {
            // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (read by the SDK's default detectors) win over these defaults.
            if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]) && !HasResourceAttribute(configuration, "service.name"))
            {
                resource.AddService("ztstream", serviceVersion: Version, autoGenerateServiceInstanceId: true);
            }

            resource.AddAttributes([new("ztstream.roles", roles)]);
        });

        telemetry.WithMetrics(metrics =>
        {
            metrics.AddMeter([.. ZtStreamNames, MassTransitName])
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation();
            if (prometheus.Served)
            {
                metrics.AddPrometheusExporter();
            }

            if (export.Metrics)
            {
                metrics.AddOtlpExporter();
            }
        });

        // Without an exporter nobody listens, so no span is made on any path (ZtStream's sources check HasListeners).
        if (export.Traces)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource([.. ZtStreamNames, MassTransitName])
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsQuiet(context, options))
                .AddHttpClientInstrumentation()
                .AddOtlpExporter());
        }

        if (export.Logs)
        {
            // Each log record carries the trace and span id of the activity it was written in.
            telemetry.WithLogging(logging => logging.AddOtlpExporter(), o =>
            {
                o.IncludeFormattedMessage = true;
                o.IncludeScopes = true;
            });
        }

        return services;
    }

    /// <summary>The Prometheus scrape endpoint at <see cref="TelemetryOptions.MetricsPath"/>, unless it is turned off.</summary>
    public static WebApplication MapTelemetry(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        if (app.Services.GetRequiredService<PrometheusScrape>().Served)
        {
            // The exporter maps every method; as MapGet does, routing answers others 405 with Allow (a problem, PlatformHosting).
            app.MapPrometheusScrapingEndpoint(options.MetricsPath).WithMetadata(new HttpMethodMetadata([HttpMethods.Get]));
        }

        return app;
    }

    /// <summary>Whether the scrape endpoint is served (<see cref="OtlpEnvironment.ServesPrometheus"/>), decided once with the exporters.</summary>
    private sealed record PrometheusScrape(bool Served);

    /// <summary>True when traces go to a collector: for the console log lines to carry trace ids as well.</summary>
    public static bool TracesExported(IConfiguration configuration) => OtlpExport.From(configuration).Traces;

    private static bool IsQuiet(HttpContext context, TelemetryOptions options)
    {
        var path = context.Request.Path;
        return path.StartsWithSegments(options.MetricsPath, StringComparison.OrdinalIgnoreCase)
            || Array.Exists(QuietPaths, p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));
    }

    private static bool HasResourceAttribute(IConfiguration configuration, string name) =>
        (configuration["OTEL_RESOURCE_ATTRIBUTES"] ?? "").Split(',').Any(p => p.Split('=')[0].Trim() == name);

    private static string Version =>
        typeof(TelemetryHosting).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>
    /// Which signals go to an OTLP collector: those with an endpoint (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or the
    /// signal's own <c>OTEL_EXPORTER_OTLP_{SIGNAL}_ENDPOINT</c>) whose <c>OTEL_{SIGNAL}_EXPORTER</c> is unset or names
    /// <c>otlp</c> (<see cref="OtlpEnvironment.SelectsOtlp"/>). The exporter would otherwise send to localhost:4317
    /// whether or not a collector is there.
    /// </summary>
    private readonly record struct OtlpExport(bool Traces, bool Metrics, bool Logs)
    {
        public static OtlpExport From(IConfiguration configuration)
        {
            var any = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
            bool On(string signal) =>
                (any || !string.IsNullOrWhiteSpace(configuration[$"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"]))
                && OtlpEnvironment.SelectsOtlp(configuration, signal)
                && !string.Equals(configuration["OTEL_SDK_DISABLED"], "true", StringComparison.OrdinalIgnoreCase);
            return new OtlpExport(On("TRACES"), On("METRICS"), On("LOGS"));
        }
    }
}
