using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using ZtStream.Host.Cli;
using ZtStream.Ingest;
using ZtStream.Platform.Bus;
using ZtStream.Platform.EventLog;
using ZtStream.Platform.Hosting;
using ZtStream.Platform.Options;
using ZtStream.Platform.Store;
using ZtStream.Responder;
using ZtStream.Responder.Drivers;
using ZtStream.Responder.Revocation.SharedSignals;
using ZtStream.Verifier;

namespace ZtStream.Host.Run;

/// <summary><c>ztstream run</c>: composes the asked-for roles over the configured seams in one web host.</summary>
internal static class RunCommand
{
    public const string DefaultUrls = "http://127.0.0.1:8080";

    public static async Task<int> RunAsync(CliContext context, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        WebApplication? app;
        try
        {
            app = Build(context, problems);
        }
        catch (OptionsValidationException e)
        {
            // Some options are resolved while endpoints are mapped (consumer definitions, policies): still a configuration error.
            return await ZtStreamCli.FailAsync(context.Error, e.Failures);
        }

        if (app is null)
        {
            return await ZtStreamCli.FailAsync(context.Error, problems);
        }

        await using (app)
        {
            try
            {
                // Options are validated on start, before Kestrel binds: a bad value never listens.
                await app.StartAsync(cancellationToken);
            }
            catch (OptionsValidationException e)
            {
                return await ZtStreamCli.FailAsync(context.Error, e.Failures);
            }
            catch (OperationCanceledException)
            {
                return 0;
            }
            catch (ZtStream.Platform.EventLog.FileLog.EventLogLockedException e)
            {
                await context.Error.WriteLineAsync($"ztstream: {e.Message}");
                return 1;
            }
            catch (IOException e) when (e.InnerException is System.Net.Sockets.SocketException || e.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
            {
                await context.Error.WriteLineAsync($"ztstream: cannot listen: {e.Message}");
                return 1;
            }

            await context.Out.WriteLineAsync($"ztstream: roles {app.Services.GetRequiredService<RoleSet>()} listening on {string.Join(", ", app.Urls)}");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C or SIGTERM: fall through to a clean stop.
            }

            using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await app.StopAsync(stopTimeout.Token);
        }

        return 0;
    }

    /// <summary>Builds the host, or returns null with every configuration problem listed.</summary>
    internal static WebApplication? Build(CliContext context, List<string> problems, Action<WebApplicationBuilder>? customize = null)
    {
        var configuration = context.Configuration;
        var roles = RoleSet.Parse(configuration["Roles"], problems);
        problems.AddRange(EventLogOptionsValidator.Validate(Bind<EventLogOptions>(configuration, EventLogOptions.Section, problems)));
        problems.AddRange(StoreOptionsValidator.Validate(Bind<StoreOptions>(configuration, StoreOptions.Section, problems)));
        problems.AddRange(BusOptionsValidator.Validate(Bind<BusOptions>(configuration, BusOptions.Section, problems)));
        if (problems.Count > 0)
        {
            return null;
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("MassTransit", LogLevel.Warning);
        builder.WebHost.UseKestrelCore();
        var urls = configuration["Urls"] ?? DefaultUrls;

        // HTTP/2 is negotiated through TLS (ALPN); on plain http Kestrel would only warn that it cannot offer it.
        var protocols = urls.Contains("https://", StringComparison.OrdinalIgnoreCase) ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http1;
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.Protocols = protocols));
        builder.WebHost.UseUrls(urls);

        var services = builder.Services;
        services.AddSingleton(roles);
        services.AddSingleton(context.Time);
        services.AddStore(configuration);
        services.AddEventLog(configuration);
        services.AddCommandBus(configuration, bus =>
        {
            if (roles.Responder)
            {
                ResponderRole.AddResponderConsumers(bus);
            }
        });
        services.AddHealthChecks().AddCheck<StoreHealthCheck>("store", tags: ["ready"]);
        if (roles.Ingest)
        {
            services.AddIngest(configuration);
        }

        if (roles.Verifier)
        {
            services.AddVerifier(configuration);
        }

        if (roles.Responder)
        {
            services.AddResponder(configuration);
            services.AddResponderDrivers(configuration);
        }

        customize?.Invoke(builder);
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapHealthChecks("/readyz", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        if (roles.Ingest)
        {
            app.MapIngest();
        }

        if (roles.Verifier)
        {
            app.MapVerifier();
        }

        if (roles.Responder)
        {
            app.MapResponder();
            app.MapSharedSignals();
        }

        return app;
    }

    private static T Bind<T>(IConfiguration configuration, string section, List<string> problems)
        where T : new()
    {
        try
        {
            return configuration.GetSection(section).Get<T>() ?? new T();
        }
        catch (InvalidOperationException e)
        {
            problems.Add($"{section}: {e.Message}");
            return new T();
        }
    }
}
