using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ZtStream.Platform.Http;

namespace ZtStream.Responder.Api;

internal static class ApiAuth
{
    private const string CallerKey = "zt.responder.caller";

    /// <summary>401 without a valid token, 403 when a responder is needed and an analyst called.</summary>
    public static TBuilder RequireApiRole<TBuilder>(this TBuilder builder, string role)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var caller = http.RequestServices.GetRequiredService<ApiTokenAuthenticator>().Authenticate(http);
            var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("ZtStream.Responder.Api");
            if (caller is null)
            {
                ResponderLog.ApiRejected(logger, http.Request.Path, "no valid API token");
                http.Response.Headers.WWWAuthenticate = "Bearer realm=\"ztstream\"";
                return Problems.Result(401, "a valid API token is required (Authorization: Bearer ...)");
            }

            if (role == ApiRoles.Responder && !caller.IsResponder)
            {
                ResponderLog.ApiRejected(logger, http.Request.Path, $"{caller.Name} is an analyst");
                return Problems.Result(403, "this needs the responder role");
            }

            http.Items[CallerKey] = caller;
            return await next(context);
        });

    public static Caller CallerOf(HttpContext http) =>
        http.Items[CallerKey] as Caller ?? throw new InvalidOperationException("endpoint is missing RequireApiRole");
}
