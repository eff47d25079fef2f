using System.Collections.Concurrent;
using System.Net.Http.Headers;

namespace ZtStream.Host.Demo;

/// <summary>When an attack's first event went into Ingest, by wall clock, and on whom.</summary>
internal sealed record AttackStart(string Scenario, string Principal, DateTimeOffset SentAt);

/// <summary>
/// Plays a simulation into Ingest over HTTP, in event-time order, as fast as Ingest takes it — except that
/// each attack waits for its slot, so attacks arrive every <see cref="DemoSettings.Interval"/> of wall clock.
/// Event times stay the simulation's (a recent, already-past week), so the Verifier sees a consistent timeline.
/// </summary>
internal sealed class DemoFeed(IReadOnlyList<Uri> ingests, string sourceKey, DemoSettings settings)
{
    private const int BatchSize = 1_000;
    private readonly ConcurrentDictionary<string, AttackStart> attacks = new(StringComparer.Ordinal);
    private long sent;
    private long batches;

    /// <summary>Attacks started so far, by principal.</summary>
    public IReadOnlyDictionary<string, AttackStart> AttacksByPrincipal => attacks;

    public long EventsSent => Interlocked.Read(ref sent);

    public bool Finished { get; private set; }

    /// <summary>Called as an attack is about to be sent (before any of its events).</summary>
    public Action<AttackStart>? AttackStarting { get; set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", sourceKey);
        var clock = Stopwatch.StartNew();
        var simulator = new TrafficSimulator(new SimulationOptions
        {
            Principals = settings.Principals,
            Days = 3,
            Seed = settings.Seed,
            Scenarios = settings.Scenarios,
            Start = RecentMonday(DateTimeOffset.UtcNow, days: 3),
        });
        var batch = new List<AccessEvent>(BatchSize);
        var nextSlot = TimeSpan.Zero;
        foreach (var item in simulator.Generate())
        {
            if (item.Scenario is { } scenario && !attacks.Values.Any(a => a.Scenario == scenario))
            {
                // Everything before the attack goes first, then the attack waits for its slot.
                await SendAsync(http, batch, cancellationToken);
                var wait = nextSlot - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }

                var start = new AttackStart(scenario, item.Event.PrincipalKey, DateTimeOffset.UtcNow);
                AttackStarting?.Invoke(start);
                attacks[item.Event.PrincipalKey] = start;
                nextSlot = clock.Elapsed + settings.Interval;
            }

            batch.Add(item.Event);
            if (batch.Count == BatchSize || (item.Scenario is not null && batch.Count >= 50))
            {
                await SendAsync(http, batch, cancellationToken);
            }
        }

        await SendAsync(http, batch, cancellationToken);
        Finished = true;
    }

    /// <summary>Midnight UTC of the Monday that lets a <paramref name="days"/>-day simulation end before now.</summary>
    internal static DateTimeOffset RecentMonday(DateTimeOffset now, int days)
    {
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var monday = today.AddDays(-(((int)today.DayOfWeek + 6) % 7));
        while (monday.AddDays(days) > now)
        {
            monday = monday.AddDays(-7);
        }

        return monday;
    }

    private async Task SendAsync(HttpClient http, List<AccessEvent> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(batch, ContractsJsonContext.Default.ListAccessEvent);
        for (var attempt = 0; ; attempt++)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            // Batches go to the Ingest instances in turn; each is acknowledged before the next leaves, so a
            // principal's events stay in order across instances.
            var target = ingests[(int)(Interlocked.Increment(ref batches) % ingests.Count)];
            using var response = await http.PostAsync(new Uri(target, "/v1/events"), content, cancellationToken);
            if (response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests && attempt < 20)
            {
                // Back-pressure: wait as told, then send the same batch again.
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(200), cancellationToken);
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                var problem = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new HttpRequestException($"Ingest answered {(int)response.StatusCode}: {problem[..Math.Min(problem.Length, 300)]}");
            }

            break;
        }

        Interlocked.Add(ref sent, batch.Count);
        batch.Clear();
    }
}
