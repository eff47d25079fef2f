using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ZtStream.Responder;

/// <summary>Composes the responder role into a host: services, then endpoints.</summary>
internal static class ResponderRole
{
    public const string Name = "responder";

    public static IServiceCollection AddResponder(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services;
    }

    public static IEndpointRouteBuilder MapResponder(this IEndpointRouteBuilder endpoints) => endpoints;
}
