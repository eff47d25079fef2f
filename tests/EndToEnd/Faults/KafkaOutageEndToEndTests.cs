using ZtStream.TestSupport.Faults;
using ZtStream.TestSupport.Http;

namespace ZtStream.EndToEnd.Faults;

/// <summary>
/// <c>ztstream run</c> as a real process on Kafka — a librdkafka mock cluster of the test's own, whose broker is taken
/// down for real (it closes its connections and refuses new ones) while a client keeps sending: Ingest answers 503 with
/// Retry-After and never 202 for what Kafka did not acknowledge; once the broker is back the client's retries of the
/// refused batches are taken, and every attack is alerted exactly once — the acknowledged ones, and the refused ones a
/// retry brought (a record of a refused batch that did land is scored once by its event id).
/// </summary>
public sealed class KafkaOutageEndToEndTests() : ProcessTests("zt-kafka-outage-")
{
    private const string ApiToken = "kafka-outage-responder-token-0123456789abcdef";
    private static readonly TimeSpan AlertTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task BrokerDownWhileClientsSend_Ingest503WithRetryAfter_BackUp_RetriesTaken_EveryAttackAlertedOnce()
    {
        using var cluster = KafkaMockCluster.Start();
        var database = Path.Combine(Processes.Folder.FullName, "ztstream.db");
        var key = await Processes.AddSourceAsync("kafka-outage-app", ["--sqlite", database], Ct);
        var run = await Processes.RunAsync(
            "run",
            ["--sqlite", database,
             "--event-log", "kafka", "--kafka", cluster.BootstrapServers, "--kafka-prefix", $"zt-outage-{Guid.NewGuid():N}.",
             // An append waits 3 s for Kafka's acknowledgement (message.timeout.ms) before Ingest answers 503.
             "--set", "EventLog:AppendTimeout=00:00:03",
             "--set", "EventLog:TopicCreationTimeout=00:00:02",
             "--set", "EventLog:KafkaConsumerSettings:fetch.wait.max.ms=1",
             "--set", "EventLog:KafkaConsumerSettings:session.timeout.ms=6000",
             "--set", "EventLog:KafkaConsumerSettings:heartbeat.interval.ms=500",
             .. ZtStreamApi.ApiToken("responder", ApiToken)],
            Ct);
        using var ingest = ZtStreamApi.Client(run.Url, key);
        using var api = ZtStreamApi.Client(run.Url, ApiToken);

        List<string> acknowledged = [];
        for (var batch = 0; batch < 2; batch++)
        {
            var (victim, events) = Batch(batch);
            await IngestEvents.PostAcceptedAsync(ingest, events);
            acknowledged.Add(victim);
        }

        await WaitForAlertsAsync(api, run, acknowledged);

        cluster.AllDown();
        List<(string Victim, List<AccessEvent> Events)> refused = [];
        for (var batch = 2; refused.Count < 3; batch++)
        {
            Assert.True(batch < 40, "Ingest never refused a batch while the broker was down");
            var (victim, events) = Batch(batch);
            using var response = await IngestEvents.SendAsync(ingest, events);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                // Acknowledged by the broker before it went down: kept, and must be alerted like any other.
                Assert.Empty(refused);
                acknowledged.Add(victim);
                continue;
            }

            await HttpProblem.ReadRetryLaterAsync(response, HttpStatusCode.ServiceUnavailable, "event-log-unavailable");
            refused.Add((victim, events));
        }

        cluster.AllUp();

        // The client does what the 503 asks: sends each refused batch again, as it was, until it is taken.
        foreach (var (victim, events) in refused)
        {
            var taken = await Eventually.WithinAsync(
                async () =>
                {
                    using var response = await IngestEvents.SendAsync(ingest, events);
                    return response.StatusCode == HttpStatusCode.Accepted;
                },
                AlertTimeout,
                Ct);
            Assert.True(taken, $"the retry of {victim}'s batch was never taken after the broker came back:\n{run.Output}");
            acknowledged.Add(victim);
        }

        // And new traffic flows again.
        var (after, afterEvents) = Batch(100);
        await IngestEvents.PostAcceptedAsync(ingest, afterEvents);
        acknowledged.Add(after);

        await WaitForAlertsAsync(api, run, acknowledged);

        // A probe per partition posted last is alerted only after everything before it on its partition: anything scored
        // twice (a refused batch's record that landed, then its retry) would show by now as a second alert or count.
        var probes = IngestEvents.OnePerPartition("user:probe");
        await IngestEvents.PostAcceptedAsync(ingest, [.. probes.Select(p => Attack(p))]);
        await WaitForAlertsAsync(api, run, probes);
        await ZtStreamApi.AssertAlertedOnceAsync(api, acknowledged, Ct);
    }

    /// <summary>Batch <paramref name="n"/>: 20 benign events and one attack on a victim of its own.</summary>
    private static (string Victim, List<AccessEvent> Events) Batch(int n)
    {
        var victim = $"user:outage-victim-{n}";
        return (victim, [.. Enumerable.Range(0, 20).Select(i => IngestEvents.Benign($"user:outage-normal-{i % 4}", (n * 100) + i)), Attack(victim)]);
    }

    private static AccessEvent Attack(string subject) =>
        IngestEvents.ExpiredTokenGet($"{subject}-attack", subject, $"jti-expired-{subject}", "/api/orders/0");

    private static Task WaitForAlertsAsync(HttpClient api, ZtStreamProcess run, List<string> victims) =>
        ZtStreamApi.WaitForEachAlertedAsync(api, victims, Ct, AlertTimeout, () => run.Output);
}
