using ZtStream.Platform.EventLog.InProcess;
using ZtStream.Platform.EventLog.Kafka;

namespace ZtStream.Platform.EventLog;

internal static class EventLogServiceCollectionExtensions
{
    /// <summary>The file log's folder when <c>EventLog:Path</c> is absent: beside the SQLite store's file.</summary>
    public const string DefaultFolderName = "eventlog";

    /// <summary>
    /// Binds section <c>EventLog</c> (validated on start, every problem listed) and registers the chosen
    /// <see cref="IEventLog"/> as a singleton, a hosted service that creates ZtStream's topics at start, and the
    /// consumers' health (<c>/readyz</c> says "Degraded" while a consumer is paused on a transient fault).
    /// </summary>
    internal static IServiceCollection AddEventLog(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddValidatedOptions<EventLogOptions, EventLogOptionsValidator>(configuration.GetSection(EventLogOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => WithDefaultPath(sp.GetRequiredService<IOptions<EventLogOptions>>().Value, configuration));
        services.TryAddSingleton(sp => new ConsumerHealth(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IEventLog>(sp => Create(
            sp.GetRequiredService<EventLogOptions>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<ConsumerHealth>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, EventLogTopicsInitializer>());
        services.AddHealthChecks().AddCheck<ConsumerHealthCheck>("consumers", tags: ["ready"]);
        return services;
    }

    /// <summary>The log <paramref name="options"/> name (they must have passed <see cref="EventLogOptionsValidator"/>).</summary>
    internal static IEventLog Create(EventLogOptions options, TimeProvider time, ILoggerFactory loggers, ConsumerHealth? health = null, bool writable = true) =>
        options.NormalizedKind switch
        {
            EventLogOptions.Kafka => new KafkaEventLog(options, time, loggers, health),
            EventLogOptions.Memory => new InProcessEventLog(options, time, loggers.CreateLogger<InProcessEventLog>(), health),
            _ => new FileEventLog(options, time, loggers.CreateLogger<FileEventLog>(), health, writable),
        };

    /// <summary>Binds section <c>EventLog</c> (defaults for what is absent), for commands that need the log without the host.</summary>
    internal static EventLogOptions BindEventLogOptions(IConfiguration configuration) =>
        WithDefaultPath(configuration.GetSection(EventLogOptions.Section).Get<EventLogOptions>() ?? new EventLogOptions(), configuration);

    /// <summary>The file log's path defaults to a folder beside the SQLite store's file.</summary>
    private static EventLogOptions WithDefaultPath(EventLogOptions options, IConfiguration configuration)
    {
        if (!string.IsNullOrWhiteSpace(options.Path))
        {
            return options;
        }

        var store = configuration.GetSection(StoreOptions.Section).Get<StoreOptions>() ?? new StoreOptions();
        var beside = Path.GetDirectoryName(Path.GetFullPath(store.SqlitePath)) ?? Directory.GetCurrentDirectory();
        return options with { Path = Path.Combine(beside, DefaultFolderName) };
    }
}
