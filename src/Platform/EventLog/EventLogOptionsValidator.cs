using ZtStream.Platform.Options;

namespace ZtStream.Platform.EventLog;

/// <summary>Checks the <c>EventLog</c> section and reports every problem at once.</summary>
internal static class EventLogOptionsValidator
{
    public static IReadOnlyList<string> Validate(EventLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> problems = [];
        var kind = options.Kind?.Trim().ToLowerInvariant();
        if (kind is not (EventLogOptions.InProcess or EventLogOptions.Kafka))
        {
            problems.Add($"EventLog:Kind '{options.Kind}' is not one of {EventLogOptions.InProcess}, {EventLogOptions.Kafka}");
        }

        if (kind == EventLogOptions.Kafka && string.IsNullOrWhiteSpace(options.BootstrapServers))
        {
            problems.Add("EventLog:BootstrapServers is required when EventLog:Kind is kafka");
        }

        if (options.Partitions < 1)
        {
            problems.Add($"EventLog:Partitions must be at least 1 (is {options.Partitions})");
        }

        if (options.ReplicationFactor < 1)
        {
            problems.Add($"EventLog:ReplicationFactor must be at least 1 (is {options.ReplicationFactor})");
        }

        if (options.RetentionHours < 1)
        {
            problems.Add($"EventLog:RetentionHours must be at least 1 (is {options.RetentionHours})");
        }

        if (options.MaxQueuedRecords < 1)
        {
            problems.Add($"EventLog:MaxQueuedRecords must be at least 1 (is {options.MaxQueuedRecords})");
        }

        if (options.AppendTimeout <= TimeSpan.Zero)
        {
            problems.Add($"EventLog:AppendTimeout must be positive (is {options.AppendTimeout})");
        }

        if (options.RetryBackoff < TimeSpan.Zero)
        {
            problems.Add($"EventLog:RetryBackoff must not be negative (is {options.RetryBackoff})");
        }

        if (options.ShutdownDrainTimeout <= TimeSpan.Zero)
        {
            problems.Add($"EventLog:ShutdownDrainTimeout must be positive (is {options.ShutdownDrainTimeout})");
        }

        return problems;
    }
}
