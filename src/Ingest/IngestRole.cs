using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ZtStream.Ingest;

/// <summary>Composes the ingest role into a host: services, then endpoints.</summary>
internal static class IngestRole
{
    public const string Name = "ingest";

    public static IServiceCollection AddIngest(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services;
    }

    public static IEndpointRouteBuilder MapIngest(this IEndpointRouteBuilder endpoints) => endpoints;
}
