using MassTransit;

namespace ZtStream.Platform.Bus;

internal static class CommandBusServiceCollectionExtensions
{
    /// <summary>
    /// A role's consumers and their definitions (retry policies belong there), registered on the bus when
    /// <see cref="AddCommandBus"/> runs — so roles are added before it.
    /// </summary>
    internal static IServiceCollection AddCommandConsumers(this IServiceCollection services, Action<IBusRegistrationConfigurator> configureConsumers)
    {
        ArgumentNullException.ThrowIfNull(configureConsumers);
        // One per role, all of one type: TryAddEnumerable would keep only the first role's.
        services.AddSingleton(new CommandConsumers(configureConsumers));
        return services;
    }

    /// <summary>
    /// Binds and validates section <c>Bus</c> and adds MassTransit on the transport it names (in-memory by default,
    /// or RabbitMQ), with kebab-case endpoint names and one receive endpoint per consumer (<c>ConfigureEndpoints</c>),
    /// plus <see cref="ICommandBus"/>, with every consumer added so far through <see cref="AddCommandConsumers"/>.
    /// The host waits for the bus to start, so nothing is sent to or published past a queue that does not exist yet.
    /// </summary>
    internal static IServiceCollection AddCommandBus(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var contributions = services.Select(d => d.ImplementationInstance).OfType<CommandConsumers>().ToList();
        var section = configuration.GetSection(BusOptions.Section);
        services.AddValidatedOptions<BusOptions, BusOptionsValidator>(section);

        // The transport is chosen while registering; a bad Kind falls back to in-memory here and stops the host at start.
        var options = section.Get<BusOptions>() ?? new BusOptions();
        var useRabbitMq = BusOptionsValidator.Validate(options).Count == 0 && options.Kind.Trim().Equals(BusOptions.RabbitMq, StringComparison.OrdinalIgnoreCase);

        var consumerTypes = new List<Type>();
        services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();

            // MassTransit reports usage (its version, the host's OS and cloud, bus and endpoint names) to masstransit.io
            // unless told not to: ZtStream connects to nothing it was not configured to reach.
            bus.DisableUsageTelemetry();
            foreach (var contribution in contributions)
            {
                contribution.Configure(bus);
            }

            consumerTypes.AddRange(CommandRoutes.FindConsumers(bus));
            if (useRabbitMq)
            {
                var endpoint = RabbitMqEndpoint.Parse(options.RabbitMqUri!);
                bus.UsingRabbitMq((context, cfg) =>
                {
                    LogTransport(context, "rabbitmq", endpoint.ToString());
                    cfg.Host(endpoint.Host, endpoint.Port, endpoint.VirtualHost, host =>
                    {
                        host.Username(endpoint.Username);
                        host.Password(endpoint.Password);
                        if (endpoint.UseTls)
                        {
                            host.UseSsl(ssl => ssl.ServerName = endpoint.Host);
                        }
                    });
                    cfg.ConfigureEndpoints(context);
                });
            }
            else
            {
                bus.UsingInMemory((context, cfg) =>
                {
                    LogTransport(context, "inmemory", "this process");
                    cfg.ConfigureEndpoints(context);
                });
            }
        });
        services.AddOptions<MassTransitHostOptions>().Configure(host =>
        {
            host.WaitUntilStarted = true;
            host.StartTimeout = options.StartTimeout > TimeSpan.Zero ? options.StartTimeout : new BusOptions().StartTimeout;
            host.StopTimeout = TimeSpan.FromSeconds(30);
        });
        services.TryAddSingleton(_ => new CommandRoutes(consumerTypes));
        services.TryAddSingleton<ICommandBus, MassTransitCommandBus>();
        return services;
    }

    private static void LogTransport(IBusRegistrationContext context, string transport, string location)
    {
        var logger = context.GetService<ILoggerFactory>()?.CreateLogger("ZtStream.Platform.Bus");
        if (logger is not null)
        {
            BusLog.BusConfigured(logger, transport, location);
        }
    }

    /// <summary>One role's contribution to the bus, kept in the service collection until <see cref="AddCommandBus"/> reads it.</summary>
    private sealed record CommandConsumers(Action<IBusRegistrationConfigurator> Configure);
}
