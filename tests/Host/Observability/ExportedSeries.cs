using System.Diagnostics.Metrics;
using ZtStream.Ingest.Telemetry;
using ZtStream.Platform.EventLog;
using ZtStream.Responder.Telemetry;
using ZtStream.Sdk.Telemetry;
using ZtStream.Verifier.Telemetry;

namespace ZtStream.Host.Tests.Observability;

/// <summary>
/// The Prometheus series ZtStream's instruments become, found by listening to every ZtStream meter as its instruments
/// are made and naming them the way OpenTelemetry's Prometheus exporter does: dots to underscores, the unit's suffix
/// (<c>s</c> → <c>_seconds</c>; annotations in braces dropped), <c>_total</c> on counters, and
/// <c>_bucket</c>/<c>_sum</c>/<c>_count</c> on histograms. The demo's real scrape (EndToEnd) shows the same names.
/// </summary>
internal static class ExportedSeries
{
    private static readonly Lazy<IReadOnlyDictionary<string, Instrument>> All = new(Collect);

    /// <summary>Every series name, histogram parts included, with the instrument it comes from.</summary>
    public static IReadOnlyDictionary<string, Instrument> Names => All.Value;

    /// <summary>The base name of each instrument (histograms without their part suffixes).</summary>
    public static IEnumerable<string> Bases => All.Value.Select(kv => PrometheusName(kv.Value)).Distinct();

    public static string PrometheusName(Instrument instrument)
    {
        var name = instrument.Name.Replace('.', '_');
        if (instrument.Unit == "s" && !name.EndsWith("_seconds", StringComparison.Ordinal))
        {
            name += "_seconds";
        }

        var type = instrument.GetType().GetGenericTypeDefinition();
        return type == typeof(Counter<>) || type == typeof(ObservableCounter<>) ? name + "_total" : name;
    }

    private static Dictionary<string, Instrument> Collect()
    {
        var seen = new Dictionary<string, Instrument>(StringComparer.Ordinal);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (!instrument.Meter.Name.StartsWith("ZtStream.", StringComparison.Ordinal))
                {
                    return;
                }

                var name = PrometheusName(instrument);
                if (instrument.GetType().GetGenericTypeDefinition() == typeof(Histogram<>))
                {
                    foreach (var part in new[] { "_bucket", "_sum", "_count" })
                    {
                        seen[name + part] = instrument;
                    }
                }
                else
                {
                    seen[name] = instrument;
                }
            },
        };
        listener.Start();

        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var eventLog = new EventLogMetrics("test", () => 0);
        _ = new IngestMetrics(meters);
        _ = new VerifierTelemetry(meters, TimeProvider.System);
        _ = new Verifier.Rules.RuleReloader(new Verifier.Rules.RuleSetHolder(Verifier.Rules.RuleSet.Empty), Microsoft.Extensions.Options.Options.Create(new Verifier.VerifierOptions()),
            TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<Verifier.Rules.RuleReloader>.Instance, meters);
        _ = new ResponderTelemetry(meters);
        _ = new SdkMetrics(meters);
        return seen;
    }
}
