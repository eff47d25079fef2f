namespace ZtStream.Host.Demo;

/// <summary>
/// <c>ztstream demo</c>: every role with embedded defaults, the simulator feeding benign traffic with an attack
/// every few seconds, and a live line per alert and action until the duration ends or Ctrl-C.
/// </summary>
internal sealed class DemoCommand : ICliCommand
{
    public Command Build() => DemoSettings.CreateCommand(
        "demo", "run everything embedded with simulated traffic and live attacks; prints alerts and actions as they happen", RunAsync);

    private static async Task<int> RunAsync(DemoSettings settings, CliContext context, CancellationToken cancellationToken)
    {
        using var folder = ScratchFolder.Create("ztstream-demo-");
        return await RunDemoAsync(settings, folder.Path, context, cancellationToken);
    }

    private static async Task<int> RunDemoAsync(DemoSettings settings, string folder, CliContext context, CancellationToken cancellationToken)
    {
        var (embedded, exitCode) = await EmbeddedPipeline.StartAsync(folder, context, cancellationToken, settings.MemoryLog);
        if (embedded is null)
        {
            return exitCode;
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

            using var stop = settings.StopAfterDuration(cancellationToken);

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
                await context.ErrorAsync($"feeding Ingest failed: {e.Message}");
            }

            await monitor.PollOnceAsync(CancellationToken.None);
            await monitor.DrainAsync();
            await o.WriteLineAsync();
            await o.WriteLineAsync(monitor.SummaryJson());
        }

        return 0;
    }
}
