using ZtStream.Verifier.Baselines;

namespace ZtStream.Host.Bench;

/// <summary>An attack whose first event is in a batch.</summary>
internal sealed record AttackMark(string Scenario, string Principal);

/// <summary>One request body, serialised before the clock starts, and the attacks that begin in it.</summary>
internal sealed record BenchBatch(byte[] Body, int Events, IReadOnlyList<AttackMark> Attacks);

/// <summary>
/// The simulated traffic of a bench run, serialised up front into one list of batches per client so that sending
/// costs the client nothing but the write. Principals are split between clients by a stable hash of the principal,
/// and each client sends its batches one after another, so every principal's events reach Ingest in order.
/// </summary>
internal sealed class BenchLoad(IReadOnlyList<BenchBatch>[] clients, long events, int attacks)
{
    private const int WarmupPrincipals = 200;

    /// <summary>About what a simulated day of <see cref="WarmupPrincipals"/> principals sends.</summary>
    private const int WarmupEventsPerDay = 11_000;

    /// <summary>Batches per client, in sending order.</summary>
    public IReadOnlyList<BenchBatch>[] Clients { get; } = clients;

    public long Events { get; } = events;

    public int Attacks { get; } = attacks;

    public static BenchLoad Create(BenchSettings settings, DateTimeOffset now) => Create(settings, new SimulationOptions
    {
        Principals = settings.Principals,
        Days = settings.Days,
        Seed = settings.Seed,
        Scenarios = settings.Scenarios,
        Start = Demo.DemoFeed.RecentMonday(now, settings.Days),
    }, settings.Events, static e => e with { Source = null });

    /// <summary>
    /// Traffic of other principals (every id and workload name prefixed <c>warmup-</c>, another seed) that runs the
    /// pipeline's whole path before the clock starts — every attack scenario included, so alerts, actions, the revocation
    /// feed and the SDK's refusal are compiled too — and the run measures steady state rather than the JIT compiling
    /// it. Whole simulated days (the attacks fall in a day's span, so the traffic is not cut), as many as send about
    /// <see cref="BenchSettings.Warmup"/> events.
    /// </summary>
    public static BenchLoad CreateWarmup(BenchSettings settings, DateTimeOffset now)
    {
        var days = (int)Math.Clamp(Math.Ceiling(settings.Warmup / (double)WarmupEventsPerDay), 2, 30);
        return Create(settings, new SimulationOptions
        {
            Principals = Math.Min(settings.Principals, WarmupPrincipals),
            Days = days,
            Seed = settings.Seed + 1,
            Scenarios = settings.Scenarios,
            Start = Demo.DemoFeed.RecentMonday(now, days),
        }, null, static e => e with
        {
            Source = null,
            Id = Warm(e.Id),
            Subject = e.Subject is { } s ? s with { Id = Warm(s.Id) } : null,
            Workload = e.Workload is { } w ? w with { Id = Warm(w.Id), Name = w.Name is { } name ? Warm(name) : null } : null,
            Token = e.Token is { BoundWorkload: { } bound } t ? t with { BoundWorkload = Warm(bound) } : e.Token,
        });
    }

    private static string Warm(string id) => "warmup-" + id;

    private static BenchLoad Create(BenchSettings settings, SimulationOptions options, long? limit, Func<AccessEvent, AccessEvent> map)
    {
        var simulator = new TrafficSimulator(options);
        var pending = new List<AccessEvent>[settings.Clients];
        var marks = new List<AttackMark>[settings.Clients];
        var batches = new List<BenchBatch>[settings.Clients];
        for (var i = 0; i < settings.Clients; i++)
        {
            pending[i] = new List<AccessEvent>(settings.BatchSize);
            marks[i] = [];
            batches[i] = [];
        }

        var scenarios = new HashSet<string>(StringComparer.Ordinal);
        long events = 0;
        foreach (var item in simulator.Generate())
        {
            if (limit is { } max && events >= max)
            {
                break;
            }

            // As a sender sends them: without a source, which Ingest stamps from the credential.
            var e = map(item.Event);
            var client = (int)(StableHash.Of(e.PrincipalKey) % (ulong)settings.Clients);
            if (item.Scenario is { } scenario && scenarios.Add(scenario))
            {
                marks[client].Add(new AttackMark(scenario, e.PrincipalKey));
            }

            pending[client].Add(e);
            events++;
            if (pending[client].Count == settings.BatchSize)
            {
                Flush(client);
            }
        }

        for (var i = 0; i < settings.Clients; i++)
        {
            Flush(i);
        }

        return new BenchLoad(batches, events, scenarios.Count);

        void Flush(int client)
        {
            if (pending[client].Count == 0)
            {
                return;
            }

            var body = JsonSerializer.SerializeToUtf8Bytes(pending[client], ContractsJsonContext.Default.ListAccessEvent);
            batches[client].Add(new BenchBatch(body, pending[client].Count, [.. marks[client]]));
            pending[client].Clear();
            marks[client].Clear();
        }
    }
}
