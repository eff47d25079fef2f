using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ZtStream.Responder.Console;

/// <summary>Serves the SOC console (plain HTML/JS embedded in this assembly) under <c>/console</c>.</summary>
internal static class ConsoleEndpoints
{
    public const string BasePath = "/console";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(BasePath, () => Results.Redirect(BasePath + "/"));
        endpoints.MapGet(BasePath + "/{**path}", (string? path) =>
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
        });
    }

    internal static Assembly Assembly => typeof(ConsoleEndpoints).Assembly;
}
