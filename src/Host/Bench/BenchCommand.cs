using System.Net.Security;

namespace ZtStream.Host.Bench;

/// <summary>
/// <c>ztstream bench</c>: the whole embedded pipeline measured end to end on the durable file log (<c>--memory</c>: the
/// memory-only log; <c>--set EventLog:Fsync=os</c> etc. picks the fsync policy). A simulation is serialised up front,
/// then sent by <c>--clients</c> concurrent keep-alive connections — first to a minimal parse-and-discard endpoint in
/// this process (the baseline), then through Ingest's HTTP endpoint, scored by the Verifier and acted on by the
/// Responder. Its last line is one JSON object with the numbers (docs/benchmarks.md says what each one means).
/// </summary>
internal sealed class BenchCommand : ICliCommand
{
    private const string BenchSource = "bench";
    private static readonly TimeSpan SettledFor = TimeSpan.FromSeconds(1);

    public Command Build()
    {
        var command = new Command("bench", "measure the embedded pipeline end to end (HTTP ingest → scoring → response) against a parse-only baseline; prints one JSON line");
        var settings = BenchSettings.AddOptions(command);
        command.SetCliAction((parsed, context, ct) => RunAsync(settings(parsed), context, ct));
        return command;
    }

    private static async Task<int> RunAsync(BenchSettings settings, CliContext context, CancellationToken cancellationToken)
    {
        var load = BenchLoad.Create(settings, context.Time.GetUtcNow());
        var warmup = settings.Warmup > 0 ? BenchLoad.CreateWarmup(settings, context.Time.GetUtcNow()) : null;
        await context.ErrorAsync(string.Create(CultureInfo.InvariantCulture,
            $"{load.Events} events of {settings.Principals} principals ({load.Attacks} attacks) in {load.Clients.Sum(c => c.Count)} batches over {settings.Clients} client(s)"));
        using var certificate = settings.Http2 ? SelfSigned() : null;
        var loadAverage = LoadAverage();

        // The baseline first: the same client and batches against an endpoint that only parses them.
        // Every listener takes port 0, a port the kernel picks as it binds: a port probed free and bound later can be
        // taken in between (by another bench starting at the same moment), which would end the run without a result.
        BenchPhase baseline;
        await using (var server = await BaselineServer.StartAsync($"{(certificate is null ? "http" : "https")}://127.0.0.1:0", certificate, cancellationToken))
        {
            var target = new Uri(new Uri(server.Urls.First()), BaselineServer.Path);
            if (warmup is not null)
            {
                await new BenchClients(settings, "baseline", () => Handler(certificate)).RunAsync(warmup, target, cancellationToken);
            }

            var clients = new BenchClients(settings, "baseline", () => Handler(certificate));
            baseline = await BenchPhase.MeasureAsync(() => clients.RunAsync(load, target, cancellationToken), () => clients.Acknowledged);
        }

        using var folder = ScratchFolder.Create("ztstream-bench-");
        var pipelineUrls = certificate is null ? "http://127.0.0.1:0" : "http://127.0.0.1:0;https://127.0.0.1:0";
        var (embedded, exitCode) = await EmbeddedPipeline.StartAsync(folder.Path, context, cancellationToken, settings.MemoryLog, BenchSource, pipelineUrls, certificate);
        if (embedded is null)
        {
            return exitCode;
        }

        await using (embedded)
        {
            return await RunPipelineAsync(settings, context, load, warmup, embedded, baseline, certificate, loadAverage, cancellationToken);
        }
    }

    private static async Task<int> RunPipelineAsync(
        BenchSettings settings, CliContext context, BenchLoad load, BenchLoad? warmup, EmbeddedPipeline embedded, BenchPhase baseline, X509Certificate2? certificate, double? loadAverage, CancellationToken cancellationToken)
    {
        var verifier = embedded.Services.GetRequiredService<VerifierWorkers>();
        var ingest = embedded.Urls.FirstOrDefault(u => u.Scheme == (certificate is null ? "http" : "https")) ?? embedded.BaseUrl;
        var endpoint = new Uri(ingest, "/v1/events");
        if (warmup is not null)
        {
            // The warm-up takes the run's whole path, attacks and their responses included (alert, action, revocation
            // feed, the SDK refusing the token), so that nothing the run does is compiled while the clock runs.
            using var warming = new BenchMonitor(embedded, BenchSource, context.Time);
            var warmingClients = new BenchClients(settings with { Duration = null }, embedded.SourceKey, () => Handler(certificate)) { AttackStarting = warming.OnAttackStarting, AttackAcknowledged = warming.OnAttackAcknowledged };
            await DrainAsync(warming, warmingClients, () => warmingClients.RunAsync(warmup, endpoint, cancellationToken), Stopwatch.StartNew(), cancellationToken);
        }

        using var monitor = new BenchMonitor(embedded, BenchSource, context.Time);
        var clients = new BenchClients(settings, embedded.SourceKey, () => Handler(certificate)) { AttackStarting = monitor.OnAttackStarting, AttackAcknowledged = monitor.OnAttackAcknowledged };
        var (principalsBefore, _) = await verifier.MeasureStateAsync(cancellationToken);

        // What the process holds before the run, so that what it holds after is the Verifier's state (and the rest of
        // the pipeline's working set) for these principals.
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var started = context.Time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        var cpuBefore = ProcessCpu();
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var gcBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var cpu = TimeSpan.Zero;
        var allocated = 0L;
        var collections = new JsonObject();

        // Read the moment the run is drained, before the monitor's last poll and the probes' teardown.
        var ingested = await DrainAsync(monitor, clients, () => clients.RunAsync(load, endpoint, cancellationToken), clock, cancellationToken, drained: () =>
        {
            cpu = ProcessCpu() - cpuBefore;
            allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
            collections["gen0"] = GC.CollectionCount(0) - gcBefore.Item1;
            collections["gen1"] = GC.CollectionCount(1) - gcBefore.Item2;
            collections["gen2"] = GC.CollectionCount(2) - gcBefore.Item3;
        });
        monitor.Finish();
        var endToEnd = (monitor.LastScoredAt ?? context.Time.GetUtcNow()) - started;
        var (principalsAfter, checkpointBytes) = await verifier.MeasureStateAsync(cancellationToken);
        var principals = principalsAfter - principalsBefore;
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(load);

        var acknowledged = clients.Acknowledged;
        var scoredTotal = monitor.Scored;
        var result = new JsonObject
        {
            ["events"] = load.Events,
            ["principals"] = settings.Principals,
            ["clients"] = settings.Clients,
            ["http"] = settings.Http2 ? "2" : "1.1",
            ["batch"] = settings.BatchSize,
            ["event_log"] = settings.MemoryLog ? "memory" : "file",
            ["fsync"] = settings.MemoryLog ? null : embedded.Services.GetRequiredService<EventLogOptions>().Fsync,
            ["load_average"] = loadAverage,
            ["processors"] = Environment.ProcessorCount,
            ["baseline_events_per_second"] = Math.Round(baseline.EventsPerSecond, 0),
            ["baseline_cpu_seconds_per_million_events"] = Math.Round(baseline.CpuSecondsPerMillion, 3),
            ["ingest_seconds"] = Math.Round(ingested.TotalSeconds, 3),
            ["ingest_events_per_second"] = Math.Round(acknowledged / ingested.TotalSeconds, 0),
            ["end_to_end_seconds"] = Math.Round(endToEnd.TotalSeconds, 3),
            ["end_to_end_events_per_second"] = Math.Round(scoredTotal / endToEnd.TotalSeconds, 0),
            ["end_to_end_to_baseline"] = baseline.EventsPerSecond > 0 ? Math.Round(scoredTotal / endToEnd.TotalSeconds / baseline.EventsPerSecond, 3) : null,
            ["acknowledged"] = acknowledged,
            ["scored"] = scoredTotal,
            ["lost"] = Math.Max(0, acknowledged - scoredTotal),
            ["redelivered"] = monitor.Duplicates,
            ["alerts"] = monitor.Alerts,
            ["ingest_retries"] = clients.Retries,
            ["cpu_seconds"] = Math.Round(cpu.TotalSeconds, 3),
            ["cpu_seconds_per_million_events"] = acknowledged > 0 ? Math.Round(cpu.TotalSeconds * 1_000_000 / acknowledged, 3) : null,
            ["allocated_bytes_per_event"] = acknowledged > 0 ? Math.Round((double)allocated / acknowledged, 0) : null,
            ["gc_collections"] = collections,
            ["peak_rss_bytes"] = PeakRss(),
            ["warmup_events"] = warmup?.Events ?? 0,
            ["load_average_end"] = LoadAverage(),
            ["verifier_principals"] = principals,
            ["verifier_bytes_per_principal"] = principals > 0 ? Math.Round((double)(heapAfter - heapBefore) / principals, 0) : null,
            ["verifier_checkpoint_bytes_per_principal"] = principals > 0 ? Math.Round((double)checkpointBytes / principals, 0) : null,
            ["stage_latency_ms"] = new JsonObject
            {
                ["ingest_ack"] = clients.RequestLatency.ToJson(),
                ["log_to_verifier"] = monitor.LogToVerifier.ToJson(),
                ["verifier_to_alert"] = monitor.VerifierToAlert.ToJson(),
                ["alert_to_action_done"] = monitor.AlertToActionDone.ToJson(),
                ["action_to_sdk_refusal"] = monitor.ActionToRefusal.ToJson(),
            },
            ["time_to_alert_ms"] = monitor.TimeToAlert.ToJson(),
            ["time_to_enforcement_ms"] = monitor.TimeToEnforcement.ToJson(),
            ["attack_stage_latency_ms"] = monitor.AttackStages.ToJson(),
            ["thread_pool_delay_ms"] = monitor.ThreadPoolDelay.ToJson(),
            ["attacks"] = monitor.AttacksStarted,
            ["attacks_alerted"] = monitor.AttacksAlerted,
            ["attacks_enforced"] = monitor.AttacksEnforced,
            ["probe_errors"] = monitor.ProbeErrors,
            ["detected"] = monitor.Detected(),
        };
        await context.Out.WriteLineAsync(result.ToJsonString());
        return 0;
    }

    /// <summary>
    /// Sends a load and waits until it is drained: every acknowledged event scored, every attack alerted and every
    /// revocation refused by the SDK, all of it for a second on end — or scoring makes no progress for 60 s, or the
    /// attacks are not settled 30 s after it finished. <paramref name="drained"/> runs when it first looks settled (again
    /// if it did not stay so) or at the timeout, before the last poll and the probes' teardown.
    /// Returns how long the sending took on <paramref name="clock"/>.
    /// </summary>
    private static async Task<TimeSpan> DrainAsync(BenchMonitor monitor, BenchClients clients, Func<Task> send, Stopwatch clock, CancellationToken cancellationToken, Action? drained = null)
    {
        using var polling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var poller = PollUntilCancelledAsync(monitor, polling.Token);
        await send();
        var sent = clock.Elapsed;
        var lastProgress = clock.Elapsed;
        var lastScored = -1L;
        TimeSpan? allScored = null;
        TimeSpan? settledSince = null;
        while (true)
        {
            var scored = monitor.Scored;
            if (scored != lastScored)
            {
                lastScored = scored;
                lastProgress = clock.Elapsed;
            }

            if (allScored is null && scored >= clients.Acknowledged)
            {
                allScored = clock.Elapsed;
            }

            // Settled must hold for a second: an alert is stored a commit before the policy's actions for it, and a
            // poll between the two would end the drain with an action about to be decided.
            // The run's figures are read the moment it first looks settled, so the second's wait costs them nothing.
            var settled = allScored is not null && monitor.Settled;
            if (settled && settledSince is null)
            {
                drained?.Invoke();
            }

            settledSince = settled ? settledSince ?? clock.Elapsed : null;
            if (clock.Elapsed - settledSince >= SettledFor)
            {
                break;
            }

            if (clock.Elapsed - lastProgress > TimeSpan.FromSeconds(60) || clock.Elapsed - allScored > TimeSpan.FromSeconds(30))
            {
                drained?.Invoke();
                break;
            }

            await Task.Delay(20, cancellationToken);
        }

        await polling.CancelAsync();
        await poller;
        await monitor.PollAsync(cancellationToken);
        await monitor.StopProbesAsync();
        return sent;
    }

    private static async Task PollUntilCancelledAsync(BenchMonitor monitor, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(100, cancellationToken);
                await monitor.PollAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    private static SocketsHttpHandler Handler(X509Certificate2? certificate)
    {
        var handler = new SocketsHttpHandler
        {
            // One keep-alive connection per client: concurrency comes from the number of clients.
            MaxConnectionsPerServer = 1,
            EnableMultipleHttp2Connections = false,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
        };
        if (certificate is not null)
        {
            var thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                // The bench's own throwaway certificate, and nothing else.
                RemoteCertificateValidationCallback = (_, remote, _, _) => remote is not null && remote.GetCertHashString(HashAlgorithmName.SHA256) == thumbprint,
            };
        }

        return handler;
    }

    /// <summary>A throwaway server certificate for 127.0.0.1 (also the TLS listener of the HTTP error tests).</summary>
    internal static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    private static TimeSpan ProcessCpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private static long PeakRss()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }

    /// <summary>The 1-minute load average (Linux), so every number is recorded with how busy the machine was.</summary>
    private static double? LoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Events per second and CPU time per event of one phase.</summary>
    private sealed record BenchPhase(double EventsPerSecond, double CpuSecondsPerMillion)
    {
        public static async Task<BenchPhase> MeasureAsync(Func<Task> run, Func<long> events)
        {
            var cpu = ProcessCpu();
            var clock = Stopwatch.StartNew();
            await run();
            var elapsed = clock.Elapsed.TotalSeconds;
            var used = (ProcessCpu() - cpu).TotalSeconds;
            var count = events();
            return new BenchPhase(count / elapsed, count > 0 ? used * 1_000_000 / count : 0);
        }
    }
}
