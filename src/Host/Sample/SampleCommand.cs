using System.CommandLine;
using Microsoft.Extensions.Configuration;
using ZtStream.Host.Run;
using ZtStream.Platform.Hosting;
using ZtStream.SampleService;

namespace ZtStream.Host.Sample;

/// <summary>
/// <c>ztstream sample</c>: the SDK-instrumented sample service (JWT bearer, a few API routes) that the demo and
/// docker-compose run to show enforcement: its requests become access events, and a revoked token gets 401.
/// </summary>
internal sealed class SampleCommand : ICliCommand
{
    public Command Build()
    {
        var command = new Command("sample", "run the SDK-instrumented sample service (Sample:IngestUrl, Sample:SourceKeyFile, Sample:RevocationFeedUrl)");
        command.SetCliAction((_, context, ct) => RunAsync(context, ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, CancellationToken cancellationToken)
    {
        var options = context.Configuration.GetSection(SampleHostOptions.Section).Get<SampleHostOptions>() ?? new SampleHostOptions();
        var problems = new List<string>();
        string? key = null;
        if (options.SourceKeyFile is { } file)
        {
            if (File.Exists(file))
            {
                key = (await File.ReadAllTextAsync(file, cancellationToken)).Trim();
            }
            else
            {
                problems.Add($"Sample:SourceKeyFile: '{file}' does not exist");
            }
        }

        if (problems.Count > 0)
        {
            return await CliCommandLine.FailAsync(context.Error, problems);
        }

        var app = Build(context.Configuration, options.IngestUrl, key, options.RevocationFeedUrl, context.Configuration["Urls"] ?? "http://127.0.0.1:8090");
        await using (app)
        {
            await app.StartAsync(cancellationToken);
            await context.Out.WriteLineAsync($"sample service listening on {string.Join(", ", app.Urls)}");
            await RunCommand.ServeUntilStoppedAsync(app, TimeSpan.FromSeconds(10), cancellationToken);
        }

        return 0;
    }

    /// <summary>The sample service wired to an Ingest and a revocation feed; also used in-process by the demo.</summary>
    internal static WebApplication Build(IConfiguration configuration, Uri? ingest, string? sourceKey, Uri? feed, string urls, bool issueTokens = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        var sdk = new Dictionary<string, string?>
        {
            ["ZtStream:Endpoint"] = ingest?.ToString(),
            ["ZtStream:SourceKey"] = sourceKey,
            ["ZtStream:Revocations:Feed"] = feed?.ToString(),
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
        builder.WebHost.UseKestrelCore();
        builder.AddSampleService();
        var app = builder.Build();
        app.UseAuthentication();
        app.UseZtStreamSample();
        app.UseAuthorization();
        app.MapSampleEndpoints();
        return app;
    }
}
