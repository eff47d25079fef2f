using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using ZtStream.Platform.Proxy;

namespace ZtStream.Platform.Hosting;

/// <summary>What every <c>ztstream run</c> host has whatever its roles: the three seams, health, and problem documents.</summary>
internal static class PlatformHosting
{
    /// <summary>
    /// The store, the event log and the command bus, each bound and validated on start, and the store's readiness
    /// check. Add it after the roles: the bus is built with the consumers they contributed (<c>AddCommandConsumers</c>).
    /// </summary>
    public static IServiceCollection AddPlatform(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddPlatformHttp(configuration);
        services.AddStore(configuration);
        services.AddEventLog(configuration);
        services.AddCommandBus(configuration);
        return services;
    }

    /// <summary>
    /// What <see cref="MapPlatform"/>'s pipeline needs — forwarded headers, the request head's limits, Kestrel's
    /// settings, the store's readiness check — without the seams themselves: a test host that brings its own event log
    /// and bus answers through the same pipeline as <c>ztstream run</c>.
    /// </summary>
    public static IServiceCollection AddPlatformHttp(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddForwardedHeaders(configuration);
        services.AddValidatedOptions<HstsSettings, HstsSettingsValidator>(configuration.GetSection(HstsSettings.Section));
        services.AddOptions<HstsOptions>().Configure<IOptions<HstsSettings>>((o, s) =>
        {
            o.MaxAge = s.Value.MaxAge;
            o.IncludeSubDomains = s.Value.IncludeSubDomains;
        });
        var head = RequestHeadLimits.From(configuration);
        services.AddSingleton(head);
        services.Configure<KestrelServerOptions>(k =>
        {
            head.ApplyTo(k.Limits);

            // Which server and version answers is nothing a client needs.
            k.AddServerHeader = false;
        });
        services.AddHealthChecks().AddCheck<StoreHealthCheck>("store", tags: ["ready"]);
        return services;
    }

    /// <summary>
    /// <c>/healthz</c> (the process serves) and <c>/readyz</c> (the store answers), and a problem document for every
    /// error no endpoint wrote a body for — an unknown path, a method the path does not take, a route value that does
    /// not match, an unhandled exception, and the refusals Kestrel writes itself (<see cref="KestrelRefusals"/>, over
    /// the listeners <c>UseProblemRefusals</c> was given) — so every error a client sees is <c>application/problem+json</c>. Every
    /// answer is <c>Cache-Control: no-store</c> unless its endpoint says otherwise: alerts, principals, tokens and the
    /// audit trail are not for a browser's or a proxy's cache.
    /// </summary>
    public static WebApplication MapPlatform(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(static (context, next) =>
        {
            // At the start of the answer, so it also holds for a problem the exception handler writes after clearing the
            // response, and an endpoint's own Cache-Control (the event streams' no-cache) wins.
            context.Response.OnStarting(static state =>
            {
                var headers = ((HttpResponse)state).Headers;
                if (headers.CacheControl.Count == 0)
                {
                    headers.CacheControl = "no-store";
                }

                // JSON, problem documents and event streams are never to be read as anything else (OWASP's REST advice).
                headers.XContentTypeOptions = "nosniff";
                return Task.CompletedTask;
            }, context.Response);
            return next(context);
        });
        app.Use(app.Services.GetRequiredService<RequestHeadLimits>().Enforce);
        var refusals = KestrelRefusals.Subscribe(app.Services.GetRequiredService<DiagnosticListener>());
        app.Lifetime.ApplicationStopped.Register(refusals.Dispose);
        app.UseTrustedForwardedHeaders();
        if (app.Services.GetRequiredService<IOptions<HstsSettings>>().Value.MaxAge > TimeSpan.Zero)
        {
            // After the forwarded headers, so https a trusted proxy terminated counts; ASP.NET Core's middleware leaves
            // out loopback hosts.
            app.UseHsts();
        }

        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = context => Problems.WriteAsync(context, ProblemFor(context.Features.Get<IExceptionHandlerFeature>()?.Error)),
        });
        app.UseStatusCodePages(context => Problems.WriteAsync(context.HttpContext, Problems.Of(context.HttpContext.Response.StatusCode)));
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains("ready"),
            ResponseWriter = WriteReadinessAsync,
        });
        return app;
    }

    /// <summary>
    /// What an exception no endpoint handled answers. One a dependency that comes back threw (the store stopped or failing
    /// over, the bus reconnecting, the log refusing) is that dependency's outage, not a fault of the server: 503 with
    /// <c>Retry-After</c>, as Ingest answers when it cannot check a key, so the console and API clients wait and ask again.
    /// </summary>
    internal static Problem ProblemFor(Exception? error) => error is not null && TransientFaults.IsTransient(error)
        ? Problems.Of(503, "A service this request needs (the store, the event log or the bus) is unavailable for now; retry later.")
            with { RetryAfterSeconds = UnavailableRetrySeconds }
        : Problems.Of(500, "The request failed on the server; the log has the details.");

    /// <summary>The wait a 503 for an unavailable dependency asks for: Ingest's for a credential store it cannot reach.</summary>
    private const int UnavailableRetrySeconds = 5;

    private static Task WriteReadinessAsync(HttpContext context, HealthReport report)
    {
        if (report.Status == HealthStatus.Healthy)
        {
            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync(report.Status.ToString(), context.RequestAborted);
        }

        var failing = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => $"{e.Key}: {e.Value.Description}");
        return Problems.WriteAsync(context, Problems.Create(context.Response.StatusCode, "not-ready", "Not ready", string.Join("; ", failing)));
    }
}
