using Microsoft.AspNetCore.Server.Kestrel.Core;
using ZtStream.Platform.EventLog.FileLog;
using ZtStream.Platform.Faults;

namespace ZtStream.Host.Run;

/// <summary><c>ztstream run</c>: composes the asked-for roles over the configured seams in one web host.</summary>
internal static class RunCommand
{
    public const string DefaultUrls = "http://127.0.0.1:8080";

    public static Command Build()
    {
        var command = new Command("run", "run roles over the configured seams: --roles ingest,verifier,responder (default all), --event-log, --store, --bus, --urls, --set KEY=VALUE");
        command.SetCliAction((_, context, cancellationToken) => RunAsync(context, cancellationToken));
        return command;
    }

    public static async Task<int> RunAsync(CliContext context, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var app = BuildValidated(context, problems);
        if (app is null)
        {
            return await CliCommandLine.FailAsync(context.Error, problems);
        }

        await using (app)
        {
            try
            {
                if (await TryStartAsync(app, context.Configuration, context, cancellationToken) is { } failed)
                {
                    return failed;
                }
            }
            catch (OperationCanceledException)
            {
                return 0;
            }

            await context.Out.WriteLineAsync($"ztstream: roles {app.Services.GetRequiredService<RoleSet>()} listening on {string.Join(", ", app.Urls)}");
            await ServeUntilStoppedAsync(app, TimeSpan.FromSeconds(15), cancellationToken);
        }

        return 0;
    }

    /// <summary>
    /// Starts <paramref name="app"/>, or says in one line on the context's stderr what an operator must fix — the data
    /// folder, the database file or the store's server, a broker the bus cannot reach, an address taken or not this machine's — and returns exit code 1,
    /// never a stack trace. Null once it is started. With <paramref name="quietIfTaken"/> an address another process
    /// listens on is said by returning <see cref="AddressTaken"/> instead, for a caller that falls back to another. Any
    /// other failure (a configuration error found at start) is thrown on, once what started is stopped; a start stopped
    /// through <paramref name="cancellationToken"/> throws <see cref="OperationCanceledException"/>, whatever it failed with.
    /// </summary>
    internal static async Task<int?> TryStartAsync(WebApplication app, IConfiguration configuration, CliContext context, CancellationToken cancellationToken, bool quietIfTaken = false)
    {
        try
        {
            await app.StartAsync(cancellationToken);
            return null;
        }
        catch (Exception e)
        {
            // Whatever failed — what is said in one line here, a configuration error found only now, Ctrl-C while starting —
            // what did start is stopped before the caller disposes the host: else the consumers still running give their
            // partitions back into disposed services (an ObjectDisposedException logged for each).
            await StopAfterFailedStartAsync(app);
            if (cancellationToken.IsCancellationRequested)
            {
                // Ctrl-C or SIGTERM while starting: a stop, whatever the start failed with once asked to stop — the bus,
                // waiting for a broker it cannot reach, gives up on the token with the broker's failure.
                throw new OperationCanceledException("stopped while starting", e, cancellationToken);
            }

            if (quietIfTaken && IsAddressTaken(e))
            {
                return AddressTaken;
            }

            if (OneLine(e, configuration) is not { } line)
            {
                throw;
            }

            await context.ErrorAsync(line);
            return 1;
        }
    }

    /// <summary>What an operator must fix, in one line, when <paramref name="e"/> is a start failure named so; else null.</summary>
    private static string? OneLine(Exception e, IConfiguration configuration) => e switch
    {
        EventLogLockedException or StorageUnusableException or StoreMigrationException => e.Message,
        // The bus did not start within its start timeout (docs/bus.md): its message names the broker, never the password.
        MassTransit.ConnectionException => $"the command bus cannot be started: {e.Message}",
        // HTTPS without a certificate: none configured, and no development certificate (Kestrel's message sends to `dotnet dev-certs`).
        InvalidOperationException when e.Message.StartsWith("Unable to configure HTTPS endpoint", StringComparison.Ordinal) =>
            $"cannot listen on {Addresses(configuration)}: no TLS certificate is configured: set Kestrel:Certificates:Default:Path (a .pfx with :Password, or a PEM certificate with :KeyPath), or one per endpoint (docs/operations.md)",
        // A configured certificate that cannot be used: a wrong password, not a certificate or not a key, a file not there.
        // Only where Kestrel loaded it: a CryptographicException elsewhere at start (a stored key) is no certificate's.
        _ when ThrownLoadingACertificate(e) =>
            $"cannot listen on {Addresses(configuration)}: the TLS certificate cannot be used: {e.Message}",
        // Taken (Kestrel's IOException) or not this machine's (a SocketException of its own).
        System.Net.Sockets.SocketException or IOException when e is not IOException
            || e.InnerException is System.Net.Sockets.SocketException || e.Message.Contains("address", StringComparison.OrdinalIgnoreCase) =>
            $"cannot listen on {Addresses(configuration)}: {e.Message}",
        _ => null,
    };

    private static string Addresses(IConfiguration configuration) => ListenAddresses.Resolve(configuration).Urls ?? "the Kestrel:Endpoints";

    /// <summary>Whether <paramref name="e"/> came from Kestrel reading a certificate or its key (the file, its format, its password).</summary>
    private static bool ThrownLoadingACertificate(Exception e) =>
        new System.Diagnostics.StackTrace(e).GetFrames().Any(f => f.GetMethod()?.DeclaringType?.FullName is { } type
            && (type.StartsWith("Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Certificates.", StringComparison.Ordinal)
                || type.StartsWith("Microsoft.AspNetCore.Server.Kestrel.Core.TlsConfigurationLoader", StringComparison.Ordinal)));

    /// <summary>What <see cref="TryStartAsync"/> returns, asked to be quiet about it, when its address is taken; never an exit code.</summary>
    internal const int AddressTaken = -1;

    /// <summary>Kestrel's bind refused because another socket listens there (EADDRINUSE), at any depth.</summary>
    private static bool IsAddressTaken(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is Microsoft.AspNetCore.Connections.AddressInUseException or System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Stops what did start before the host is disposed: the Verifier checkpoints and gives its partitions back
    /// instead of being disposed under the log's consumer, which then fails calling into it.
    /// </summary>
    private static async Task StopAfterFailedStartAsync(WebApplication app)
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await app.StopAsync(stopping.Token);
        }
        catch (ArgumentNullException)
        {
            // The host failed while making its hosted services (the event log's folder is refused then): it has none to
            // stop, and its StopAsync throws on the list it never made.
        }
    }

    /// <summary>Serves until Ctrl-C or SIGTERM cancels <paramref name="cancellationToken"/>, then stops within <paramref name="stopTimeout"/>.</summary>
    internal static async Task ServeUntilStoppedAsync(WebApplication app, TimeSpan stopTimeout, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C or SIGTERM: fall through to a clean stop.
        }

        using var stopping = new CancellationTokenSource(stopTimeout);
        await app.StopAsync(stopping.Token);
    }

    /// <summary>
    /// Builds the host and validates every option registered with <c>ValidateOnStart</c> before anything starts, so a
    /// bad value never listens; returns null with every problem listed (the host prints one line each and exits 2).
    /// </summary>
    internal static WebApplication? BuildValidated(CliContext context, List<string> problems, Action<WebApplicationBuilder>? customize = null)
    {
        // Before building: the builder's UseUrls writes "urls" through into the configuration it chains.
        problems.AddRange(ListenAddresses.Resolve(context.Configuration).Problems());
        problems.AddRange(OtlpEnvironment.Problems(context.Configuration));
        problems.AddRange(RequestHeadLimits.ConfigurationProblems(context.Configuration));
        problems.AddRange(Configuration.ConfigurationSchema.ValueProblems(context.Configuration));
        problems.AddRange(PolicyRuleCheck.Problems(context.Configuration));
        WebApplication app;
        try
        {
            // Built without the values just refused, so the sections' validation says the rest beside them: the binder
            // stops at the first value it cannot convert, and a section bound while the host is built would stop the build.
            app = Build(context with { Configuration = Configuration.ConfigurationSchema.WithoutValueProblems(context.Configuration) }, problems, customize);
        }
        catch (OptionsValidationException e)
        {
            // Some options are resolved while endpoints are mapped (consumer definitions, policies): still a configuration error.
            problems.AddRange(e.Failures);
            return null;
        }
        catch (InvalidOperationException e) when (IsBindingFailure(e))
        {
            // Or bound there (the trusted proxy's middleware, the scrape path, the Responder's endpoints): the binder's message names the key.
            problems.Add(e.Message);
            return null;
        }

        try
        {
            app.Services.GetService<IStartupValidator>()?.Validate();
        }
        catch (OptionsValidationException e)
        {
            problems.AddRange(e.Failures);
        }
        catch (AggregateException e) when (e.InnerExceptions.All(i => i is OptionsValidationException))
        {
            problems.AddRange(e.InnerExceptions.SelectMany(i => ((OptionsValidationException)i).Failures));
        }
        catch (InvalidOperationException e)
        {
            // The binder could not convert a value ("abc" for a number); its message names the key.
            problems.Add(e.Message);
        }

        if (IsolatorMisnamed(app) is { } misnamed)
        {
            problems.Add(misnamed);
        }

        if (problems.Count == 0)
        {
            return app;
        }

        ((IDisposable)app).Dispose();
        return null;
    }

    /// <summary>Whether <paramref name="e"/> is the binder's: a configured value it cannot convert, its message naming the key.</summary>
    internal static bool IsBindingFailure(InvalidOperationException e) => e.TargetSite?.DeclaringType == typeof(ConfigurationBinder);

    /// <summary>
    /// Why <c>Responder:Isolator</c> names no registered isolator, said beside the other configuration errors; null when
    /// none is named (the selector makes every registered isolator, a Kubernetes client say, only then) or when the
    /// Responder's or an isolator's own options are refused, which the list already says.
    /// </summary>
    private static string? IsolatorMisnamed(WebApplication app)
    {
        try
        {
            return app.Services.GetService<IOptions<ResponderOptions>>()?.Value.Isolator is { Length: > 0 }
                ? app.Services.GetRequiredService<IsolatorSelector>().Misnamed()
                : null;
        }
        catch (OptionsValidationException)
        {
            return null;
        }
    }

    /// <summary>Builds the host of the asked-for roles; what is wrong with <c>Roles</c> goes to <paramref name="problems"/>.</summary>
    internal static WebApplication Build(CliContext context, List<string> problems, Action<WebApplicationBuilder>? customize = null)
    {
        var configuration = context.Configuration;
        var roles = RoleSet.Parse(configuration["Roles"], problems);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        var tracing = TelemetryHosting.TracesExported(configuration);
        builder.Logging.ClearProviders();
        // With traces exported, each console line carries the trace and span id of the request or record it belongs to.
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.IncludeScopes = tracing;
        });
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("MassTransit", LogLevel.Warning);

        // The host's "Hosting failed to start" (event 11, an error) repeats with a stack trace what TryStartAsync says in
        // one line; a background service that fails is still logged with its exception, at Critical (event 10).
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.WebHost.UseKestrelCore();
        builder.WebHost.UseKestrelHttpsConfiguration();
        var listen = ListenAddresses.Resolve(configuration);

        // HTTP/2 is negotiated through TLS (ALPN); on plain http Kestrel would only warn that it cannot offer it.
        var protocols = listen.Https ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http1;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Configure(listen.Kestrel, reloadOnChange: false);
            k.ConfigureEndpointDefaults(l =>
            {
                l.Protocols = protocols;
                // Kestrel's own refusals (a request that is not HTTP, past its limits, too slow) get a problem document.
                l.UseProblemRefusals(k.ApplicationServices.GetRequiredService<RequestHeadLimits>());
            });
        });
        if (listen.Urls is not null)
        {
            builder.WebHost.UseUrls(listen.Urls);
        }

        var services = builder.Services;
        services.AddSingleton(roles);
        services.AddSingleton(context.Time);
        if (roles.Ingest)
        {
            services.AddIngest(configuration);
        }

        if (roles.Verifier)
        {
            services.AddVerifier(configuration);
            if (context is { ConfigFile: { } file, ReadConfigurationAgain: { } readAgain })
            {
                services.AddHostedService(sp => ActivatorUtilities.CreateInstance<ConfigFileReload>(sp, file, readAgain));
            }
        }

        if (roles.Responder)
        {
            services.AddResponder(configuration);
        }

        services.AddPlatform(configuration);
        services.AddTelemetry(configuration, roles.ToString());
        customize?.Invoke(builder);
        var app = builder.Build();
        app.MapPlatform();
        app.MapTelemetry();
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
        }

        return app;
    }
}
