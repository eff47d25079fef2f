using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZtStream.Platform.EventLog.InProcess;
using ZtStream.Platform.EventLog.Kafka;
using ZtStream.Platform.Options;

namespace ZtStream.Platform.EventLog;

internal static class EventLogServiceCollectionExtensions
{
    /// <summary>
    /// Binds section <c>EventLog</c> (validated on start, every problem listed) and registers the chosen
    /// <see cref="IEventLog"/> as a singleton, plus a hosted service that creates ZtStream's topics at start.
    /// </summary>
    internal static IServiceCollection AddEventLog(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<EventLogOptions>().Bind(configuration.GetSection(EventLogOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EventLogOptions>, EventLogOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<EventLogOptions>>().Value);
        services.TryAddSingleton<IEventLog>(sp =>
        {
            var options = sp.GetRequiredService<EventLogOptions>();
            return options.Kind.Trim().ToLowerInvariant() switch
            {
                EventLogOptions.Kafka => new KafkaEventLog(options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()),
                _ => new InProcessEventLog(options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<InProcessEventLog>>()),
            };
        });
        services.AddHostedService<EventLogTopicsInitializer>();
        return services;
    }
}
