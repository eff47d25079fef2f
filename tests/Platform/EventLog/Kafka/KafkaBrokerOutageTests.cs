namespace ZtStream.Platform.Tests.EventLog.Kafka;

/// <summary>
/// The Kafka log while its broker is down and after it is back, on a mock cluster of the test's own whose broker is
/// stopped for real (<c>rd_kafka_mock_broker_set_down</c>): appends are refused as unavailable (Ingest's 503), and
/// every acknowledged record reaches the consumer group once the broker returns.
/// </summary>
public sealed class KafkaBrokerOutageTests(KafkaFixture kafka)
{
    [Fact]
    public async Task BrokerDownAndBack_AppendsRefusedMeanwhile_EveryAcknowledgedRecordConsumed()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 1);
        var topic = KafkaFixture.UniqueTopic("outage");
        using var log = new KafkaEventLog(
            new EventLogOptions
            {
                Kind = EventLogOptions.Kafka,
                BootstrapServers = cluster.BootstrapServers,
                AppendTimeout = TimeSpan.FromSeconds(3),
                TopicCreationTimeout = TimeSpan.FromSeconds(1),
                KafkaConsumerSettings = new Dictionary<string, string>(kafka.ConsumerSettings),
            },
            TimeProvider.System,
            TestOutputLoggerFactory.Create());
        await log.EnsureTopicsAsync([topic], Ct);
        var acknowledged = new List<string>();
        await AppendAsync(log, topic, "before", acknowledged);

        var consumed = new ConcurrentBag<string>();
        var handler = new RecordingHandler { OnRecord = (record, _, _) => { consumed.Add(Encoding.UTF8.GetString(record.Value.Span)); return Task.CompletedTask; } };
        using var stop = new CancellationTokenSource();
        var consuming = log.ConsumeAsync(new ConsumerSpec(KafkaFixture.UniqueGroup("outage"), [topic]), handler, stop.Token);
        try
        {
            await Eventually.HoldsAsync(() => acknowledged.All(consumed.Contains), "the first records were consumed", TimeSpan.FromSeconds(60));

            cluster.AllDown();
            var refused = await Assert.ThrowsAsync<EventLogUnavailableException>(() => AppendAsync(log, topic, "during", acknowledged));
            Assert.True(refused.RetryAfter > TimeSpan.Zero);

            cluster.AllUp();
            await Eventually.HoldsAsync(() => TryAppend(log, topic, "after", acknowledged), "an append was acknowledged after the broker came back", TimeSpan.FromSeconds(60));
            await Eventually.HoldsAsync(() => acknowledged.All(consumed.Contains), "every acknowledged record was consumed", TimeSpan.FromSeconds(90));
        }
        finally
        {
            // The consumer must leave before the mock cluster (inside its owner client) goes away.
            await stop.CancelAsync();
            await consuming.WaitAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
        }
    }

    private static async Task AppendAsync(KafkaEventLog log, string topic, string prefix, List<string> acknowledged)
    {
        var values = Enumerable.Range(0, 10).Select(i => $"{prefix}-{i}-{Guid.NewGuid():N}").ToList();
        await log.AppendAsync(topic, [.. values.Select((v, i) => new LogRecord($"principal-{i % 3}", Encoding.UTF8.GetBytes(v)))], Ct);
        lock (acknowledged)
        {
            acknowledged.AddRange(values);
        }
    }

    private static bool TryAppend(KafkaEventLog log, string topic, string prefix, List<string> acknowledged)
    {
        try
        {
            AppendAsync(log, topic, prefix, acknowledged).GetAwaiter().GetResult();
            return true;
        }
        catch (EventLogUnavailableException)
        {
            return false;
        }
    }
}
