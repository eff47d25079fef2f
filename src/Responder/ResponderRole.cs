using MassTransit;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ZtStream.Platform.Store;
using ZtStream.Responder.Actions;
using ZtStream.Responder.Alerts;
using ZtStream.Responder.Api;
using ZtStream.Responder.Audit;
using ZtStream.Responder.Console;
using ZtStream.Responder.Policy;
using ZtStream.Responder.Revocation;

namespace ZtStream.Responder;

/// <summary>Composes the responder role into a host: services, then endpoints.</summary>
/// <remarks>
/// The host also registers the seams (IStore, IEventLog, ICommandBus) and calls
/// <see cref="AddResponderConsumers"/> inside its bus configuration. Drivers register
/// <see cref="ITokenRevoker"/>s and <see cref="Isolation.IWorkloadIsolator"/>s; the built-in revocation list is always on.
/// </remarks>
internal static class ResponderRole
{
    public const string Name = "responder";

    public static IServiceCollection AddResponder(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ResponderOptions>().Bind(configuration.GetSection(ResponderOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ResponderOptions>, ResponderOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => PolicyLoader.LoadFile(sp.GetRequiredService<IOptions<ResponderOptions>>().Value.PolicyPath));
        services.AddSingleton<IMigrationSource, ResponderMigrations>();

        services.AddSingleton<AlertStore>();
        services.AddSingleton<ActionStore>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<RevocationStore>();
        services.AddSingleton<RevocationSignal>();
        services.AddSingleton<ActionService>();
        services.AddSingleton<ActionExecutor>();
        services.AddSingleton<ResponseDecider>();
        services.AddSingleton<AlertProcessor>();
        services.AddSingleton<IsolatorSelector>();
        services.AddSingleton<ApiTokenAuthenticator>();
        services.AddSingleton<ITokenRevoker, RevocationListRevoker>();

        services.AddSingleton<AlertConsumerService>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertConsumerService>());
        services.AddSingleton<ActionTimekeeper>();
        services.AddHostedService(sp => sp.GetRequiredService<ActionTimekeeper>());
        return services;
    }

    /// <summary>The command consumers, each with retry and backoff from its definition. Call inside AddCommandBus.</summary>
    internal static void AddResponderConsumers(IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<RevokeTokenConsumer, ResponderConsumerDefinition<RevokeTokenConsumer>>();
        bus.AddConsumer<RevokeSubjectSessionsConsumer, ResponderConsumerDefinition<RevokeSubjectSessionsConsumer>>();
        bus.AddConsumer<IsolateWorkloadConsumer, ResponderConsumerDefinition<IsolateWorkloadConsumer>>();
        bus.AddConsumer<ReleaseWorkloadConsumer, ResponderConsumerDefinition<ReleaseWorkloadConsumer>>();
    }

    public static IEndpointRouteBuilder MapResponder(this IEndpointRouteBuilder endpoints)
    {
        ResponderApi.Map(endpoints);
        RevocationFeedEndpoints.Map(endpoints);
        ConsoleEndpoints.Map(endpoints);
        return endpoints;
    }
}
