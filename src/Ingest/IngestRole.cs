using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ZtStream.Ingest.SharedSignals;
using ZtStream.Ingest.Sources.Aws;

namespace ZtStream.Ingest;

/// <summary>Composes the ingest role into a host: services, then endpoints.</summary>
internal static class IngestRole
{
    public const string Name = "ingest";

    /// <summary>
    /// Registers Ingest's services, its <c>Ingest</c> options (validated on start, every problem listed) and its
    /// store migrations. The host provides <see cref="IStore"/> (AddStore) and the event log (AddEventLog).
    /// </summary>
    public static IServiceCollection AddIngest(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddValidatedOptions<IngestOptions, IngestOptionsValidator>(configuration.GetSection(IngestOptions.Section));
        services.AddMigrations<IngestMigrations>();
        services.AddTelemetry<IngestMetrics>();
        services.TryAddSingleton<SourceCredentialStore>();
        services.TryAddSingleton<SourceAuthenticator>();
        services.AddValidatedOptions<PubSubPushOptions, PubSubPushOptionsValidator>(configuration.GetSection(PubSubPushOptions.Section));
        services.TryAddSingleton<PubSubPushAuthenticator>();
        services.AddPublisherHttpClient(JwksKeySets.HttpClientName);
        services.TryAddSingleton<JwksKeySets>();
        services.TryAddSingleton<SignedTokenVerifier>();
        services.TryAddSingleton<SourceRateLimiter>();
        services.TryAddSingleton<NewPrincipalLimiter>();
        services.TryAddSingleton<EventValidator>();
        services.TryAddSingleton<EventBatchParser>();
        services.TryAddSingleton<SourceGate>();
        services.TryAddSingleton<EventAppender>();
        services.TryAddSingleton<IngestHandler>();
        services.TryAddSingleton<FirehoseDelivery>();
        AddSharedSignalsReceiver(services, configuration);
        return services;
    }

    /// <summary>
    /// <c>POST /v1/events</c> (JSON array, NDJSON, CloudEvents batch), <c>POST /v1/sources/k8s-audit</c>
    /// (audit webhook EventList), <c>POST /v1/sources/falco</c> (Falco http_output, falcosidekick webhook), and the
    /// identity providers: <c>/v1/sources/okta</c> (Event Hooks, with the verification GET), <c>/v1/sources/entra</c>
    /// (diagnostic-settings records), <c>/v1/sources/keycloak</c> and <c>/v1/sources/auth0</c> (log streams), and
    /// <c>POST /v1/ssf/events</c> (Shared Signals push, RFC 8935).
    /// </summary>
    public static IEndpointRouteBuilder MapIngest(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost("/v1/events", Handle(adapter: null)).WithName("ingest-events");
        foreach (var adapter in SourceAdapters.All)
        {
            endpoints.MapPost(adapter.Path, Handle(adapter)).WithName($"ingest-{adapter.Name}");
        }

        // Managed EKS clusters and CloudTrail's CloudWatch Logs reach Ingest through Amazon Data Firehose, whose credential
        // header and answer are its own.
        foreach (var delivered in SourceAdapters.All.Where(a => a.Name is K8sAuditMapper.SourceName or CloudTrailMapper.SourceName))
        {
            endpoints.MapPost(FirehoseDelivery.PathOf(delivered), context => context.RequestServices.GetRequiredService<FirehoseDelivery>().HandleAsync(context, delivered))
                .WithName($"ingest-{delivered.Name}-firehose");
        }
        endpoints.MapGet("/v1/sources/okta", context => context.RequestServices.GetRequiredService<IngestHandler>().HandleOktaVerificationAsync(context))
            .WithName("ingest-okta-verification");
        endpoints.MapPost(SsfPushEndpoint.Path, context => context.RequestServices.GetRequiredService<SsfPushEndpoint>().HandleAsync(context))
            .WithName("ingest-ssf-push");
        return endpoints;
    }

    /// <summary>The Shared Signals receiver (section <c>Ingest:Ssf</c>): push endpoint, pollers, SET validation and its tables.</summary>
    private static void AddSharedSignalsReceiver(IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<SsfReceiverOptions, SsfReceiverOptionsValidator>(configuration.GetSection(SsfReceiverOptions.Section));
        services.AddMigrations<SsfReceiverMigrations>();
        services.AddPublisherHttpClient(SsfPollingService.HttpClientName);
        services.TryAddSingleton<SetValidator>();
        services.TryAddSingleton<SsfReceivedStore>();
        services.TryAddSingleton<SsfReceiver>();
        services.TryAddSingleton<SsfPushEndpoint>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SsfPollingService>());
    }

    private static RequestDelegate Handle(SourceAdapter? adapter) =>
        context => context.RequestServices.GetRequiredService<IngestHandler>().HandleAsync(context, adapter);
}
