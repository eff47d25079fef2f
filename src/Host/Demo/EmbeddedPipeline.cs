using ZtStream.Ingest.Sources.Scopes;

namespace ZtStream.Host.Demo;

/// <summary>
/// Every role in this process on the embedded seams, in a throwaway folder, with the demo response policy, a
/// registered source key and a console token — what <c>demo</c> and <c>bench</c> run against.
/// </summary>
internal sealed class EmbeddedPipeline(WebApplication app, WebApplication sample, string sourceKey, string consoleToken) : IAsyncDisposable
{
    public Uri BaseUrl { get; } = new(app.Urls.First());

    /// <summary>Every address the pipeline listens on (<c>bench --http2</c> adds an https one).</summary>
    public IReadOnlyList<Uri> Urls { get; } = [.. app.Urls.Select(u => new Uri(u))];

    /// <summary>The SDK-instrumented sample service, enforcing this pipeline's revocation feed.</summary>
    public Uri SampleUrl { get; } = new(sample.Urls.First());

    /// <summary>Mints tokens the sample service accepts, as an identity provider would.</summary>
    public SampleOptions SampleTokens { get; } = sample.Services.GetRequiredService<SampleOptions>();

    public string SourceKey { get; } = sourceKey;

    public string ConsoleToken { get; } = consoleToken;

    public IServiceProvider Services => app.Services;

    /// <summary>The address the pipeline takes when none is asked for, if no other process listens there.</summary>
    internal const string PreferredUrl = "http://127.0.0.1:8080";

    /// <summary>
    /// Starts it; or prints every configuration problem (exit code 2), or the one line saying why it could not start (an
    /// address taken, exit code 1), and returns no pipeline with that exit code.
    /// </summary>
    /// <param name="memoryLog">The memory-only event log instead of the durable file log in <paramref name="folder"/>.</param>
    /// <param name="sourceName">The source the returned key belongs to (stamped on every event sent with it).</param>
    /// <param name="urls">Where to listen (default: the configured <c>Urls</c>, else <see cref="PreferredUrl"/>, or a port
    /// the system picks when another process has that one); the first is <see cref="BaseUrl"/>.</param>
    /// <param name="certificate">The server certificate of any https address in <paramref name="urls"/>.</param>
    public static async Task<(EmbeddedPipeline? Pipeline, int ExitCode)> StartAsync(
        string folder, CliContext context, CancellationToken cancellationToken, bool memoryLog = false, string sourceName = "demo-simulator",
        string? urls = null, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null)
    {
        var policyPath = Path.Combine(folder, "response.yaml");
        await File.WriteAllTextAsync(policyPath, DemoPolicies.Response, cancellationToken);
        var consoleToken = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        var asked = urls ?? context.Configuration["Urls"];

        // Kestrel binds the address itself and the pipeline uses what it bound: a port found free beforehand could be
        // taken by another process before the bind. Only the preferred port falls back, to one the system picks (port 0,
        // bound in the same step); an address asked for is kept to, or refused in one line.
        var (app, configuration, started) = await StartOnAsync(asked ?? PreferredUrl, quietIfTaken: asked is null);
        if (started == RunCommand.AddressTaken)
        {
            (app, configuration, started) = await StartOnAsync("http://127.0.0.1:0", quietIfTaken: false);
            if (started is null)
            {
                await context.ErrorAsync(
                    $"{new Uri(PreferredUrl).Authority} is taken by another process; listening on {app!.Urls.First()} instead (--urls chooses)");
            }
        }

        if (started is not null)
        {
            return (null, started.Value);
        }

        var credentials = app!.Services.GetRequiredService<SourceCredentialStore>();
        var key = SourceKeys.NewKey();
        // The simulator plays a whole cluster, so it is trusted (explicitly) to speak for any subject and namespace; the
        // sample service only for its own workload and the users it authenticated.
        await credentials.AddAsync(sourceName, SourceKeys.Hash(key), cancellationToken, new SourceScope(Subjects: ["*"], Namespaces: ["*"]));
        var sampleKey = SourceKeys.NewKey();
        await credentials.AddAsync("sample-service", SourceKeys.Hash(sampleKey), cancellationToken,
            new SourceScope(Kinds: ["access.request"], Subjects: ["*"], Workloads: ["demo/sample-service"]));
        var baseUrl = new Uri(app.Urls.First());
        var sample = SampleCommand.Build(configuration!, baseUrl, sampleKey, baseUrl, "http://127.0.0.1:0");
        await sample.StartAsync(cancellationToken);
        return (new EmbeddedPipeline(app, sample, key, consoleToken), 0);

        // Builds and starts the roles on urls: the app started (exit code null), or none and the exit code.
        async Task<(WebApplication? App, IConfiguration? Configuration, int? ExitCode)> StartOnAsync(string urls, bool quietIfTaken)
        {
            var overrides = new Dictionary<string, string?>
            {
                ["Urls"] = urls,
                ["Store:Kind"] = "sqlite",
                ["Store:SqlitePath"] = Path.Combine(folder, "ztstream.db"),
                ["EventLog:Kind"] = memoryLog ? "memory" : "file",
                ["EventLog:Path"] = Path.Combine(folder, "eventlog"),
                ["Bus:Kind"] = "inmemory",
                ["Responder:PolicyPath"] = policyPath,
                ["Responder:Isolator"] = "simulated",
                ["Responder:SchedulerInterval"] = "00:00:01",
                ["Responder:ApiTokens:0:Name"] = "demo",
                ["Responder:ApiTokens:0:Role"] = "responder",
                ["Responder:ApiTokens:0:Token"] = consoleToken,
                // The demo's sample service and the people trying it read the feed without a credential; `run` does not.
                ["Responder:Feed:Anonymous"] = "true",
                // The monitor's enforcement probe hits the sample service at wall-clock time while the simulation runs on
                // simulated days: its requests are marked by their client and never scored as the principal's behaviour.
                ["Verifier:ProbeClients:0"] = DemoMonitor.ProbeClient,
                ["Ingest:RatePerSecond"] = "1000000",
                ["Ingest:RateBurst"] = "1000000",
                // The simulator speaks for a whole cluster, and `bench --principals 100000` brings them all in its first
                // seconds: the per-source cap on new principals (a flood guard for untrusted sources) is off unless set.
                ["Ingest:MaxNewPrincipalsPerMinute"] = context.Configuration["Ingest:MaxNewPrincipalsPerMinute"] ?? "0",

                // Everything shares the process's cores: Ingest waits while the Verifier is more than ~0.05 s of traffic behind.
                // Measured on two idle cores (docs/benchmarks.md): 2,000 keeps the throughput of 10,000 and halves the
                // time to enforcement, since that time is mostly this queue.
                ["EventLog:MaxConsumerLag"] = context.Configuration["EventLog:MaxConsumerLag"] ?? "2000",

                // One Verifier loop per partition of the log (a loop without a partition idles), up to two per processor:
                // a loop also waits (each alert for its durable append, each batch for the log), and with more loops than
                // cores another loop runs meanwhile. Measured on two idle cores (docs/benchmarks.md): three loops over the
                // default three partitions score ≈ 9 % more events per second than two.
                ["Verifier:Workers"] = context.Configuration["Verifier:Workers"] ?? DefaultWorkers(context.Configuration).ToString(CultureInfo.InvariantCulture),
            };
            var configuration = new ConfigurationBuilder().AddConfiguration(context.Configuration).AddInMemoryCollection(overrides).Build();
            var problems = new List<string>();
            var app = RunCommand.BuildValidated(context with { Configuration = configuration }, problems, builder =>
            {
                // The terminal shows the demo's own table; the roles' logs would drown it.
                builder.Logging.SetMinimumLevel(LogLevel.Warning);
                builder.Services.AddSingleton<IWorkloadIsolator, DemoIsolator>();
                if (certificate is not null)
                {
                    builder.WebHost.UseKestrelHttpsConfiguration();
                    builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate));
                }
            });
            if (app is null)
            {
                return (null, null, await CliCommandLine.FailAsync(context.Error, problems));
            }

            if (await RunCommand.TryStartAsync(app, configuration, context, cancellationToken, quietIfTaken) is { } failed)
            {
                await app.DisposeAsync();
                return (null, null, failed);
            }

            return (app, configuration, null);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await sample.StopAsync(stopTimeout.Token);
            await app.StopAsync(stopTimeout.Token);
        }
        finally
        {
            await sample.DisposeAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>The log's partitions (<c>EventLog:Partitions</c>, as configured or its default), at most two per processor.</summary>
    private static int DefaultWorkers(IConfiguration configuration)
    {
        var partitions = configuration.GetSection(EventLogOptions.Section).Get<EventLogOptions>()?.Partitions ?? new EventLogOptions().Partitions;
        return Math.Clamp(Math.Min(2 * Environment.ProcessorCount, partitions), 1, Verifier.VerifierOptions.MaxWorkers);
    }
}
