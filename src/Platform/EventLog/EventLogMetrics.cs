using System.Diagnostics.Metrics;

namespace ZtStream.Platform.EventLog;

/// <summary>Instruments of the <c>ZtStream.EventLog</c> meter, shared by both implementations.</summary>
internal sealed class EventLogMetrics : IDisposable
{
    public const string MeterName = "ZtStream.EventLog";

    private readonly Meter _meter;

    /// <param name="queueDepth">Records accepted but not yet acknowledged (Kafka) or retained (in-process).</param>
    public EventLogMetrics(string implementation, Func<long> queueDepth)
    {
        // Not from IMeterFactory: it hands out one shared Meter per name, and each log disposes its own.
        _meter = new Meter(MeterName);
        var tags = new KeyValuePair<string, object?>[] { new("implementation", implementation) };
        _meter.CreateObservableGauge(
            "ztstream.eventlog.queue_depth",
            () => new Measurement<long>(queueDepth(), tags),
            unit: "{record}",
            description: "Kafka: records in the producer queue awaiting acknowledgement. In-process: records retained in the log.");
        Appended = _meter.CreateCounter<long>("ztstream.eventlog.appended", "{record}", "Records acknowledged by the log.");
        Refused = _meter.CreateCounter<long>("ztstream.eventlog.refused", "{record}", "Records the log refused as unavailable (full or down).");
        DeadLettered = _meter.CreateCounter<long>("ztstream.eventlog.dead_lettered", "{record}", "Records moved to a dead-letter topic.");
        Retried = _meter.CreateCounter<long>("ztstream.eventlog.retried", "{attempt}", "Handler attempts that failed and were retried.");
    }

    public Counter<long> Appended { get; }

    public Counter<long> Refused { get; }

    public Counter<long> DeadLettered { get; }

    public Counter<long> Retried { get; }

    public void Dispose() => _meter.Dispose();
}
