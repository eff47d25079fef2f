using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ZtStream.Ingest.Telemetry;

/// <summary>
/// Meter <c>ZtStream.Ingest</c>: events accepted and rejected per source and reason, batch latency, appends in flight;
/// ActivitySource <c>ZtStream.Ingest</c>: an <c>ingest.accept</c> span per accepted batch.
/// </summary>
internal sealed class IngestMetrics
{
    public const string MeterName = "ZtStream.Ingest";

    public static readonly ActivitySource Source = new(MeterName);

    private readonly Counter<long> accepted;
    private readonly Counter<long> rejected;
    private readonly Histogram<double> batchDuration;
    private readonly UpDownCounter<long> appending;

    public IngestMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        accepted = meter.CreateCounter<long>("ztstream.ingest.events.accepted", "{event}", "Events appended to the event log");
        rejected = meter.CreateCounter<long>("ztstream.ingest.events.rejected", "{event}", "Events or requests refused, by reason");
        batchDuration = meter.CreateHistogram<double>("ztstream.ingest.batch.duration", "s", "Time from request to answer, per batch");
        appending = meter.CreateUpDownCounter<long>("ztstream.ingest.append.in_flight", "{event}", "Events handed to the event log and not yet acknowledged");
    }

    public void Accepted(string source, string endpoint, int count) =>
        accepted.Add(count, new("source", source), new("endpoint", endpoint));

    /// <summary>Reasons: invalid, unauthorized, too_large, rate_limited, log_unavailable, malformed, unsupported_media_type.</summary>
    public void Rejected(string source, string endpoint, string reason, int count) =>
        rejected.Add(count, new("source", source), new("endpoint", endpoint), new("reason", reason));

    public void BatchCompleted(string endpoint, int status, TimeSpan elapsed) =>
        batchDuration.Record(elapsed.TotalSeconds, new("endpoint", endpoint), new("status", status));

    public void AppendStarted(int count) => appending.Add(count);

    public void AppendEnded(int count) => appending.Add(-count);
}
