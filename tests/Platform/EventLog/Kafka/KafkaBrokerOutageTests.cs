using Microsoft.Extensions.Logging;

namespace ZtStream.Platform.Tests.EventLog.Kafka;

/// <summary>
/// The Kafka log while its broker is down and after it is back, on a mock cluster of the test's own whose broker is
/// stopped for real (<c>rd_kafka_mock_broker_set_down</c>): appends are refused as unavailable (Ingest's 503), and
/// every acknowledged record reaches the consumer group once the broker returns.
/// </summary>
public sealed class KafkaBrokerOutageTests(KafkaFixture kafka)
{
    /// <summary>
    /// How long a consumer may take to leave once stopped after an outage: librdkafka's close commits the final offsets
    /// and leaves the group, and a request to a broker it has not reconnected to yet may wait <c>socket.timeout.ms</c>
    /// (60 s by default) before the close goes on; on a loaded machine the reconnect can still be under way then.
    /// </summary>
    private static readonly TimeSpan LeaveAfterOutage = TimeSpan.FromSeconds(150);

    [Fact]
    public async Task BrokerDownAndBack_AppendsRefusedMeanwhile_EveryAcknowledgedRecordConsumed()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 1);
        using var log = Log(cluster, TestOutputLoggerFactory.Create());
        using var stop = new CancellationTokenSource();
        var (topic, acknowledged, consumed, consuming) = await ConsumeAsync(log, "outage", stop.Token);
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
            await consuming.WaitAsync(LeaveAfterOutage, CancellationToken.None);
        }
    }

    /// <summary>
    /// A broker that stays down: librdkafka reconnects on and on (here every 100 ms at most), and each failed attempt
    /// used to be two log lines per client. Now each client warns once when its brokers go away, reminds while they
    /// stay away, and says once that they are back.
    /// </summary>
    [Fact]
    public async Task BrokerDown_ReconnectingOnAndOn_OneWarningPerClient_OneLineWhenBack()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 1);
        var captured = new CapturedLog();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(captured).SetMinimumLevel(LogLevel.Information));
        using var log = Log(cluster, loggers, new Dictionary<string, string> { ["reconnect.backoff.ms"] = "10", ["reconnect.backoff.max.ms"] = "100" });
        using var stop = new CancellationTokenSource();
        var (topic, acknowledged, consumed, consuming) = await ConsumeAsync(log, "quiet", stop.Token);
        try
        {
            await Eventually.HoldsAsync(() => acknowledged.All(consumed.Contains), "the first records were consumed", TimeSpan.FromSeconds(60));
            var before = captured.Lines.Count;

            cluster.AllDown();
            await Task.Delay(TimeSpan.FromSeconds(2), Ct);
            var outage = captured.Lines.Count;
            await Task.Delay(TimeSpan.FromSeconds(3), Ct);
            var down = captured.Lines.Skip(before).Where(l => l.Id.Id is (>= 1010 and <= 1014) or 1032 or 1033).ToList();
            var report = string.Join('\n', down.Select(l => $"{l.Id.Id} {l.Message}"));
            var warned = down.Where(l => l.Id.Id == 1032).Select(l => l.Message).ToList();
            Assert.True(warned.Count is >= 1 and <= 2, report); // the producer's, the consumer's
            Assert.All(warned, w => Assert.Contains("cannot reach the Kafka brokers", w, StringComparison.Ordinal));

            // Besides the warnings, only the first line of each connection that closed (librdkafka's "Disconnected"),
            // and nothing at all once the outage is on, however often the clients try again.
            Assert.All(down.Where(l => l.Id.Id != 1032), l => Assert.Contains("Disconnected", l.Message, StringComparison.Ordinal));
            Assert.True(captured.Lines.Count == outage, string.Join('\n', captured.Lines.Skip(outage).Select(l => $"{l.Id.Id} {l.Message}")));

            cluster.AllUp();
            await Eventually.HoldsAsync(
                () => captured.Lines.Count(l => l.Id.Id == 1034) == warned.Count, "each client that warned said it is back", TimeSpan.FromSeconds(60));
            Assert.All(captured.Lines.Where(l => l.Id.Id == 1034), l => Assert.Contains("reaches the Kafka brokers again", l.Message, StringComparison.Ordinal));
        }
        finally
        {
            await stop.CancelAsync();
            await consuming.WaitAsync(LeaveAfterOutage, CancellationToken.None);
        }
    }

    /// <summary>
    /// A topic of its own with ten records appended, and a group of its own consuming it (stopped by
    /// <paramref name="stop"/>, which must happen before the mock cluster goes away: the consumer leaves first).
    /// </summary>
    private static async Task<(string Topic, List<string> Acknowledged, ConcurrentBag<string> Consumed, Task Consuming)> ConsumeAsync(
        KafkaEventLog log, string name, CancellationToken stop)
    {
        var topic = KafkaFixture.UniqueTopic(name);
        await log.EnsureTopicsAsync([topic], Ct);
        var acknowledged = new List<string>();
        await AppendAsync(log, topic, "before", acknowledged);
        var consumed = new ConcurrentBag<string>();
        var handler = new RecordingHandler { OnRecord = (record, _, _) => { consumed.Add(Encoding.UTF8.GetString(record.Value.Span)); return Task.CompletedTask; } };
        return (topic, acknowledged, consumed, log.ConsumeAsync(new ConsumerSpec(KafkaFixture.UniqueGroup(name), [topic]), handler, stop));
    }

    /// <summary>The Kafka log on <paramref name="cluster"/>, quick to call the broker unavailable.</summary>
    private KafkaEventLog Log(KafkaMockCluster cluster, ILoggerFactory loggers, Dictionary<string, string>? settings = null) => new(
        new EventLogOptions
        {
            Kind = EventLogOptions.Kafka,
            BootstrapServers = cluster.BootstrapServers,
            AppendTimeout = TimeSpan.FromSeconds(3),
            TopicCreationTimeout = TimeSpan.FromSeconds(1),
            KafkaSettings = settings ?? [],
            KafkaConsumerSettings = new Dictionary<string, string>(kafka.ConsumerSettings),
        },
        TimeProvider.System,
        loggers);

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
