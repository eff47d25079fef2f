using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ZtStream.Platform.EventLog.InProcess;
using ZtStream.Platform.EventLog.Kafka;
using ZtStream.Platform.Options;

namespace ZtStream.Platform.EventLog;

internal static class EventLogServiceCollectionExtensions
{
    /// <summary>
    /// Binds section <c>EventLog</c>, validates it and registers the chosen <see cref="IEventLog"/> as a singleton,
    /// plus a hosted service that creates ZtStream's topics at start.
    /// Throws <see cref="EventLogConfigurationException"/> listing every problem (the host prints them and exits 2).
    /// </summary>
    internal static IServiceCollection AddEventLog(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = BindEventLogOptions(configuration);
        var problems = EventLogOptionsValidator.Validate(options);
        if (problems.Count > 0)
        {
            throw new EventLogConfigurationException(problems);
        }

        services.AddSingleton(options);
        services.AddSingleton<IEventLog>(sp => options.Kind.Trim().ToLowerInvariant() switch
        {
            EventLogOptions.Kafka => new KafkaEventLog(options, sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<ILoggerFactory>()),
            _ => new InProcessEventLog(options, sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<ILogger<InProcessEventLog>>()),
        });
        services.AddHostedService<EventLogTopicsInitializer>();
        return services;
    }

    /// <summary>Binds section <c>EventLog</c> (defaults for what is absent).</summary>
    internal static EventLogOptions BindEventLogOptions(IConfiguration configuration) =>
        configuration.GetSection(EventLogOptions.Section).Get<EventLogOptions>() ?? new EventLogOptions();
}

/// <summary>The <c>EventLog</c> section is invalid; <see cref="Problems"/> has one line per problem.</summary>
internal sealed class EventLogConfigurationException(IReadOnlyList<string> problems)
    : Exception(string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
