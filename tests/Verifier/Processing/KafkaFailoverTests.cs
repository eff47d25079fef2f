namespace ZtStream.Verifier.Tests.Processing;

/// <summary>Two Verifier instances in one consumer group on Kafka (librdkafka's mock cluster when nothing else is there).</summary>
public sealed class KafkaFailoverTests(KafkaFixture kafka)
{
    private static readonly string[] Principals =
        ["system:serviceaccount:shop:api", "system:serviceaccount:shop:worker", "system:serviceaccount:shop:cron", "system:serviceaccount:shop:search"];

    [Fact]
    public async Task StopOneInstance_OtherTakesOverWithBaselines_ExfiltrationAfterFailoverDetectedOnce()
    {
        var options = new EventLogOptions
        {
            Kind = EventLogOptions.Kafka,
            BootstrapServers = kafka.Require(),
            Partitions = 4,
            KafkaConsumerSettings = new Dictionary<string, string>(kafka.ConsumerSettings),
            TopicCreationTimeout = kafka.IsMockCluster ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(10),
        };
        var topics = WorkerHarness.UniqueKafkaTopics();
        using var logA = new KafkaEventLog(options, TimeProvider.System, NullLoggerFactory.Instance);
        using var logB = new KafkaEventLog(options, TimeProvider.System, NullLoggerFactory.Instance);
        await using var a = await WorkerHarness.CreateAsync(logA, topics);
        var b = a.WithLog(logB);
        a.WatchAlerts();

        var history = Principals.SelectMany((p, i) => Events.WarmHistory(p, $"shop/pod-{i}")).OrderBy(e => e.Time).ToList();
        var workerA = a.NewWorker();
        var workerB = b.NewWorker();
        await workerA.StartAsync(CancellationToken.None);
        await workerB.StartAsync(CancellationToken.None);
        await a.AppendAsync(history);
        await Eventually.HoldsAsync(() => workerA.EventsScored + workerB.EventsScored >= history.Count, "the history to be scored by the group", TimeSpan.FromSeconds(90));
        Assert.Equal(history.Count, workerA.EventsScored + workerB.EventsScored);

        // A leaves mid-stream: its partitions are checkpointed on revocation and B restores them.
        await workerA.StopAsync(CancellationToken.None);
        workerA.Dispose();

        var exfiltrations = Principals.Select((p, i) => Events.Read(Events.T0.AddHours(49), p, workload: $"shop/pod-{i}", bytes: 2_000_000_000)).ToList();
        await a.AppendAsync(exfiltrations);
        await Eventually.HoldsAsync(() => Principals.All(p => a.Alerts.Values.Any(x => x.Principal == p)), "an alert for every principal", TimeSpan.FromSeconds(90));
        await workerB.StopAsync(CancellationToken.None);
        workerB.Dispose();

        // Baselines survived the failover: a cold engine would still be warming up and raise nothing.
        Assert.All(a.Alerts.Values, x => Assert.Contains(x.Reasons, r => r.Rule == "bytes_spike"));

        // No event scored twice into two alerts: each exfiltration is evidence of exactly one alert id.
        foreach (var e in exfiltrations)
        {
            Assert.Single(a.Alerts.Values, x => x.EvidenceEventIds.Contains(e.Id));
        }

        Assert.Equal(Principals.Length, a.Alerts.Count);
        await a.StopWatchingAsync();
    }
}
