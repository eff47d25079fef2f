namespace ZtStream.Responder.Api;

internal static class ApiAuth
{
    private const string CallerKey = "zt.responder.caller";

    /// <summary>
    /// The caller is an API token (<c>Authorization: Bearer</c>) or a console session (cookie, with the CSRF header and
    /// from the console's origin on anything but a read). 401 without either; 403, audited, when the caller's role is below <paramref name="role"/>.
    /// </summary>
    public static TBuilder RequireApiRole<TBuilder>(this TBuilder builder, string role)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("ZtStream.Responder.Api");
            var caller = http.RequestServices.GetRequiredService<ApiTokenAuthenticator>().Authenticate(http);
            if (caller is null && await ConsoleSignIn.SessionCallerAsync(http) is { } session)
            {
                if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) && ConsoleSignIn.ForgeryRefusal(http, session) is { } forged)
                {
                    await RefuseAsync(http, logger, session, forged);
                    return Problems.Result(403, $"a state-changing call from a console session {forged}");
                }

                caller = session;
            }

            if (caller is null)
            {
                ResponderLog.ApiRejected(logger, http.Request.Path, "no valid API token or session");
                http.Response.Headers.WWWAuthenticate = "Bearer realm=\"ztstream\"";
                return Problems.Result(401, "a valid API token (Authorization: Bearer ...) or a console session is required");
            }

            if (!caller.Can(role))
            {
                await RefuseAsync(http, logger, caller, $"{caller.Name} is a {caller.Role}; this needs {role}");
                return Problems.Result(403, $"this needs the {role} role; {caller.Name} is a {caller.Role}");
            }

            if (ControlCharacters(http.Request) is { Count: > 0 } refused)
            {
                return Problems.Result(Problems.Invalid(refused));
            }

            http.Items[CallerKey] = caller;
            return await next(context);
        });

    /// <summary>
    /// Ids in the path and filters in the query reach the store even where they only look something up, and PostgreSQL
    /// refuses a NUL even as a parameter: a control character there is a 400 naming the parameter on every store, as in a
    /// body (<see cref="Bounds"/>). Ids are one line; a query value may be free text (a lift's <c>reason</c>).
    /// </summary>
    private static List<ItemError> ControlCharacters(HttpRequest request)
    {
        var errors = new List<ItemError>();
        foreach (var (name, value) in request.RouteValues)
        {
            errors.AddRange(Bounds.Id(name, value as string, int.MaxValue));
        }

        foreach (var (name, values) in request.Query)
        {
            foreach (var value in values)
            {
                errors.AddRange(Bounds.Text(name, value, int.MaxValue));
            }
        }

        return errors;
    }

    public static Caller CallerOf(HttpContext http) =>
        http.Items[CallerKey] as Caller ?? throw new InvalidOperationException("endpoint is missing RequireApiRole");

    /// <summary>A refused write is an event worth keeping: who tried what.</summary>
    private static async Task RefuseAsync(HttpContext http, ILogger logger, Caller caller, string why)
    {
        ResponderLog.ApiRejected(logger, http.Request.Path, why);
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
        {
            await http.RequestServices.GetRequiredService<AuditLog>().AppendAsync(
                AuditKinds.Forbidden, caller.Name, $"refused {http.Request.Method} {http.Request.Path}: {why}", http.RequestAborted);
        }
    }
}
