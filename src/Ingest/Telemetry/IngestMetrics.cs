using System.Diagnostics;
using System.Diagnostics.Metrics;
using ZtStream.Platform.Telemetry;

namespace ZtStream.Ingest.Telemetry;

/// <summary>
/// Meter <c>ZtStream.Ingest</c>: events accepted and rejected per source and reason, batch latency, appends in flight;
/// ActivitySource <c>ZtStream.Ingest</c>: an <c>ingest.accept</c> span per accepted batch.
/// </summary>
internal sealed class IngestMetrics
{
    public const string MeterName = "ZtStream.Ingest";

    public static readonly ActivitySource Source = new(MeterName);

    // An answer takes milliseconds (an fsync, a Kafka acknowledgement) to seconds (a log that is slow to take it).
    private static readonly double[] DurationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly Counter<long> accepted;
    private readonly Counter<long> rejected;
    private readonly Histogram<double> batchDuration;
    private readonly UpDownCounter<long> appending;

    public IngestMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        accepted = meter.CreateCounter<long>("ztstream.ingest.events.accepted", "{event}", "Events appended to the event log");
        rejected = meter.CreateCounter<long>("ztstream.ingest.events.rejected", "{event}", "Events or requests refused, by reason");
        batchDuration = meter.CreateHistogram("ztstream.ingest.batch.duration", "s", "Time from request to answer, per batch", DurationBuckets);
        appending = meter.CreateUpDownCounter<long>("ztstream.ingest.append.in_flight", "{event}", "Events handed to the event log and not yet acknowledged");
    }

    public void Accepted(string source, string endpoint, int count) =>
        accepted.Add(count, new("source", source), new("endpoint", endpoint));

    /// <summary>Reasons: invalid, unauthorized, too_large, rate_limited, log_unavailable, malformed, unsupported_media_type, outside_scope, new_principals.</summary>
    public void Rejected(string source, string endpoint, string reason, int count) =>
        rejected.Add(count, new("source", source), new("endpoint", endpoint), new("reason", reason));

    public void BatchCompleted(string endpoint, int status, TimeSpan elapsed) =>
        batchDuration.Record(elapsed.TotalSeconds, new("endpoint", endpoint), new("status", status));

    public void AppendStarted(int count) => appending.Add(count);

    public void AppendEnded(int count) => appending.Add(-count);
}
