using System.Security.Claims;

namespace ZtStream.Responder.Console.SignIn;

/// <summary>
/// Console sign-in through an OpenID Connect provider: authorization code with PKCE, the role from a configured claim,
/// and a session cookie (HttpOnly, Secure over https — the scheme a trusted proxy reports — or always, SameSite=Strict) that carries only
/// the key of a session kept in the store (<see cref="ConsoleSessionStore"/>: name, role and a CSRF token), whose CSRF
/// token every state-changing API call made with the cookie must echo in <see cref="CsrfHeader"/>. The API's own
/// endpoint filter reads the cookie, so no authentication middleware is needed in the host's pipeline.
/// </summary>
internal static class ConsoleSignIn
{
    public const string CookieScheme = "zt-console";
    public const string OidcScheme = "zt-oidc";
    public const string CookieName = "zt_console";
    public const string CsrfHeader = "X-CSRF-Token";
    public const string CallbackPath = "/console/auth/callback";
    public const string SignInPath = "/console/auth/signin";
    public const string SignOutPath = "/console/auth/signout";
    public const string ConfigPath = "/console/auth/config";

    private const string RoleClaim = "zt_role";
    private const string CsrfClaim = "zt_csrf";

    // The claim the cookie handler keeps the session store's key in (CookieAuthenticationHandler.SessionIdClaim).
    private const string SessionKeyClaim = "Microsoft.AspNetCore.Authentication.Cookies-SessionId";

    public static IServiceCollection AddConsoleSignIn(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(ConsoleSsoOptions.Section);
        services.AddValidatedOptions<ConsoleSsoOptions, ConsoleSsoOptionsValidator>(section);
        var sso = section.Get<ConsoleSsoOptions>() ?? new ConsoleSsoOptions();
        if (!sso.Enabled || ConsoleSsoOptionsValidator.Validate(sso).Count > 0)
        {
            // Off, or refused at start by the validator with every problem listed.
            return services;
        }

        services.TryAddSingleton<ConsoleSessionStore>();
        StoreKeyRing.AddTo(services);
        services.AddOptions<CookieAuthenticationOptions>(CookieScheme).Configure<ConsoleSessionStore>((o, sessions) => o.SessionStore = sessions);
        services.AddAuthentication(CookieScheme)
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = sso.CookieSecure;
                o.ExpireTimeSpan = sso.SessionLifetime;
                o.SlidingExpiration = true;
                // The API answers problem documents, never a redirect to a sign-in page.
                o.Events.OnRedirectToLogin = c => { c.Response.StatusCode = 401; return Task.CompletedTask; };
                o.Events.OnRedirectToAccessDenied = c => { c.Response.StatusCode = 403; return Task.CompletedTask; };
            })
            .AddOpenIdConnect(OidcScheme, o =>
            {
                o.SignInScheme = CookieScheme;
                o.Authority = sso.Authority;
                o.ClientId = sso.ClientId;
                o.ClientSecret = sso.ClientSecret;
                o.RequireHttpsMetadata = sso.RequireHttpsMetadata;
                o.ResponseType = OpenIdConnectResponseType.Code;
                o.UsePkce = true;
                // A top-level GET back from the provider carries the Lax correlation cookies; a cross-site form post would not.
                o.ResponseMode = OpenIdConnectResponseMode.Query;
                o.CallbackPath = CallbackPath;
                o.GetClaimsFromUserInfoEndpoint = true;
                o.MapInboundClaims = false;
                o.SaveTokens = false;
                IdTokenRules.Apply(o.TokenValidationParameters);
                o.Scope.Clear();
                o.Scope.Add("openid");
                foreach (var scope in sso.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    o.Scope.Add(scope);
                }

                // The role and name claims may come from the user-info endpoint only; arrays become one claim per value.
                o.ClaimActions.MapJsonKey(sso.RoleClaim, sso.RoleClaim);
                o.ClaimActions.MapUniqueJsonKey(sso.NameClaim, sso.NameClaim);
                o.CorrelationCookie.SameSite = SameSiteMode.Lax;
                o.CorrelationCookie.SecurePolicy = sso.CookieSecure;
                o.NonceCookie.SameSite = SameSiteMode.Lax;
                o.NonceCookie.SecurePolicy = sso.CookieSecure;
                o.Events.OnTicketReceived = OnTicketReceivedAsync;
                o.Events.OnRemoteFailure = c =>
                {
                    c.HandleResponse();
                    return Problems.WriteAsync(c.HttpContext, SignInFailed(c.Failure));
                };
            });

        // In place of IdentityModel's ConfigurationManager, which times refreshes by the wall clock (ProviderMetadata).
        services.AddOptions<OpenIdConnectOptions>(OidcScheme).Configure<TimeProvider, ILogger<ProviderMetadata>>((o, time, logger) =>
            o.ConfigurationManager = new ProviderMetadata(sso.Authority!.TrimEnd('/') + "/.well-known/openid-configuration", o, time, logger));
        return services;
    }

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        MapSessions(endpoints);
        endpoints.MapGet(ConfigPath, (IOptions<ConsoleSsoOptions> sso) =>
            Results.Json(new ConsoleAuthConfig(sso.Value.Enabled, sso.Value.Enabled ? SignInPath : null), ResponderJsonContext.Default.ConsoleAuthConfig));
        endpoints.MapGet(SignInPath, async (HttpContext http, IOptions<ConsoleSsoOptions> sso) =>
        {
            if (!sso.Value.Enabled)
            {
                return Problems.Result(404, "single sign-on is not configured (Responder:Sso:Authority)");
            }

            try
            {
                await http.ChallengeAsync(OidcScheme, new AuthenticationProperties { RedirectUri = ConsoleEndpoints.BasePath + "/" });
            }
            catch (ProviderMetadataUnavailableException e)
            {
                // The callback's failures reach OnRemoteFailure; a challenge's for want of the provider is answered alike.
                return Problems.Result(SignInFailed(e));
            }

            return Results.Empty;
        });
        endpoints.MapGet(CallbackPath, async (HttpContext http, IOptions<ConsoleSsoOptions> sso) =>
        {
            // Resolved per request: without single sign-on no authentication services are registered.
            if (!sso.Value.Enabled || http.RequestServices.GetService<IAuthenticationHandlerProvider>() is not { } handlers
                || await handlers.GetHandlerAsync(http, OidcScheme) is not IAuthenticationRequestHandler handler
                || !await handler.HandleRequestAsync())
            {
                return Problems.Result(404, "single sign-on is not configured (Responder:Sso:Authority)");
            }

            return Results.Empty;
        });
        endpoints.MapPost(SignOutPath, async (HttpContext http, IOptions<ConsoleSsoOptions> sso) =>
        {
            if (!sso.Value.Enabled)
            {
                return Results.NoContent();
            }

            var caller = await SessionCallerAsync(http);
            if (caller is not null && ForgeryRefusal(http, caller) is { } forged)
            {
                return Problems.Result(403, $"signing out {forged}");
            }

            // The session's row goes with it: a copy of the cookie taken before is worth nothing after.
            await http.SignOutAsync(CookieScheme);
            if (caller is not null)
            {
                await http.RequestServices.GetRequiredService<AuditLog>().AppendAsync(AuditKinds.SignedOut, caller.Name, "signed out of the console", http.RequestAborted);
            }

            return Results.NoContent();
        });
    }

    /// <summary>An admin's view of the console sessions: list them, end every session of one user (someone who left, a stolen laptop).</summary>
    private static void MapSessions(IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/v1/console/sessions").RequireApiRole(ApiRoles.Admin);
        admin.MapGet("", async (HttpContext http) => http.RequestServices.GetService<ConsoleSessionStore>() is { } sessions
            ? Results.Json((await sessions.ListAsync(http.RequestAborted)).ToList(), ResponderJsonContext.Default.ListConsoleSessionView)
            : NoSso);
        admin.MapDelete("", async (HttpContext http, AuditLog audit) =>
        {
            if (http.RequestServices.GetService<ConsoleSessionStore>() is not { } sessions)
            {
                return NoSso;
            }

            // One user, named on one line as sign-in names them: a second name is not dropped, and a line break or a
            // hidden character would forge the audit entry's line rather than name anyone.
            var names = http.Request.Query["name"];
            var name = names.FirstOrDefault();
            if (string.IsNullOrWhiteSpace(name))
            {
                return Problems.Result(Problems.Invalid([new ItemError(0, "name", "is required: the user whose console sessions end")]));
            }

            if (names.Count > 1)
            {
                return Problems.Result(Problems.Invalid([new ItemError(0, "name", $"is given {names.Count} times: name one user")]));
            }

            if (Bounds.Refusal(Bounds.Id("name", name)) is { } refused)
            {
                return Problems.Result(refused);
            }

            var ended = await sessions.EndAllAsync(name, http.RequestAborted);
            await audit.AppendAsync(AuditKinds.SessionsEnded, ApiAuth.CallerOf(http).Name, $"ended {ended} console session(s) of {name}", http.RequestAborted);
            return Results.Json(new ConsoleSessionsEnded(name, ended), ResponderJsonContext.Default.ConsoleSessionsEnded);
        });
    }

    /// <summary>
    /// A refused sign-in is 401; one the provider's metadata was missing for is 503 with <c>Retry-After</c>, the time
    /// until it is fetched again: the analyst's credentials were never judged, and trying again later is the answer.
    /// </summary>
    private static Problem SignInFailed(Exception? failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is ProviderMetadataUnavailableException down)
            {
                return Problems.Create(503, "identity-provider-unavailable", "Identity provider unavailable", $"sign-in failed: {down.Message}")
                    with { RetryAfterSeconds = Problems.RetrySeconds(down.RetryAfter) };
            }
        }

        return Problems.Of(401, $"sign-in failed: {failure?.Message}");
    }

    private static IResult NoSso => Problems.Result(404, "single sign-on is not configured (Responder:Sso:Authority): there are no console sessions");

    /// <summary>The caller of a console session, or null (no session, or single sign-on off).</summary>
    public static async Task<Caller?> SessionCallerAsync(HttpContext http)
    {
        if (!http.Request.Cookies.ContainsKey(CookieName)
            || await http.RequestServices.GetRequiredService<IAuthenticationSchemeProvider>().GetSchemeAsync(CookieScheme) is null)
        {
            return null;
        }

        var result = await http.AuthenticateAsync(CookieScheme);
        if (!result.Succeeded || result.Principal is not { } user)
        {
            return null;
        }

        var name = user.FindFirstValue(ClaimTypes.Name);
        var role = user.FindFirstValue(RoleClaim);
        var csrf = user.FindFirstValue(CsrfClaim);
        return name is null || role is null || csrf is null ? null : new Caller(name, role, csrf);
    }

    /// <summary>
    /// For a response that outlives its request's sign-in check (the alert stream): whether the console session of this
    /// request is still live — not signed out, expired, past its maximum lifetime or ended by an admin — asked of the
    /// store each time, as every other Responder sharing it sees it. Null when the request has no console session.
    /// </summary>
    public static Func<CancellationToken, Task<bool>>? SessionLive(HttpContext http)
    {
        if (http.RequestServices.GetService<ConsoleSessionStore>() is not { } sessions || !http.Request.Cookies.ContainsKey(CookieName))
        {
            return null;
        }

        var cookies = http.RequestServices.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(CookieScheme);
        var cookie = cookies.CookieManager.GetRequestCookie(http, cookies.Cookie.Name!);
        var key = cookie is null ? null : cookies.TicketDataFormat.Unprotect(cookie)?.Principal.FindFirstValue(SessionKeyClaim);
        return key is null ? _ => Task.FromResult(false) : async ct => await sessions.RetrieveAsync(key, ct) is not null;
    }

    /// <summary>
    /// Why a session's state-changing request may be forged, or null when it is the console's own: it must carry the
    /// session's CSRF token (compared in constant time) and must not come from another origin. The token alone would do
    /// while it stays secret; the origin is checked as well (OWASP's defence in depth), as the browser reports it:
    /// <c>Origin</c>, which must name this host as the request reached it (the host the sign-in's redirect address is
    /// also made from, so a proxy in front passes it through) — <c>null</c>, an opaque origin, is another — and
    /// <c>Sec-Fetch-Site</c>, which must not say <c>cross-site</c> or <c>same-site</c> (a sibling host).
    /// </summary>
    public static string? ForgeryRefusal(HttpContext http, Caller caller)
    {
        var headers = http.Request.Headers;
        var sent = headers[CsrfHeader].FirstOrDefault();
        if (caller.CsrfToken is not { } expected || sent is null
            || !CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(sent), System.Text.Encoding.UTF8.GetBytes(expected)))
        {
            return $"needs its {CsrfHeader} header (GET /v1/me gives it)";
        }

        if (headers.Origin.FirstOrDefault() is { } origin
            && !(Uri.TryCreate(origin, UriKind.Absolute, out var from) && string.Equals(from.Authority, http.Request.Host.Value, StringComparison.OrdinalIgnoreCase)))
        {
            return $"must come from the console's origin, not {origin}";
        }

        return headers["Sec-Fetch-Site"].FirstOrDefault() is "cross-site" or "same-site"
            ? "must come from the console's origin, not another site (Sec-Fetch-Site)"
            : null;
    }

    /// <summary>Maps the provider's claims to the session's: name, the highest mapped role, a fresh CSRF token. No role: no session.</summary>
    private static async Task OnTicketReceivedAsync(TicketReceivedContext context)
    {
        var sso = context.HttpContext.RequestServices.GetRequiredService<IOptions<ConsoleSsoOptions>>().Value;
        var user = context.Principal!;
        var values = user.FindAll(sso.RoleClaim).SelectMany(c => c.Value.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries));
        var role = RoleOf(values, sso.RoleMap);
        var name = user.FindFirstValue(sso.NameClaim) ?? user.FindFirstValue("email") ?? user.FindFirstValue("sub") ?? "unknown";
        var audit = context.HttpContext.RequestServices.GetRequiredService<AuditLog>();
        if (Bounds.Id("name", name).FirstOrDefault() is { } unfit)
        {
            // The session's name is who the audit trail, the console and every action say did it, and what an admin ends
            // sessions by (DELETE /v1/console/sessions takes only a name fit for it): a name a user may set at some
            // providers, holding a line break or a character that shows nothing or turns the text around, would make one
            // person read as another. Refused as the API refuses such a name, said with the hidden characters escaped.
            var shown = ItemError.Clip(ItemError.Escaped(name));
            await audit.AppendAsync(AuditKinds.Forbidden, shown, $"console sign-in refused: the provider's name (claim {sso.NameClaim}) {unfit.Reason}", context.HttpContext.RequestAborted);
            context.HandleResponse();
            await Problems.WriteAsync(context.HttpContext, Problems.Of(403,
                $"the provider's name for this user ('{shown}', claim {sso.NameClaim}) {unfit.Reason}: an administrator of the provider must change it"));
            return;
        }

        if (role is null)
        {
            await audit.AppendAsync(AuditKinds.Forbidden, name, $"console sign-in refused: claim {sso.RoleClaim} maps to no ZtStream role", context.HttpContext.RequestAborted);
            context.HandleResponse();
            await Problems.WriteAsync(context.HttpContext, Problems.Of(403, $"{name} has no ZtStream role (claim {sso.RoleClaim})"));
            return;
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, name), new Claim(RoleClaim, role), new Claim(CsrfClaim, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)))],
            CookieScheme);
        context.Principal = new ClaimsPrincipal(identity);
        await audit.AppendAsync(AuditKinds.SignedIn, name, $"signed in to the console as {role}", context.HttpContext.RequestAborted);
    }

    internal static string? RoleOf(IEnumerable<string> claimValues, IReadOnlyDictionary<string, string> map)
    {
        string? best = null;
        foreach (var value in claimValues)
        {
            var role = map.TryGetValue(value, out var mapped) ? mapped : ApiRoles.Rank(value) >= 0 ? value : null;
            if (role is not null && ApiRoles.Rank(role) > ApiRoles.Rank(best))
            {
                best = role;
            }
        }

        return best;
    }
}

/// <summary>What the console's sign-in page needs to know: whether single sign-on is on, and where it starts.</summary>
internal sealed record ConsoleAuthConfig(bool Sso, string? SignInUrl);
