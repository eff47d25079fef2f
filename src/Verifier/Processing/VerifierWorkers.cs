namespace ZtStream.Verifier.Processing;

/// <summary>
/// The Verifier role in one process: <c>Verifier:Workers</c> members of consumer group <c>zt-verifier</c>, each a
/// <see cref="VerifierWorker"/> with its own loop, engines, model and <see cref="StateBudget"/> (an even share of the
/// process's caps). One loop scores about one core's worth of events; the group splits the partitions over the
/// workers exactly as it splits them over processes, so N workers decide what N processes decide: no engine state is
/// shared between loops, and cross-partition links (runtime taints, bindings) go through the log as between processes.
/// </summary>
internal sealed class VerifierWorkers : IHostedLifecycleService, IDisposable
{
    private readonly VerifierWorker[] workers;
    private Task? stopped;

    public VerifierWorkers(
        IEventLog log,
        CheckpointStore checkpoints,
        IOptions<VerifierOptions> options,
        TimeProvider time,
        ILogger<VerifierWorker> logger,
        RuleSetHolder? rules = null,
        VerifierTelemetry? telemetry = null,
        VerifierTopics? topics = null,
        CheckpointHealth? checkpointHealth = null,
        EventLogOptions? eventLog = null)
    {
        var o = options.Value;
        workers = new VerifierWorker[o.Workers];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = new VerifierWorker(log, checkpoints, options, time, logger, topics, rules, budget: Share(o, o.Workers), telemetry: telemetry, checkpointHealth, eventLog);
        }
    }

    public IReadOnlyList<VerifierWorker> Workers => workers;

    /// <summary>Events scored by every worker since they started.</summary>
    public long EventsScored
    {
        get
        {
            var sum = 0L;
            foreach (var w in workers)
            {
                sum += w.EventsScored;
            }

            return sum;
        }
    }

    /// <summary>
    /// Called after each record is scored, on the loop of the worker that scored it: with several workers, from
    /// several threads at once (<c>ztstream bench</c>'s monitor counts with interlocked operations).
    /// </summary>
    internal Action<ConsumedRecord, ScoreResult>? RecordScored
    {
        set
        {
            foreach (var w in workers)
            {
                w.RecordScored = value;
            }
        }
    }

    /// <summary>The caps each worker keeps: the process's <c>MaxPrincipals</c> and <c>MaxOpenAlerts</c> split evenly (rounded up).</summary>
    internal static StateBudget Share(VerifierOptions options, int workers) =>
        new(Ceiling(options.MaxPrincipals, workers), Ceiling(options.MaxOpenAlerts, workers), options.ParkMinEvents);

    /// <summary>Principals held and the size of their checkpointed state, over every worker's partitions (<c>ztstream bench</c>).</summary>
    internal async Task<(int Principals, long CheckpointBytes)> MeasureStateAsync(CancellationToken cancellationToken)
    {
        var principals = 0;
        var bytes = 0L;
        foreach (var w in workers)
        {
            var (p, b) = await w.MeasureStateAsync(cancellationToken);
            principals += p;
            bytes += b;
        }

        return (principals, bytes);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var w in workers)
        {
            await w.StartAsync(cancellationToken);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Stops the workers before the host stops any service: the web server is stopped first and waits for its requests
    /// until the stop's deadline, so a request that hangs (a client sending its body slowly, an append waiting for the
    /// log) would otherwise leave the workers only a cancelled token, and the checkpoints of what they scored since the
    /// last one would be lost — re-scored after the restart, with the same alert ids, but re-scored.
    /// </summary>
    public Task StoppingAsync(CancellationToken cancellationToken) => StopAsync(cancellationToken);

    /// <summary>
    /// Stops every worker at once, the first call only: all leave the group together, so no partition is handed to a
    /// worker that is itself stopping; each checkpoints the partitions it holds.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (workers)
        {
            return stopped ??= Task.WhenAll(workers.Select(w => w.StopAsync(cancellationToken)));
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var w in workers)
        {
            w.Dispose();
        }
    }

    private static int Ceiling(int total, int parts) => (total + parts - 1) / parts;
}
