using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ZtStream.Responder.Revocation.SharedSignals;

/// <summary>The transmitter's discovery documents: its JWKS and its SSF configuration metadata.</summary>
internal static class SharedSignalsEndpoints
{
    public const string JwksPath = "/.well-known/jwks.json";
    public const string ConfigurationPath = "/.well-known/ssf-configuration";
    public const string PushDeliveryMethod = "urn:ietf:rfc:8935";

    /// <summary>
    /// GET /.well-known/jwks.json and GET /.well-known/ssf-configuration (also under the issuer's path, as SSF 1.0
    /// §7.2 places it for issuers with one). Does nothing when the Shared Signals driver is not enabled.
    /// </summary>
    internal static IEndpointRouteBuilder MapSharedSignals(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetService<SharedSignalsOptions>();
        if (options is null)
        {
            return endpoints;
        }

        endpoints.MapGet(JwksPath, async (SsfSigningKeys keys, HttpContext context) =>
        {
            var key = await keys.GetAsync(context.RequestAborted);
            var jwks = new JsonObject { ["keys"] = new JsonArray(key.PublicJwk.DeepClone()) };
            return Results.Text(jwks.ToJsonString(), "application/json");
        }).ExcludeFromDescription();

        var configuration = Configuration(options);
        endpoints.MapGet(ConfigurationPath, () => Results.Text(configuration, "application/json")).ExcludeFromDescription();
        var issuerPath = options.Issuer!.AbsolutePath.TrimEnd('/');
        if (issuerPath.Length > 0)
        {
            endpoints.MapGet(ConfigurationPath + issuerPath, () => Results.Text(configuration, "application/json")).ExcludeFromDescription();
        }

        return endpoints;
    }

    internal static string Configuration(SharedSignalsOptions options) => new JsonObject
    {
        ["spec_version"] = "1_0",
        ["issuer"] = options.IssuerId(),
        ["jwks_uri"] = options.EffectiveJwksUri().ToString(),
        ["delivery_methods_supported"] = new JsonArray(PushDeliveryMethod),
        // Receivers are registered in ZtStream's configuration, not through a stream management API,
        // and every revocation goes to every receiver.
        ["default_subjects"] = "ALL",
    }.ToJsonString();
}
