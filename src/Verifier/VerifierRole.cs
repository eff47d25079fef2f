using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ZtStream.Verifier;

/// <summary>Composes the verifier role into a host: services, then endpoints.</summary>
internal static class VerifierRole
{
    public const string Name = "verifier";

    /// <summary>
    /// Binds and validates section <c>Verifier</c>, registers the verifier's migrations, checkpoint store and the
    /// background workers (<c>Verifier:Workers</c> members of the consumer group). The host adds the event log (<c>AddEventLog</c>) and the store (<c>AddStore</c>).
    /// </summary>
    public static IServiceCollection AddVerifier(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddValidatedOptions<VerifierOptions, VerifierOptionsValidator>(configuration.GetSection(VerifierOptions.Section));
        services.AddMigrations<VerifierMigrations>();
        services.TryAddSingleton<CheckpointStore>();
        services.AddTelemetry<VerifierTelemetry>();
        services.TryAddSingleton(sp =>
        {
            // Before any rule scores an event: a regular expression that runs out of time is then logged and counted.
            RegexTimeouts.Use(sp.GetRequiredService<ILoggerFactory>().CreateLogger<RegexTimeouts>(), sp.GetService<TimeProvider>() ?? TimeProvider.System);
            return new RuleSetHolder(new RuleSet(RuleLoader.LoadConfigured(sp.GetRequiredService<IOptions<VerifierOptions>>().Value.Rules).Rules));
        });
        services.AddHostedSingleton<RuleReloader>();
        // A checkpoint write failing in the background makes the process degraded until it lands, as a paused consumer does.
        services.TryAddSingleton<CheckpointHealth>();
        services.AddHealthChecks().AddCheck<CheckpointHealth>("checkpoints", tags: ["ready"]);
        services.AddHostedSingleton<VerifierWorkers>();
        return services;
    }

    /// <summary>The Verifier serves no endpoints; it only creates its meter, so its caps are visible from the start.</summary>
    public static IEndpointRouteBuilder MapVerifier(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.ServiceProvider.GetRequiredService<VerifierTelemetry>();
        return endpoints;
    }
}
