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
        // Routing treats "/console" and "/console/" alike; only the bare form is redirected, so relative URLs resolve.
        endpoints.MapGet(BasePath, (HttpContext http) =>
        {
            Harden(http);
            return http.Request.Path.Value?.EndsWith('/') == true ? Serve(null) : Results.Redirect(BasePath + "/");
        });
        endpoints.MapGet($"{BasePath}/{VisibleTextScript.Path}", (HttpContext http) =>
        {
            Harden(http);
            return Results.Text(VisibleTextScript.Text, "text/javascript; charset=utf-8");
        });
        endpoints.MapGet(BasePath + "/{**path}", (string? path, HttpContext http) =>
        {
            Harden(http);
            return Serve(path);
        });
    }

    /// <summary>
    /// The console loads only its own files (no inline script or style, no other origin), is never framed, and no file is
    /// sniffed as another type: what monitored traffic put into an alert cannot run as script.
    /// </summary>
    private static void Harden(HttpContext http)
    {
        http.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.XFrameOptions = "DENY";
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
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
