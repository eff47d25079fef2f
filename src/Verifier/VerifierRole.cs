using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ZtStream.Verifier;

/// <summary>Composes the verifier role into a host: services, then endpoints.</summary>
internal static class VerifierRole
{
    public const string Name = "verifier";

    public static IServiceCollection AddVerifier(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services;
    }

    public static IEndpointRouteBuilder MapVerifier(this IEndpointRouteBuilder endpoints) => endpoints;
}
