using Microsoft.Extensions.Options;

namespace ZtStream.Platform.Options;

/// <summary>Checks section <c>EventLog</c>, listing every problem at once.</summary>
internal sealed class EventLogOptionsValidator : IValidateOptions<EventLogOptions>
{
    /// <summary>One line per problem; empty when the options are usable.</summary>
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

    public ValidateOptionsResult Validate(string? name, EventLogOptions options) => OptionsValidation.ToResult(Validate(options));
}
