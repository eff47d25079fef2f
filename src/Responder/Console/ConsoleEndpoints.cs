using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ZtStream.Responder.Console;

/// <summary>Serves the SOC console (plain HTML/JS embedded in this assembly) under <c>/console</c>.</summary>
internal static class ConsoleEndpoints
{
    public const string BasePath = "/console";

    /// <summary>
    /// Scripts, styles, images and API calls only from this origin (no inline script or style attribute, so text from
    /// monitored traffic that slipped into the page could not run), never framed (no clickjacking of the approve and
    /// release buttons).
    /// </summary>
    public const string ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var console = endpoints.MapGroup("").AddEndpointFilter(async (context, next) =>
        {
            var headers = context.HttpContext.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            return await next(context);
        });

        // Routing treats "/console" and "/console/" alike; only the bare form is redirected, so relative URLs resolve.
        console.MapGet(BasePath, (HttpContext http) => http.Request.Path.Value?.EndsWith('/') == true
            ? Serve(null)
            : Results.Redirect(BasePath + "/"));
        console.MapGet(BasePath + "/{**path}", (string? path) => Serve(path));
    }

    private static IResult Serve(string? path)
    {
        var name = string.IsNullOrEmpty(path) ? "index.html" : path;
        if (name.Contains("..", StringComparison.Ordinal))
        {
            return Results.NotFound();
        }

        var stream = typeof(ConsoleEndpoints).Assembly.GetManifestResourceStream("console/" + name);
        if (stream is null)
        {
            return Results.NotFound();
        }

        var type = Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => "application/octet-stream",
        };
        return Results.Stream(stream, type);
    }
}
