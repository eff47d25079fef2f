using ZtStream.Host.Cli;
using ZtStream.Platform.Hosting;

namespace ZtStream.Host.Demo;

/// <summary>
/// <c>ztstream simulate-feed --ingest URL[,URL…] --key-file FILE [--seed N] [--principals N] [--interval S] [--scenario LIST]</c>:
/// the demo's traffic (benign with an attack every few seconds) sent to running Ingest instances — what the
/// distributed docker-compose deployment uses in place of the embedded demo.
/// </summary>
internal sealed class SimulateFeedCommand : ICliCommand
{
    public string Name => "simulate-feed";

    public string Summary => "send simulated traffic with paced attacks to running Ingest instances (--ingest URLS --key-file FILE)";

    public async Task<int> RunAsync(IReadOnlyList<string> args, CliContext context, CancellationToken cancellationToken)
    {
        var rest = new List<string>();
        var ingests = new List<Uri>();
        string? keyFile = null;
        var problems = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--ingest" when i + 1 < args.Count:
                    foreach (var u in args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (Uri.TryCreate(u, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
                        {
                            ingests.Add(uri);
                        }
                        else
                        {
                            problems.Add($"--ingest: '{u}' is not an http(s) URL");
                        }
                    }

                    break;
                case "--key-file" when i + 1 < args.Count:
                    keyFile = args[++i];
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        var (settings, settingProblems) = DemoSettings.Parse(rest);
        problems.AddRange(settingProblems);
        if (ingests.Count == 0)
        {
            problems.Add("--ingest URL is required");
        }

        if (keyFile is null)
        {
            problems.Add("--key-file FILE is required");
        }
        else if (!File.Exists(keyFile))
        {
            problems.Add($"--key-file: '{keyFile}' does not exist");
        }

        if (problems.Count > 0)
        {
            foreach (var p in problems)
            {
                await context.Error.WriteLineAsync($"simulate-feed: {p}");
            }

            return ZtStreamCli.UsageError;
        }

        var key = (await File.ReadAllTextAsync(keyFile!, cancellationToken)).Trim();
        var feed = new DemoFeed(ingests, key, settings);
        try
        {
            await feed.RunAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        await context.Out.WriteLineAsync($"simulate-feed: sent {feed.EventsSent} events, {feed.AttacksByPrincipal.Count} attacks");
        return 0;
    }
}
