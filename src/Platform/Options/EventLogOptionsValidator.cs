namespace ZtStream.Platform.Options;

/// <summary>Checks section <c>EventLog</c>, listing every problem at once.</summary>
internal sealed class EventLogOptionsValidator : OptionsValidator<EventLogOptions, EventLogOptionsValidator>, IOptionsRules<EventLogOptions>
{
    /// <summary>Kafka names are at most 249 characters; ZtStream's longest own name (a dead-letter topic) is under 40.</summary>
    internal const int MaxKafkaPrefix = 200;

    /// <summary>Adds one line per problem to <paramref name="problems"/>.</summary>
    public static void Check(EventLogOptions options, List<string> problems)
    {
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

        problems.AtLeast("EventLog:SegmentBytes", options.SegmentBytes, 4096);

        if (options.RetentionBytes < 0)
        {
            problems.Add($"EventLog:RetentionBytes must not be negative (is {options.RetentionBytes}; 0 means no size limit)");
        }

        if (options.TailBytes < 0)
        {
            problems.Add($"EventLog:TailBytes must not be negative (is {options.TailBytes}; 0 turns the in-memory tail off)");
        }

        problems.Positive("EventLog:OffsetCommitInterval", options.OffsetCommitInterval);

        problems.BackoffRange("EventLog:RetryBackoff", options.RetryBackoff, "EventLog:MaxRetryBackoff", options.MaxRetryBackoff, firstMayBeZero: true);
        problems.Positive("EventLog:MaxRetryBackoff", options.MaxRetryBackoff);

        if (kind == EventLogOptions.Kafka && string.IsNullOrWhiteSpace(options.BootstrapServers))
        {
            problems.Add("EventLog:BootstrapServers is required when EventLog:Kind is kafka");
        }

        if (options.KafkaPrefix is { Length: > 0 } prefix && (prefix.Length > MaxKafkaPrefix || !prefix.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')))
        {
            problems.Add($"EventLog:KafkaPrefix '{prefix}' must be at most {MaxKafkaPrefix} letters, digits, '.', '_' or '-' (Kafka's topic name characters)");
        }

        problems.AtLeast("EventLog:Partitions", options.Partitions, 1);
        problems.AtLeast("EventLog:ReplicationFactor", options.ReplicationFactor, 1);
        problems.AtLeast("EventLog:RetentionHours", options.RetentionHours, 1);
        problems.AtLeast("EventLog:MaxQueuedRecords", options.MaxQueuedRecords, 1);

        if (options.MaxConsumerLag < 0)
        {
            problems.Add($"EventLog:MaxConsumerLag must not be negative (is {options.MaxConsumerLag}; 0 turns it off)");
        }

        problems.Positive("EventLog:AppendTimeout", options.AppendTimeout);
        problems.Positive("EventLog:ShutdownDrainTimeout", options.ShutdownDrainTimeout);
        problems.Positive("EventLog:KafkaCloseTimeout", options.KafkaCloseTimeout);
    }
}
