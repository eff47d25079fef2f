using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using ZtStream.Platform.EventLog.FileLog;
using ZtStream.Platform.EventLog.InProcess;
using ZtStream.Platform.EventLog.Kafka;
using ZtStream.Platform.Options;

namespace ZtStream.Platform.EventLog;

internal static class EventLogServiceCollectionExtensions
{
    /// <summary>The file log's folder when <c>EventLog:Path</c> is absent: beside the SQLite store's file.</summary>
    public const string DefaultFolderName = "eventlog";

    /// <summary>
    /// Binds section <c>EventLog</c>, validates it and registers the chosen <see cref="IEventLog"/> as a singleton,
    /// a hosted service that creates ZtStream's topics at start, and the consumers' health (<c>/readyz</c> says
    /// "Degraded" while a consumer is paused on a transient fault).
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
        services.TryAddSingleton(sp => new ConsumerHealth(sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton<IEventLog>(sp => Create(
            options,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<ConsumerHealth>()));
        services.AddHostedService<EventLogTopicsInitializer>();
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

    /// <summary>Binds section <c>EventLog</c> (defaults for what is absent); the file log's path defaults to a folder beside the SQLite store.</summary>
    internal static EventLogOptions BindEventLogOptions(IConfiguration configuration)
    {
        var options = configuration.GetSection(EventLogOptions.Section).Get<EventLogOptions>() ?? new EventLogOptions();
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            var store = configuration.GetSection(StoreOptions.Section).Get<StoreOptions>() ?? new StoreOptions();
            var beside = Path.GetDirectoryName(Path.GetFullPath(store.SqlitePath)) ?? Directory.GetCurrentDirectory();
            options = options with { Path = Path.Combine(beside, DefaultFolderName) };
        }

        return options;
    }
}

/// <summary>The <c>EventLog</c> section is invalid; <see cref="Problems"/> has one line per problem.</summary>
internal sealed class EventLogConfigurationException(IReadOnlyList<string> problems)
    : Exception(string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
