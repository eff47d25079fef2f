namespace ZtStream.Platform.Telemetry;

/// <summary>
/// Spans of the event log (ActivitySource <c>ZtStream.EventLog</c>), named and tagged after OpenTelemetry's messaging
/// semantic conventions: <c>send {topic}</c> around an append, <c>process {topic}</c> around a consumer's handling of
/// one record, parented on the trace context the record carries. With no listener (tracing off) nothing is created.
/// </summary>
internal static class EventLogTracing
{
    public const string SourceName = "ZtStream.EventLog";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>A producer span for appending <paramref name="count"/> records; null when nobody listens.</summary>
    public static Activity? StartSend(string topic, int count)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity("send " + topic, ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "ztstream");
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.destination.name", topic);
            activity.SetTag("messaging.batch.message_count", count);
        }

        return activity;
    }

    /// <summary>A consumer span for handling <paramref name="record"/>, child of the context in its headers; null when nobody listens.</summary>
    public static Activity? StartProcess(string group, ConsumedRecord record)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var parent = TraceHeaders.Extract(record.Headers);
        var activity = Source.StartActivity("process " + record.Topic, ActivityKind.Consumer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "ztstream");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", record.Topic);
            activity.SetTag("messaging.destination.partition.id", record.Partition);
            activity.SetTag("messaging.consumer.group.name", group);
            activity.SetTag("messaging.kafka.offset", record.Offset);
            activity.SetTag("messaging.kafka.message.key", record.Key);
        }

        return activity;
    }
}
