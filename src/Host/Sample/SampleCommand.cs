using ZtStream.Sdk.Configuration;

namespace ZtStream.Host.Sample;

/// <summary>
/// <c>ztstream sample</c>: the SDK-instrumented sample service (JWT bearer, a few API routes) that the demo and
/// docker-compose run to show enforcement: its requests become access events, and a revoked token gets 401.
/// </summary>
internal sealed class SampleCommand : ICliCommand
{
    public Command Build()
    {
        var command = new Command("sample", "run the SDK-instrumented sample service (Sample:IngestUrl, Sample:SourceKeyFile, Sample:RevocationFeedUrl, Sample:RevocationFeedKeyFile; Sample:IngestAllowHttp and Sample:RevocationFeedAllowHttp for plain http to another host)");
        command.SetCliAction((_, context, ct) => RunAsync(context, ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, CancellationToken cancellationToken)
    {
        var options = context.Configuration.GetSection(SampleHostOptions.Section).Get<SampleHostOptions>() ?? new SampleHostOptions();
        var problems = new List<string>();
        // Named as the operator sets them: unset, the SDK underneath would name its own keys (ZtStream:Endpoint, ZtStream:SourceKey).
        if (!ServiceAddresses.IsHttpUri(options.IngestUrl))
        {
            problems.Add($"Sample:IngestUrl must be Ingest's absolute http or https base URL, where the sample sends its events (got '{context.Configuration["Sample:IngestUrl"]}')");
        }
        else if (ServiceAddresses.ClearTextProblem("Sample:IngestUrl", options.IngestUrl, options.IngestAllowHttp, "Sample:IngestAllowHttp", ServiceAddresses.EndpointRisk) is { } ingestInClear)
        {
            // The SDK's own rule (docs/sdk.md), named by the sample's keys.
            problems.Add(ingestInClear);
        }

        if (options.RevocationFeedUrl is not null
            && ServiceAddresses.ClearTextProblem("Sample:RevocationFeedUrl", options.RevocationFeedUrl, options.RevocationFeedAllowHttp, "Sample:RevocationFeedAllowHttp", ServiceAddresses.FeedRisk) is { } feedInClear)
        {
            problems.Add(feedInClear);
        }

        if (options.SourceKeyFile is null)
        {
            problems.Add("Sample:SourceKeyFile is required: a file holding the sample's source key (ztstream sources add sample --key-file FILE)");
        }

        var key = ReadKey(options.SourceKeyFile, "Sample:SourceKeyFile", problems);
        var feedKey = ReadKey(options.RevocationFeedKeyFile, "Sample:RevocationFeedKeyFile", problems);

        // Where it listens, checked and said as run says it (an address that is no address, taken, HTTPS without a certificate).
        var urls = context.Configuration["Urls"] ?? "http://127.0.0.1:8090";
        var listening = new ConfigurationBuilder().AddConfiguration(context.Configuration).AddInMemoryCollection([new("Urls", urls)]).Build();
        problems.AddRange(ListenAddresses.Resolve(listening).Problems());
        if (problems.Count > 0)
        {
            return await CliCommandLine.FailAsync(context.Error, problems);
        }

        var app = Build(context.Configuration, options.IngestUrl, key, options.RevocationFeedUrl, urls, feedKey: feedKey, ingestAllowHttp: options.IngestAllowHttp, feedAllowHttp: options.RevocationFeedAllowHttp);
        await using (app)
        {
            try
            {
                if (await RunCommand.TryStartAsync(app, listening, context, cancellationToken) is { } failed)
                {
                    return failed;
                }
            }
            catch (OperationCanceledException)
            {
                return 0;
            }

            await context.Out.WriteLineAsync($"sample service listening on {string.Join(", ", app.Urls)}");
            await RunCommand.ServeUntilStoppedAsync(app, TimeSpan.FromSeconds(10), cancellationToken);
        }

        return 0;
    }

    private static string? ReadKey(string? file, string key, List<string> problems)
    {
        if (file is null)
        {
            return null;
        }

        if (UserFiles.ReadProblem(file, key, UserFiles.MaxKeyFileBytes) is { } problem)
        {
            problems.Add(problem);
            return null;
        }

        return UserFiles.ReadText(file, UserFiles.MaxKeyFileBytes).Trim();
    }

    /// <summary>The sample service wired to an Ingest and a revocation feed; also used in-process by the demo.</summary>
    internal static WebApplication Build(IConfiguration configuration, Uri? ingest, string? sourceKey, Uri? feed, string urls, bool issueTokens = false, string? feedKey = null, bool ingestAllowHttp = false, bool feedAllowHttp = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        var sdk = new Dictionary<string, string?>
        {
            ["ZtStream:Endpoint"] = ingest?.ToString(),
            ["ZtStream:SourceKey"] = sourceKey,
            ["ZtStream:AllowHttp"] = ingestAllowHttp ? "true" : null,
            ["ZtStream:Revocations:Feed"] = feed?.ToString(),
            ["ZtStream:Revocations:Key"] = feedKey,
            ["ZtStream:Revocations:AllowHttp"] = feedAllowHttp ? "true" : null,
            ["ZtStream:Workload:Id"] = "demo/sample-service",
            ["ZtStream:Workload:Name"] = "sample-service",
            ["ZtStream:Workload:Namespace"] = "demo",
            ["urls"] = urls,
        };
        if (issueTokens)
        {
            sdk["Sample:IssueTokens"] = "true";
        }

        builder.Configuration.AddInMemoryCollection(sdk);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // As for run: a start the SDK's options refuse is said once, as configuration errors, without the host's stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.WebHost.UseKestrelCore();
        // https:// addresses with the Kestrel section's certificates, as run serves them.
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.AddSampleService();
        var app = builder.Build();
        app.UseAuthentication();
        app.UseZtStreamSample();
        app.UseAuthorization();
        app.MapSampleEndpoints();
        return app;
    }
}
