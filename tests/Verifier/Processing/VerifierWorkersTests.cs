namespace ZtStream.Verifier.Tests.Processing;

/// <summary>
/// <c>Verifier:Workers</c> > 1: several members of the Verifier's consumer group in one process, over the durable
/// file log, as a restart meets them (a new log over the same folder, new workers over the same store).
/// </summary>
public sealed class VerifierWorkersTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("zt-workers-").FullName;

    [Fact]
    public async Task TwoWorkers_ScoreEveryEventOnce_InPrincipalOrder_AndResumeFromEachPartitionsCheckpoint()
    {
        var topics = WorkerHarness.UniqueTopics();
        var principals = Principals(12);
        var firstBatch = Traffic(principals, fromHour: 0, hours: 30);
        var secondBatch = Traffic(principals, fromHour: 30, hours: 10);
        WorkerHarness h;
        Dictionary<int, long> nextOffsets;

        using (var log = NewLog())
        {
            h = await WorkerHarness.CreateAsync(log, topics);
            await log.EnsureTopicsAsync([topics.Events, topics.Alerts, topics.Feedback], CancellationToken.None);
            var first = await RunAsync(h, workers: 2, firstBatch);

            // The group split the partitions: each worker scored some, and no partition was scored by both.
            Assert.All(first.ByWorker, n => Assert.True(n > 0, "a worker scored nothing"));
            Assert.All(first.Records.GroupBy(r => r.Partition), p => Assert.Single(p.Select(r => r.Worker).Distinct()));
            nextOffsets = first.Records.GroupBy(r => r.Partition).ToDictionary(g => g.Key, g => g.Max(r => r.Offset) + 1);
            Assert.Equal(3, nextOffsets.Count);
        }

        await using (h)
        {
            // Each partition's checkpoint holds every record its worker scored.
            var store = new CheckpointStore(h.Store, TimeProvider.System);
            foreach (var (partition, next) in nextOffsets)
            {
                var saved = await store.LoadAsync(topics.Group, topics.Events, partition, CancellationToken.None);
                Assert.NotNull(saved);
                Assert.Equal(next, saved.NextOffset);
            }

            // Restart: a new log over the same folder, new workers. Only the new events are scored, each partition from
            // where its checkpoint said.
            using var log = NewLog();
            var again = h.WithLog(log);
            var second = await RunAsync(again, workers: 2, secondBatch);
            foreach (var (partition, next) in nextOffsets)
            {
                Assert.Equal(next, second.Records.Where(r => r.Partition == partition).Min(r => r.Offset));
            }
        }
    }

    [Fact]
    public async Task TwoWorkers_DecideWhatOneWorkerDecides()
    {
        var principals = Principals(9);
        var traffic = Traffic(principals, fromHour: 0, hours: 48).ToList();

        // Exfiltration-sized reads against warm baselines: alerts to compare, on principals spread over the partitions.
        traffic.AddRange(principals.Select(p => Events.Read(Events.T0.AddHours(49), p.Principal, workload: p.Workload, bytes: 2_000_000_000)));
        var decisions = new List<IReadOnlyDictionary<string, (int Score, string? AlertId)>>();
        foreach (var workers in new[] { 1, 2 })
        {
            using var log = NewLog();
            var topics = WorkerHarness.UniqueTopics();
            await using var h = await WorkerHarness.CreateAsync(log, topics);
            await log.EnsureTopicsAsync([topics.Events, topics.Alerts, topics.Feedback], CancellationToken.None);
            var run = await RunAsync(h, workers, traffic);
            decisions.Add(run.Events.ToDictionary(r => r.EventId!, r => (r.Score, r.AlertId)));
        }

        Assert.Equal(principals.Count, decisions[1].Values.Count(d => d.AlertId is not null));
        Assert.Equal(decisions[0].OrderBy(d => d.Key, StringComparer.Ordinal), decisions[1].OrderBy(d => d.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Share_SplitsTheProcessCapsEvenly_RoundingUp()
    {
        var options = new VerifierOptions { MaxPrincipals = 50_001, MaxOpenAlerts = 10, Workers = 4 };
        var share = VerifierWorkers.Share(options, options.Workers);
        Assert.Equal(12_501, share.MaxPrincipals);
        Assert.Equal(3, share.MaxOpenAlerts);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS.
        }
    }

    /// <summary>
    /// Starts <paramref name="workers"/> workers, appends <paramref name="expected"/> once the group has split the
    /// partitions between them, runs them until every event is scored and stops them,
    /// and checks what every run must hold: each event scored exactly once, never as a duplicate, and each principal's
    /// events in the order they were appended.
    /// </summary>
    private static async Task<Run> RunAsync(WorkerHarness h, int workers, IReadOnlyList<AccessEvent> expected)
    {
        var options = Options.Create(new VerifierOptions { ModelEnabled = false, CheckpointEveryRecords = 10, Workers = workers });
        var records = new ConcurrentQueue<Scored>();
        using var group = new VerifierWorkers(h.Log, new CheckpointStore(h.Store, TimeProvider.System), options, TimeProvider.System, NullLogger<VerifierWorker>.Instance, topics: h.Topics);
        Assert.Equal(workers, group.Workers.Count);
        for (var i = 0; i < workers; i++)
        {
            var worker = i;
            group.Workers[i].RecordScored = (record, result) => records.Enqueue(new Scored(
                worker, record.Partition, record.Offset, record.Key, result.IsLink ? null : ContractJson.DeserializeEvent(record.Value.Span).Id, result.Score, result.Alert?.Id, result.Duplicate));
        }

        await group.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(
            () => group.Workers.All(w => w.AssignedPartitions > 0) && group.Workers.Sum(w => w.AssignedPartitions) == 3,
            "the group to split the 3 partitions between its workers",
            TimeSpan.FromSeconds(60));
        await h.AppendAsync(expected);
        await Eventually.HoldsAsync(() => records.Count(r => r.EventId is not null) >= expected.Count, $"{expected.Count} events to be scored", TimeSpan.FromSeconds(60));
        await group.StopAsync(CancellationToken.None);

        // Link records (runtime bindings the engines derive and append to the events topic) are scored as well.
        var all = records.ToList();
        var scored = all.Where(r => r.EventId is not null).ToList();
        Assert.DoesNotContain(all, r => r.Duplicate);
        Assert.Equal(expected.Select(e => e.Id).Order(StringComparer.Ordinal), scored.Select(r => r.EventId).Order(StringComparer.Ordinal));
        Assert.Equal(expected.Count, group.EventsScored);
        foreach (var principal in expected.GroupBy(e => e.PrincipalKey))
        {
            Assert.Equal(principal.Select(e => e.Id), scored.Where(r => r.Key == principal.Key).Select(r => r.EventId));
        }

        return new Run(all, scored, [.. Enumerable.Range(0, workers).Select(w => scored.Count(r => r.Worker == w))]);
    }

    private static List<(string Principal, string Workload)> Principals(int count) =>
        [.. Enumerable.Range(0, count).Select(i => ($"system:serviceaccount:team{i}:svc", $"team{i}/svc-1"))];

    /// <summary>Hourly reads of every principal, interleaved as a cluster sends them.</summary>
    private static List<AccessEvent> Traffic(IReadOnlyList<(string Principal, string Workload)> principals, int fromHour, int hours) =>
        [.. Enumerable.Range(fromHour, hours).SelectMany(hour => principals.Select(p =>
            Events.Read(Events.T0.AddHours(hour), p.Principal, resource: $"shop/orders-{hour % 4}", bytes: 1_000_000 + (hour % 5 * 100_000), workload: p.Workload)))];

    private FileEventLog NewLog() => new(
        new EventLogOptions { Kind = EventLogOptions.File, Path = Path.Combine(folder, "eventlog"), Partitions = 3 },
        TimeProvider.System,
        NullLogger.Instance,
        new ConsumerHealth(TimeProvider.System));

    /// <summary>One record a worker scored; <see cref="EventId"/> is null for a link record.</summary>
    private sealed record Scored(int Worker, int Partition, long Offset, string Key, string? EventId, int Score, string? AlertId, bool Duplicate);

    /// <summary>Every record scored (links included) and the events among them.</summary>
    private sealed record Run(List<Scored> Records, List<Scored> Events, int[] ByWorker);
}
