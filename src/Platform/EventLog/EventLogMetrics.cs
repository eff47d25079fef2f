using System.Collections.Concurrent;

namespace ZtStream.Platform.EventLog;

/// <summary>Instruments of the <c>ZtStream.EventLog</c> meter, shared by every implementation.</summary>
internal sealed class EventLogMetrics : IDisposable
{
    public const string MeterName = "ZtStream.EventLog";

    // OpenTelemetry messaging semantic conventions name these attributes.
    private const string GroupTag = "messaging.consumer.group.name";
    private const string TopicTag = "messaging.destination.name";
    private const string PartitionTag = "messaging.destination.partition.id";

    private readonly Meter _meter;
    private readonly ConcurrentDictionary<(string Group, string Topic, int Partition), Progress> _progress = new();

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
        _meter.CreateObservableGauge(
            "ztstream.eventlog.consumer.lag",
            ObserveLag,
            unit: "{record}",
            description: "Records in a partition after the one a consumer group last handled in this process (end offset − handled offset − 1).");
        Appended = _meter.CreateCounter<long>("ztstream.eventlog.appended", "{record}", "Records acknowledged by the log.");
        Refused = _meter.CreateCounter<long>("ztstream.eventlog.refused", "{record}", "Records the log refused as unavailable (full or down).");
        DeadLettered = _meter.CreateCounter<long>("ztstream.eventlog.dead_lettered", "{record}", "Records moved to a dead-letter topic.");
        Retried = _meter.CreateCounter<long>("ztstream.eventlog.retried", "{attempt}", "Handler attempts that failed and were retried.");
        // Read from the per-partition progress at collection time, so a consumed record costs no instrument call.
        _meter.CreateObservableCounter(
            "ztstream.eventlog.consumed",
            ObserveConsumed,
            unit: "{record}",
            description: "Records a consumer group finished with (handled or dead-lettered) in this process, per partition.");
        AppendDuration = _meter.CreateHistogram("ztstream.eventlog.append.duration", "s", "Time from an append to the log's durable acknowledgement, per batch.", [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
    }

    public Counter<long> Appended { get; }

    public Counter<long> Refused { get; }

    public Counter<long> DeadLettered { get; }

    public Counter<long> Retried { get; }

    public Histogram<double> AppendDuration { get; }

    /// <summary>An append of <paramref name="topic"/> took <paramref name="elapsed"/> to acknowledge.</summary>
    public void Appending(string topic, TimeSpan elapsed) => AppendDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>(TopicTag, topic));

    /// <summary>A record moved to <paramref name="deadLetterTopic"/>.</summary>
    public void DeadLetter(string deadLetterTopic) => DeadLettered.Add(1, new KeyValuePair<string, object?>(TopicTag, deadLetterTopic));

    /// <summary>
    /// <paramref name="group"/> is done with <paramref name="record"/>; <paramref name="endOffset"/> is the partition's end
    /// (the offset the next appended record gets) as the log knew it then, or negative when unknown. Per record: one
    /// lookup and two writes, no allocation once a partition has been seen, no instrument call (the gauges read it).
    /// </summary>
    public void Finished(string group, ConsumedRecord record, long endOffset)
    {
        var key = (group, record.Topic, record.Partition);
        if (!_progress.TryGetValue(key, out var progress))
        {
            progress = _progress.GetOrAdd(key, static _ => new Progress());
        }

        Interlocked.Increment(ref progress.Consumed);
        Volatile.Write(ref progress.Lag, endOffset < 0 ? -1 : Math.Max(0, endOffset - record.Offset - 1));
    }

    /// <summary>A partition left this process (revoked or lost): another member reports its lag now.</summary>
    public void Forget(string group, string topic, int partition)
    {
        if (_progress.TryGetValue((group, topic, partition), out var progress))
        {
            Volatile.Write(ref progress.Lag, -1);
        }
    }

    private IEnumerable<Measurement<long>> ObserveLag()
    {
        foreach (var (key, progress) in _progress)
        {
            var lag = Volatile.Read(ref progress.Lag);
            if (lag >= 0)
            {
                yield return new Measurement<long>(lag, Tags(key));
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveConsumed()
    {
        foreach (var (key, progress) in _progress)
        {
            yield return new Measurement<long>(Interlocked.Read(ref progress.Consumed), Tags(key));
        }
    }

    private static KeyValuePair<string, object?>[] Tags((string Group, string Topic, int Partition) key) =>
        [new(GroupTag, key.Group), new(TopicTag, key.Topic), new(PartitionTag, key.Partition)];

    /// <summary>One partition as one group consumes it here: records finished, and the lag (-1: not known, or not ours now).</summary>
    private sealed class Progress
    {
        public long Consumed;
        public long Lag = -1;
    }

    public void Dispose() => _meter.Dispose();
}
