using ZtStream.TestSupport.Telemetry;

namespace ZtStream.EndToEnd.Telemetry;

/// <summary>
/// The real binary's demo — every role in one process, simulated traffic with attacks — with the standard OpenTelemetry
/// variables pointing at a local OTLP/HTTP collector: one trace holds the attack's Ingest request, the Verifier's
/// scoring of it and the Responder's action and driver; and <c>/metrics</c> serves the ingest, lag, verifier, alert
/// and action series for Prometheus.
/// </summary>
public sealed class DemoTelemetryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(150);

    [Fact]
    public async Task Demo_OneTraceFromIngestThroughScoringToTheAction_AndPrometheusSeries()
    {
        var ct = Ct;
        await using var collector = await OtlpReceiver.StartAsync();
        var port = LocalProcess.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = "ztstream-e2e",
            ["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment.name=test",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "500",
            // The batch processor drops spans once its queue (2048 by default) is full, which a slow host can reach
            // while the demo's traffic is scored; a dropped parent would cut the trace this test follows.
            ["OTEL_BSP_MAX_QUEUE_SIZE"] = "65536",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "2000",
        };
        await using var demo = await ZtStreamProcess.StartAsync(
            "demo",
            ["demo", "--no-browser", "--duration", "240", "--interval", "2", "--urls", $"http://127.0.0.1:{port}"],
            environment,
            waitForListening: false,
            cancellationToken: ct);
        Assert.True(await LocalProcess.WaitForPortAsync(port, TimeSpan.FromSeconds(90)), $"the demo never listened:\n{demo.Output}");

        // Ingest's server span, the Verifier's score that raised the alert and the Responder's driver call share a trace id.
        // Spans are exported in batches as they end, so a trace can be seen before a parent that ended later: wait until
        // one such trace has exactly one root (asserted below) or the patience runs out.
        List<IGrouping<string, OtlpSpan>> candidates = [];
        IGrouping<string, OtlpSpan>? trace = null;
        var deadline = DateTime.UtcNow + Patience;
        while (trace is null && DateTime.UtcNow < deadline && !demo.HasExited)
        {
            candidates = collector.Spans.GroupBy(s => s.TraceId).Where(t =>
                t.Any(s => s.Scope == "Microsoft.AspNetCore" && s.Kind == 2 && s.Attributes.GetValueOrDefault("url.path") == "/v1/events")
                && t.Any(s => s.Name == "verifier.score" && s.Attributes.ContainsKey("ztstream.alert.id"))
                && t.Any(s => s.Name.StartsWith("responder.execute ", StringComparison.Ordinal))
                && t.Any(s => s.Name.StartsWith("responder.driver ", StringComparison.Ordinal))).ToList();
            trace = candidates.FirstOrDefault(t => Roots(t) == 1);
            await Task.Delay(500, ct);
        }

        Assert.True(candidates.Count > 0, $"no trace went from Ingest to an action; {collector.Spans.Count} spans: {string.Join(", ", collector.Spans.Select(s => s.Name).Distinct())}\n{demo.Output}");
        // Every span but the root has its parent in the same trace: nothing was cut between the log, the roles and the bus.
        Assert.True(trace is not null, $"every trace from Ingest to an action has a span whose parent is not in it: {string.Join("; ", candidates.Select(Describe))}\n{demo.Output}");
        var spans = trace.ToList();
        Assert.All(spans, s => Assert.Equal("ztstream-e2e", s.Service));
        Assert.Contains(spans, s => s.Name == "send zt.events.v1" && s.Kind == 4);
        Assert.Contains(spans, s => s.Name == "process zt.events.v1" && s.Kind == 5);
        Assert.Contains(spans, s => s.Name == "process zt.alerts.v1" && s.Kind == 5);
        Assert.Contains(spans, s => s.Name == "responder.alert");

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct);
        foreach (var series in new[]
        {
            "ztstream_ingest_events_accepted_total", "ztstream_eventlog_append_duration_seconds_bucket", "ztstream_eventlog_consumer_lag",
            "ztstream_eventlog_consumed_total", "ztstream_verifier_events_scored_total", "ztstream_verifier_score_bucket",
            "ztstream_verifier_alerts_total", "ztstream_verifier_principals", "ztstream_verifier_checkpoint_age_seconds",
            "ztstream_responder_alerts_received_total", "ztstream_responder_actions_total", "ztstream_responder_action_duration_seconds_bucket",
        })
        {
            Assert.True(metrics.Contains(series + "{", StringComparison.Ordinal) || metrics.Contains(series + " ", StringComparison.Ordinal), $"/metrics has no {series}:\n{metrics}");
        }

        Assert.Contains("ztstream_responder_actions_total{", metrics, StringComparison.Ordinal);
        Assert.Contains("state=\"done\"", metrics, StringComparison.Ordinal);
        Assert.True(collector.Requests.GetValueOrDefault("/v1/metrics") > 0, "metrics were exported over OTLP too");
        Assert.True(int.Parse(Value(metrics, "ztstream_verifier_events_scored_total"), CultureInfo.InvariantCulture) > 0);
    }

    /// <summary>How many spans of <paramref name="trace"/> have no parent in it.</summary>
    private static int Roots(IEnumerable<OtlpSpan> trace) => RootSpans(trace).Count;

    private static List<OtlpSpan> RootSpans(IEnumerable<OtlpSpan> trace)
    {
        var spans = trace.ToList();
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        return spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).ToList();
    }

    /// <summary>A trace's id, span count and roots (name, scope, parent id), for a failure message.</summary>
    private static string Describe(IGrouping<string, OtlpSpan> trace) =>
        $"{trace.Key} ({trace.Count()} spans) roots: {string.Join(", ", RootSpans(trace).Select(s => $"{s.Name} [{s.Scope}] parent {s.ParentSpanId ?? "none"}"))}";

    /// <summary>The first sample of <paramref name="series"/> in a Prometheus text exposition.
    private static string Value(string exposition, string series) =>
        exposition.Split('\n').First(l => l.StartsWith(series, StringComparison.Ordinal)).Split(' ')[^1].Split('.')[0];
}
