using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ZtStream.Platform.Hosting;

namespace ZtStream.Host.Demo;

/// <summary>
/// <c>ztstream bench [--principals N] [--seed N] [--scenario LIST] [--memory]</c>: the whole embedded pipeline measured
/// end to end on the durable file log (<c>--memory</c>: the memory-only log; <c>--set EventLog:Fsync=os</c> etc. picks
/// the fsync policy) — a simulation sent through Ingest's HTTP endpoint as fast as it is acknowledged, scored by the Verifier,
/// acted on by the Responder. Its last line is one JSON object with the numbers.
/// </summary>
internal sealed class BenchCommand : ICliCommand
{
    public Command Build() => DemoSettings.CreateCommand(
        "bench", "measure the embedded pipeline end to end (HTTP ingest → scoring → response); prints one JSON line", RunAsync);

    private static async Task<int> RunAsync(DemoSettings parsed, CliContext context, CancellationToken cancellationToken)
    {
        // No pacing: attacks go in as soon as their turn comes.
        var settings = parsed with { Interval = TimeSpan.Zero, NoBrowser = true };
        var folder = Directory.CreateTempSubdirectory("ztstream-bench-");
        try
        {
            var embedded = await EmbeddedPipeline.StartAsync(folder.FullName, context, cancellationToken, settings.MemoryLog);
            if (embedded is null)
            {
                return CliCommandLine.UsageError;
            }

            await using (embedded)
            {
                var clock = Stopwatch.StartNew();
                var feed = new DemoFeed([embedded.BaseUrl], embedded.SourceKey, settings);
                using var monitor = new DemoMonitor(embedded, feed, TextWriter.Null, clock);
                feed.AttackStarting = monitor.OnAttackStarting;
                await feed.RunAsync(cancellationToken);
                var ingested = clock.Elapsed;

                // Drained when every attack has its alert, or nothing new arrives for a while.
                var deadline = clock.Elapsed + TimeSpan.FromSeconds(60);
                while (clock.Elapsed < deadline && monitor.AlertedAttacks < feed.AttacksByPrincipal.Count)
                {
                    await monitor.PollOnceAsync(cancellationToken);
                    await Task.Delay(100, cancellationToken);
                }

                await monitor.PollOnceAsync(cancellationToken);
                var drained = clock.Elapsed;
                var result = new JsonObject
                {
                    ["events"] = feed.EventsSent,
                    ["principals"] = settings.Principals,
                    ["event_log"] = settings.MemoryLog ? "memory" : "file",
                    ["fsync"] = settings.MemoryLog ? null : embedded.Services.GetRequiredService<ZtStream.Platform.Options.EventLogOptions>().Fsync,
                    ["ingest_seconds"] = Math.Round(ingested.TotalSeconds, 3),
                    ["ingest_events_per_second"] = Math.Round(feed.EventsSent / ingested.TotalSeconds, 0),
                    ["end_to_end_seconds"] = Math.Round(drained.TotalSeconds, 3),
                    ["end_to_end_events_per_second"] = Math.Round(feed.EventsSent / drained.TotalSeconds, 0),
                    ["attacks"] = feed.AttacksByPrincipal.Count,
                    ["attacks_alerted"] = monitor.AlertedAttacks,
                    ["summary"] = JsonNode.Parse(monitor.SummaryJson()),
                };
                await context.Out.WriteLineAsync(result.ToJsonString());
            }
        }
        finally
        {
            try
            {
                folder.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS.
            }
        }

        return 0;
    }
}
