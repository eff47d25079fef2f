namespace ZtStream.Host.Demo;

/// <summary>
/// <c>ztstream simulate-feed --ingest URL[,URL…] --key-file FILE [--seed N] [--principals N] [--interval S] [--scenario LIST]</c>:
/// the demo's traffic (benign with an attack every few seconds) sent to running Ingest instances — what the
/// distributed docker-compose deployment uses in place of the embedded demo.
/// </summary>
internal sealed class SimulateFeedCommand : ICliCommand
{
    public Command Build()
    {
        var ingest = new Option<List<Uri>>("--ingest")
        {
            Description = "Ingest base URLs, comma-separated; events are spread over them",
            HelpName = "URL[,URL…]",
            Required = true,
            Arity = ArgumentArity.ExactlyOne,
            CustomParser = result =>
            {
                var urls = new List<Uri>();
                foreach (var u in result.Tokens[^1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (HttpUrls.TryParse(u, out var uri))
                    {
                        urls.Add(uri);
                    }
                    else
                    {
                        result.AddError($"--ingest: '{u}' is not an http(s) URL");
                    }
                }

                return urls;
            },
        };
        var keyFile = new Option<string>("--key-file") { Description = "file holding the source key to send with", HelpName = "FILE", Required = true };
        var command = new Command("simulate-feed", "send simulated traffic with paced attacks to running Ingest instances (--ingest URLS --key-file FILE)") { ingest, keyFile };
        var settings = DemoSettings.AddOptions(command);
        command.SetCliAction((parsed, context, ct) => RunAsync(parsed, parsed.GetValue(ingest)!, parsed.GetValue(keyFile)!, settings(parsed), context, ct));
        return command;
    }

    private static async Task<int> RunAsync(
        ParseResult parsed, List<Uri> ingests, string keyFile, DemoSettings settings, CliContext context, CancellationToken cancellationToken)
    {
        var keyProblem = UserFiles.ReadProblem(keyFile, "--key-file", UserFiles.MaxKeyFileBytes);
        if (ingests.Count == 0 || keyProblem is not null)
        {
            return await CliCommandLine.UsageAsync(context.Error, parsed, ingests.Count == 0 ? ["--ingest URL is required"] : [keyProblem!]);
        }

        var key = UserFiles.ReadText(keyFile, UserFiles.MaxKeyFileBytes).Trim();
        var feed = new DemoFeed(ingests, key, settings);
        using var stop = settings.StopAfterDuration(cancellationToken);
        var exitCode = 0;
        try
        {
            await feed.RunAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
            // Duration reached or Ctrl-C.
        }
        catch (HttpRequestException e)
        {
            // Ingest down, unreachable, or refusing the key or its events: one line, not a stack trace.
            await context.ErrorAsync($"feeding Ingest failed: {e.Message}");
            exitCode = 1;
        }

        await context.Out.WriteLineAsync($"simulate-feed: sent {feed.EventsSent} events, {feed.AttacksByPrincipal.Count} attacks");
        return exitCode;
    }
}
