using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using ZtStream.Host.Cli;
using ZtStream.Host.Run;
using ZtStream.Ingest.Sources.Credentials;
using ZtStream.Platform.Hosting;
using ZtStream.Responder.Isolation;
using ZtStream.Verifier.Simulation;

namespace ZtStream.Host.Demo;

/// <summary>
/// <c>ztstream demo</c>: every role with embedded defaults, the simulator feeding benign traffic with an attack
/// every few seconds, and a live line per alert and action until the duration ends or Ctrl-C.
/// </summary>
internal sealed class DemoCommand : ICliCommand
{
    private const string Usage = "usage: ztstream demo [--no-browser] [--duration SECONDS] [--seed N] [--scenario NAME] [--principals N] [--interval SECONDS] [--urls URL] [--memory]";

    public string Name => "demo";

    public string Summary => "run everything embedded with simulated traffic and live attacks; prints alerts and actions as they happen";

    public async Task<int> RunAsync(IReadOnlyList<string> args, CliContext context, CancellationToken cancellationToken)
    {
        var (settings, problems) = DemoSettings.Parse(args);
        if (problems.Count > 0)
        {
            foreach (var p in problems)
            {
                await context.Error.WriteLineAsync($"demo: {p}");
            }

            await context.Error.WriteLineAsync(Usage);
            return ZtStreamCli.UsageError;
        }

        var folder = Directory.CreateTempSubdirectory("ztstream-demo-");
        try
        {
            return await RunDemoAsync(settings, folder.FullName, context, cancellationToken);
        }
        finally
        {
            try
            {
                folder.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A file still held open at exit is left for the OS to clean; the demo's result stands.
            }
        }
    }

    private static async Task<int> RunDemoAsync(DemoSettings settings, string folder, CliContext context, CancellationToken cancellationToken)
    {
        var embedded = await EmbeddedPipeline.StartAsync(settings, folder, context, cancellationToken);
        if (embedded is null)
        {
            return ZtStreamCli.UsageError;
        }

        await using (embedded)
        {
            var baseUrl = embedded.BaseUrl;
            var o = context.Out;
            await o.WriteLineAsync($"ZtStream demo — all roles embedded at {baseUrl}");
            await o.WriteLineAsync($"  console:  {new Uri(baseUrl, "/console/")}   sign in with token {embedded.ConsoleToken}");
            await o.WriteLineAsync($"  feed:     {new Uri(baseUrl, "/v1/revocations")}   audit: {new Uri(baseUrl, "/v1/audit")}");
            await o.WriteLineAsync($"  sample:   {embedded.SampleUrl} (SDK-instrumented; each attacked principal's token is tried there after its revocation)");
            await o.WriteLineAsync($"  traffic:  {settings.Principals} simulated principals, seed {settings.Seed}, an attack every {settings.Interval.TotalSeconds:0.#} s ({string.Join(", ", settings.Scenarios)})");
            if (!settings.NoBrowser)
            {
                await o.WriteLineAsync("  (open the console address in a browser; --no-browser hides this hint)");
            }

            await o.WriteLineAsync();

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (settings.Duration is { } duration)
            {
                stop.CancelAfter(duration);
            }

            var clock = Stopwatch.StartNew();
            var feed = new DemoFeed([baseUrl], embedded.SourceKey, settings);
            using var monitor = new DemoMonitor(embedded, feed, o, clock);
            feed.AttackStarting = monitor.OnAttackStarting;
            var feeding = feed.RunAsync(stop.Token);
            var watching = monitor.RunAsync(stop.Token);
            try
            {
                await Task.WhenAll(feeding, watching);
            }
            catch (OperationCanceledException)
            {
                // Duration reached or Ctrl-C.
            }
            catch (HttpRequestException e)
            {
                await context.Error.WriteLineAsync($"demo: feeding Ingest failed: {e.Message}");
            }

            await monitor.PollOnceAsync(CancellationToken.None);
            await monitor.DrainAsync();
            await o.WriteLineAsync();
            await o.WriteLineAsync(monitor.SummaryJson());
        }

        return 0;
    }
}

/// <summary>The demo's command-line options.</summary>
internal sealed record DemoSettings(bool NoBrowser, TimeSpan? Duration, int Seed, IReadOnlyList<string> Scenarios, int Principals, TimeSpan Interval, string? Urls)
{
    /// <summary><c>--memory</c>: the memory-only event log instead of the durable file log (to measure the log's share).</summary>
    public bool MemoryLog { get; init; }


    public static (DemoSettings Settings, List<string> Problems) Parse(IReadOnlyList<string> args)
    {
        var problems = new List<string>();
        bool noBrowser = false;
        TimeSpan? duration = null;
        int seed = 7, principals = 60;
        var interval = TimeSpan.FromSeconds(4);
        string? urls = null;
        var memoryLog = false;
        IReadOnlyList<string> scenarios = ZtStream.Verifier.Simulation.Scenarios.All;
        for (var i = 0; i < args.Count; i++)
        {
            string? Next()
            {
                if (i + 1 < args.Count)
                {
                    return args[++i];
                }

                problems.Add($"{args[i]} needs a value");
                return null;
            }

            switch (args[i])
            {
                case "--no-browser":
                    noBrowser = true;
                    break;
                case "--duration":
                    if (Next() is { } d)
                    {
                        if (double.TryParse(d, CultureInfo.InvariantCulture, out var s) && s > 0)
                        {
                            duration = TimeSpan.FromSeconds(s);
                        }
                        else
                        {
                            problems.Add($"--duration: '{d}' is not a positive number of seconds");
                        }
                    }

                    break;
                case "--seed":
                    if (Next() is { } sd && !int.TryParse(sd, CultureInfo.InvariantCulture, out seed))
                    {
                        problems.Add($"--seed: '{sd}' is not an integer");
                    }

                    break;
                case "--principals":
                    if (Next() is { } pr && (!int.TryParse(pr, CultureInfo.InvariantCulture, out principals) || principals < 20 || principals > 5_000))
                    {
                        problems.Add($"--principals: '{pr}' is not an integer from 20 to 5000");
                    }

                    break;
                case "--interval":
                    if (Next() is { } iv)
                    {
                        if (double.TryParse(iv, CultureInfo.InvariantCulture, out var s) && s >= 0)
                        {
                            interval = TimeSpan.FromSeconds(s);
                        }
                        else
                        {
                            problems.Add($"--interval: '{iv}' is not a number of seconds");
                        }
                    }

                    break;
                case "--scenario":
                case "--scenarios":
                    if (Next() is { } sc)
                    {
                        scenarios = ZtStream.Verifier.Simulation.Scenarios.Parse(sc, out var unknown);
                        foreach (var u in unknown)
                        {
                            problems.Add($"unknown scenario '{u}' (known: {string.Join(", ", ZtStream.Verifier.Simulation.Scenarios.All)})");
                        }
                    }

                    break;
                case "--urls":
                    urls = Next();
                    break;
                case "--memory":
                    memoryLog = true;
                    break;
                default:
                    problems.Add($"unknown argument '{args[i]}'");
                    break;
            }
        }

        return (new DemoSettings(noBrowser, duration, seed, scenarios, principals, interval, urls) { MemoryLog = memoryLog }, problems);
    }
}
