using ZtStream.Responder.Console;

namespace ZtStream.Responder;

/// <summary>Composes the responder role into a host: services, then endpoints.</summary>
/// <remarks>
/// The host adds the seams (store, event log, command bus) after the roles, so the bus is built with the consumers
/// <see cref="AddResponder"/> contributes. Drivers register <see cref="ITokenRevoker"/>s and
/// <see cref="Isolation.IWorkloadIsolator"/>s; the built-in revocation list is always on.
/// </remarks>
internal static class ResponderRole
{
    public const string Name = "responder";

    /// <summary>
    /// Binds and validates section <c>Responder</c> and <c>Responder:Drivers</c>, registers the Responder's stores,
    /// services, drivers, background services and migrations, and contributes the command consumers to the bus.
    /// </summary>
    public static IServiceCollection AddResponder(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddValidatedOptions<ResponderOptions, ResponderOptionsValidator>(configuration.GetSection(ResponderOptions.Section));
        services.AddValidatedOptions<RevocationFeedOptions, RevocationFeedOptionsValidator>(configuration.GetSection(RevocationFeedOptions.Section));
        services.TryAddSingleton(sp => new JsonBodyLimit(sp.GetRequiredService<IOptions<ResponderOptions>>().Value.MaxBodyBytes, $"{ResponderOptions.Section}:MaxBodyBytes"));
        services.TryAddSingleton(sp => PolicyLoader.LoadFile(sp.GetRequiredService<IOptions<ResponderOptions>>().Value.PolicyPath));
        services.AddMigrations<ResponderMigrations>();

        services.AddTelemetry<ResponderTelemetry>();
        services.TryAddSingleton<AlertStore>();
        services.TryAddKeyedSingleton<WakeSignal>(AlertStore.WakeKey);
        services.TryAddSingleton<AlertStatsStore>();
        services.TryAddSingleton<TriageService>();
        services.TryAddSingleton<SuppressionStore>();
        services.TryAddSingleton<SuppressionService>();
        services.AddConsoleSignIn(configuration);
        services.TryAddSingleton<ActionStore>();
        services.TryAddSingleton<AuditLog>();
        services.TryAddSingleton<RevocationStore>();
        services.TryAddKeyedSingleton<WakeSignal>(RevocationFeedEndpoints.WakeKey);
        services.TryAddSingleton<FeedStreamLimiter>();
        services.AddHostedSingleton<RevocationFeedHub>();
        services.AddMigrations<FeedKeyMigrations>();
        services.TryAddSingleton<FeedSigningKeys>();
        services.TryAddSingleton<FeedSigner>();
        services.TryAddSingleton<ActionService>();
        services.TryAddSingleton<ActionExecutor>();
        services.TryAddSingleton<BlastRadiusLedger>();
        services.TryAddSingleton<ResponseDecider>();
        services.TryAddSingleton<AlertProcessor>();
        services.TryAddSingleton<IsolatorSelector>();
        services.TryAddSingleton<ApiTokenAuthenticator>();
        services.TryAddSingleton<IdempotencyKeys>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITokenRevoker, RevocationListRevoker>());

        services.AddHostedSingleton<AlertConsumerService>();
        services.AddHostedSingleton<ActionTimekeeper>();
        services.AddResponderDrivers(configuration);
        services.AddNotifications(configuration);
        services.AddCommandConsumers(AddResponderConsumers);
        return services;
    }

    /// <summary>The command consumers, each with retry and backoff from its definition.</summary>
    internal static void AddResponderConsumers(IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<RevokeTokenConsumer, ResponderConsumerDefinition<RevokeTokenConsumer>>();
        bus.AddConsumer<RevokeSubjectSessionsConsumer, ResponderConsumerDefinition<RevokeSubjectSessionsConsumer>>();
        bus.AddConsumer<IsolateWorkloadConsumer, ResponderConsumerDefinition<IsolateWorkloadConsumer>>();
        bus.AddConsumer<ReleaseWorkloadConsumer, ResponderConsumerDefinition<ReleaseWorkloadConsumer>>();
    }

    /// <summary>The REST API, the revocation feed, the console and, when that driver is on, the Shared Signals discovery documents.</summary>
    public static IEndpointRouteBuilder MapResponder(this IEndpointRouteBuilder endpoints)
    {
        // Token files are read, or made at first start, now rather than at the first request: an operator reads a new
        // console token from its file as soon as the process is up.
        endpoints.ServiceProvider.GetRequiredService<ApiTokenAuthenticator>();
        ResponderApi.Map(endpoints);
        RevocationFeedEndpoints.Map(endpoints);
        ConsoleEndpoints.Map(endpoints);
        ConsoleSignIn.Map(endpoints);
        endpoints.MapSharedSignals();
        return endpoints;
    }
}
