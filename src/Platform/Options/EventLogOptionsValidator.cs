namespace ZtStream.Platform.Options;

/// <summary>Checks section <c>EventLog</c>, listing every problem at once.</summary>
internal sealed class EventLogOptionsValidator : IValidateOptions<EventLogOptions>
{
    /// <summary>One line per problem; empty when the options are usable.</summary>
    public static IReadOnlyList<string> Validate(EventLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> problems = [];
        var kind = options.NormalizedKind;
        if (kind is not (EventLogOptions.File or EventLogOptions.Memory or EventLogOptions.Kafka))
        {
            problems.Add($"EventLog:Kind '{options.Kind}' is not one of {EventLogOptions.File}, {EventLogOptions.Memory} ({EventLogOptions.InProcess}), {EventLogOptions.Kafka}");
        }

        if (options.Fsync?.Trim().ToLowerInvariant() is not (EventLogOptions.FsyncGroup or EventLogOptions.FsyncAlways or EventLogOptions.FsyncOs))
        {
            problems.Add($"EventLog:Fsync '{options.Fsync}' is not one of {EventLogOptions.FsyncGroup}, {EventLogOptions.FsyncAlways}, {EventLogOptions.FsyncOs}");
        }

        if (kind == EventLogOptions.File && options.Path is { } path && (path.Trim().Length == 0 || path.IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0))
        {
            problems.Add($"EventLog:Path '{path}' is not a usable folder path");
        }

        if (options.SegmentBytes < 4096)
        {
            problems.Add($"EventLog:SegmentBytes must be at least 4096 (is {options.SegmentBytes})");
        }

        if (options.RetentionBytes < 0)
        {
            problems.Add($"EventLog:RetentionBytes must not be negative (is {options.RetentionBytes}; 0 means no size limit)");
        }

        if (options.OffsetCommitInterval <= TimeSpan.Zero)
        {
            problems.Add($"EventLog:OffsetCommitInterval must be positive (is {options.OffsetCommitInterval})");
        }

        if (options.MaxRetryBackoff < options.RetryBackoff || options.MaxRetryBackoff <= TimeSpan.Zero)
        {
            problems.Add($"EventLog:MaxRetryBackoff must be positive and at least RetryBackoff (is {options.MaxRetryBackoff})");
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

        if (options.MaxConsumerLag < 0)
        {
            problems.Add($"EventLog:MaxConsumerLag must not be negative (is {options.MaxConsumerLag}; 0 turns it off)");
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

    public ValidateOptionsResult Validate(string? name, EventLogOptions options) => OptionsValidation.ToResult(Validate(options));
}
