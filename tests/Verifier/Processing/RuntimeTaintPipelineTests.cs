using static ZtStream.Verifier.Tests.Runtime.RuntimeAlertTests;
using static ZtStream.Verifier.Tests.Runtime.TaintedServiceAccountTests;

namespace ZtStream.Verifier.Tests.Processing;

/// <summary>
/// The runtime taint across partitions and Verifier instances: two workers in one group over the embedded log and over
/// Kafka (librdkafka's mock cluster when nothing else is there). The Falco alert is keyed by the pod, the service
/// account's events by its subject id, on another partition; the link travels as derived records on the events topic.
/// </summary>
public sealed class RuntimeTaintPipelineTests(KafkaFixture kafka)
{
    private const string ServiceAccount = "system:serviceaccount:shop:web";
    private const int Partitions = 4;
    private static readonly DateTimeOffset T = new(2026, 1, 7, 10, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Logs => ["in-process", "kafka"];

    [Theory]
    [MemberData(nameof(Logs))]
    public async Task FalcoAlertOnPod_ServiceAccountTokenUsedElsewhere_AlertNamesBoth(string kind)
    {
        // A pod whose partition is not the service account's, so the taint has to cross partitions.
        var pod = Enumerable.Range(0, 20).Select(i => $"web-{i}")
            .First(p => Murmur2Partitioner.PartitionFor("shop/" + p, Partitions) != Murmur2Partitioner.PartitionFor(ServiceAccount, Partitions));
        var topics = kind == "kafka" ? WorkerHarness.UniqueKafkaTopics() : WorkerHarness.UniqueTopics();
        // One in-process log is shared by both workers (its groups live in one process); Kafka gets a client per instance.
        var logA = Log(kind);
        var logB = kind == "kafka" ? Log(kind) : null;
        using var disposeA = (IDisposable)logA;
        using var disposeB = logB as IDisposable;
        await using var a = await WorkerHarness.CreateAsync(logA, topics);
        var b = logB is null ? a : a.WithLog(logB);
        a.WatchAlerts();
        var workers = new[] { a.NewWorker(), b.NewWorker() };
        foreach (var w in workers)
        {
            await w.StartAsync(CancellationToken.None);
        }

        long Links() => workers.Sum(w => w.LinksApplied);
        var use = TokenUse("use-2", T.AddMinutes(7), "batch-77f9", ip: "10.4.9.3");
        try
        {
            // The service account's bound token used from its pod: the pod's partition learns whose token it holds.
            await a.AppendAsync([TokenUse("use-1", T.AddMinutes(-30), pod)]);
            await Eventually.HoldsAsync(() => Links() >= 1, "the binding to reach the pod's partition", TimeSpan.FromSeconds(90));

            // Falco on the pod: a critical alert for the pod, and a taint record for the service account's partition.
            await a.AppendAsync([Falco(FalcoJson(pod: pod, time: "2026-01-07T10:00:00Z"))]);
            await Eventually.HoldsAsync(() => Links() >= 2, "the taint to reach the service account's partition", TimeSpan.FromSeconds(90));
            await Eventually.HoldsAsync(() => a.Alerts.Values.Any(x => x.Principal == "shop/" + pod), "the pod's alert", TimeSpan.FromSeconds(90));

            // The token used from another pod afterwards.
            await a.AppendAsync([use]);
            await Eventually.HoldsAsync(() => a.Alerts.Values.Any(x => x.Principal == ServiceAccount), "the service account's alert", TimeSpan.FromSeconds(90));
        }
        finally
        {
            foreach (var w in workers)
            {
                await w.StopAsync(CancellationToken.None);
                w.Dispose();
            }

            await a.StopWatchingAsync();
        }

        var podAlert = a.Alerts.Values.Single(x => x.Principal == "shop/" + pod);
        Assert.Equal("critical", podAlert.Severity);
        Assert.Equal(["T1059"], podAlert.Techniques);
        var saAlert = a.Alerts.Values.Single(x => x.Principal == ServiceAccount);
        var reason = saAlert.Reasons.Single(r => r.Rule == RuntimeLinks.TaintRule);
        Assert.Contains($"its workload shop/{pod} raised Falco \"Terminal shell in container\" (Critical)", reason.Text, StringComparison.Ordinal);
        Assert.Contains("now used from workload shop/batch-77f9 (10.4.9.3)", reason.Text, StringComparison.Ordinal);
        Assert.Equal("high", saAlert.Severity);
        Assert.Equal([use.Id], saAlert.EvidenceEventIds);
    }

    private IEventLog Log(string kind)
    {
        if (kind != "kafka")
        {
            return new InProcessEventLog(new EventLogOptions { Partitions = Partitions }, TimeProvider.System, NullLogger<InProcessEventLog>.Instance);
        }

        var options = new EventLogOptions
        {
            Kind = EventLogOptions.Kafka,
            BootstrapServers = kafka.Require(),
            Partitions = Partitions,
            KafkaConsumerSettings = new Dictionary<string, string>(kafka.ConsumerSettings),
            TopicCreationTimeout = kafka.IsMockCluster ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(10),
        };
        return new KafkaEventLog(options, TimeProvider.System, NullLoggerFactory.Instance);
    }
}
