using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ZtStream.Platform.Store;
using ZtStream.Verifier.Processing;
using ZtStream.Verifier.Rules;
using ZtStream.Verifier.State;

namespace ZtStream.Verifier;

/// <summary>Composes the verifier role into a host: services, then endpoints.</summary>
internal static class VerifierRole
{
    public const string Name = "verifier";

    /// <summary>
    /// Binds and validates section <c>Verifier</c>, registers the verifier's migrations, checkpoint store and the
    /// background worker. The host adds the event log (<c>AddEventLog</c>) and the store (<c>AddStore</c>).
    /// </summary>
    public static IServiceCollection AddVerifier(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<VerifierOptions>()
            .Bind(configuration.GetSection(VerifierOptions.Section))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VerifierOptions>, VerifierOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMigrationSource, VerifierMigrations>());
        services.TryAddSingleton<CheckpointStore>();
        services.TryAddSingleton(sp => new RuleSetHolder(new RuleSet(RuleLoader.LoadConfigured(sp.GetRequiredService<IOptions<VerifierOptions>>().Value.Rules).Rules)));
        services.TryAddSingleton<RuleReloader>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RuleReloader>(sp => sp.GetRequiredService<RuleReloader>()));
        services.TryAddSingleton<VerifierWorker>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, VerifierWorker>(sp => sp.GetRequiredService<VerifierWorker>()));
        return services;
    }

    public static IEndpointRouteBuilder MapVerifier(this IEndpointRouteBuilder endpoints) => endpoints;
}

/// <summary>Reports every problem of section <c>Verifier</c> at once (and that the policy file parses).</summary>
internal sealed class VerifierOptionsValidator : IValidateOptions<VerifierOptions>
{
    public ValidateOptionsResult Validate(string? name, VerifierOptions options)
    {
        var problems = new List<string>(options.Validate());
        if (options.PolicyPath is { } path && File.Exists(path))
        {
            try
            {
                Policy.PolicyLoader.LoadFile(path);
            }
            catch (Policy.PolicyException ex)
            {
                problems.Add($"{VerifierOptions.Section}:PolicyPath: {ex.Message}");
            }
        }

        // A bad rule stops the start: one line per problem, with file, line and reason.
        foreach (var error in RuleLoader.LoadConfigured(options.Rules).Errors)
        {
            problems.Add($"{VerifierOptions.Section}:Rules: {error}");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
