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
    /// How long a stopped consumer's loop may take to end after an outage: the record in hand has ended, and the close
    /// gets <c>EventLog:KafkaCloseTimeout</c> (5 s) before the loop ends without it. Generous for a loaded machine.
    /// </summary>
    private static readonly TimeSpan LeaveAfterOutage = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task BrokerDownAndBack_AppendsRefusedMeanwhile_EveryAcknowledgedRecordConsumed()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 1);
        using var log = Log(cluster, TestOutputLoggerFactory.Create());
        using var stop = new CancellationTokenSource();
        var (topic, _, acknowledged, consumed, consuming) = await ConsumeAsync(log, "outage", stop.Token);
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
        var (topic, _, acknowledged, consumed, consuming) = await ConsumeAsync(log, "quiet", stop.Token);
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
    /// A consumer stopped while its group coordinator is down, or just back: librdkafka's close waits for the final
    /// commit until the member's session times out (librdkafka's default 45 s; 20 s here, to keep the test short) or longer, so the stop goes on
    /// past <c>EventLog:KafkaCloseTimeout</c> and says so. The group loses nothing: its next member gets the records
    /// appended since, and those the close did not commit again.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConsumerStopped_CoordinatorDownOrJustBack_StopEndsWithinCloseTimeout_GroupConsumesEveryRecord(bool backBeforeStop)
    {
        var closeTimeout = TimeSpan.FromSeconds(2);
        using var cluster = KafkaMockCluster.Start(brokers: 1);
        var captured = new CapturedLog();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(captured).SetMinimumLevel(LogLevel.Information));
        using var log = Log(cluster, loggers, closeTimeout: closeTimeout, consumerSettings: new Dictionary<string, string>
        {
            ["session.timeout.ms"] = "20000",

            // Nothing is committed before the close, so the close always has a commit to wait for.
            ["auto.commit.interval.ms"] = "600000",
        });
        using var stop = new CancellationTokenSource();
        var (topic, group, acknowledged, consumed, consuming) = await ConsumeAsync(log, "close", stop.Token);
        try
        {
            await Eventually.HoldsAsync(() => acknowledged.All(consumed.Contains), "the first records were consumed", TimeSpan.FromSeconds(60));
            cluster.AllDown();
            await Task.Delay(TimeSpan.FromSeconds(1), Ct);
            if (backBeforeStop)
            {
                cluster.AllUp();
            }

            await stop.CancelAsync();

            // Not a speed assertion: without the deadline the close ends only when the 20 s session does.
            await consuming.WaitAsync(closeTimeout + TimeSpan.FromSeconds(12), CancellationToken.None);
        }
        finally
        {
            cluster.AllUp();
        }

        var gaveUp = captured.Lines.Where(l => l.Id.Id == 1038).Select(l => l.Message).ToList();
        if (!backBeforeStop)
        {
            // The coordinator is still down when the deadline passes: the close cannot have committed.
            Assert.Single(gaveUp);
        }

        Assert.True(gaveUp.Count <= 1, string.Join('\n', gaveUp));
        Assert.All(gaveUp, m => Assert.Contains("did not close within 00:00:02", m, StringComparison.Ordinal));

        await Eventually.HoldsAsync(() => TryAppend(log, topic, "after", acknowledged), "an append was acknowledged after the broker came back", TimeSpan.FromSeconds(60));
        using var stopNext = new CancellationTokenSource();
        var consumedNext = new ConcurrentBag<string>();
        var next = log.ConsumeAsync(new ConsumerSpec(group, [topic]), Recording(consumedNext), stopNext.Token);
        try
        {
            // The stopped member holds its partitions until its session times out (it could not leave); then the next
            // one resumes from the last commit: the records appended since, and again those the close did not commit
            // (unless it still did once the broker was back, so those are not asserted).
            var since = acknowledged.Where(r => r.StartsWith("after-", StringComparison.Ordinal)).ToList();
            await Eventually.HoldsAsync(() => since.All(consumedNext.Contains), "the group's next member consumed the records appended since", TimeSpan.FromSeconds(120));
        }
        finally
        {
            await stopNext.CancelAsync();
            await next.WaitAsync(LeaveAfterOutage, CancellationToken.None);
        }
    }

    /// <summary>
    /// A topic of its own with ten records appended, and a group of its own consuming it (stopped by
    /// <paramref name="stop"/>, which must happen before the mock cluster goes away: the consumer leaves first).
    /// </summary>
    private static async Task<(string Topic, string Group, List<string> Acknowledged, ConcurrentBag<string> Consumed, Task Consuming)> ConsumeAsync(
        KafkaEventLog log, string name, CancellationToken stop)
    {
        var topic = KafkaFixture.UniqueTopic(name);
        await log.EnsureTopicsAsync([topic], Ct);
        var acknowledged = new List<string>();
        await AppendAsync(log, topic, "before", acknowledged);
        var consumed = new ConcurrentBag<string>();
        var group = KafkaFixture.UniqueGroup(name);
        return (topic, group, acknowledged, consumed, log.ConsumeAsync(new ConsumerSpec(group, [topic]), Recording(consumed), stop));
    }

    /// <summary>A handler that adds each record's value to <paramref name="consumed"/>.</summary>
    private static RecordingHandler Recording(ConcurrentBag<string> consumed) =>
        new() { OnRecord = (record, _, _) => { consumed.Add(Encoding.UTF8.GetString(record.Value.Span)); return Task.CompletedTask; } };

    /// <summary>The Kafka log on <paramref name="cluster"/>, quick to call the broker unavailable.</summary>
    private KafkaEventLog Log(
        KafkaMockCluster cluster,
        ILoggerFactory loggers,
        Dictionary<string, string>? settings = null,
        Dictionary<string, string>? consumerSettings = null,
        TimeSpan? closeTimeout = null)
    {
        var consumer = new Dictionary<string, string>(kafka.ConsumerSettings);
        foreach (var (name, value) in consumerSettings ?? [])
        {
            consumer[name] = value;
        }

        return new KafkaEventLog(
            new EventLogOptions
            {
                Kind = EventLogOptions.Kafka,
                BootstrapServers = cluster.BootstrapServers,
                AppendTimeout = TimeSpan.FromSeconds(3),
                TopicCreationTimeout = TimeSpan.FromSeconds(1),
                KafkaSettings = settings ?? [],
                KafkaConsumerSettings = consumer,
                KafkaCloseTimeout = closeTimeout ?? new EventLogOptions().KafkaCloseTimeout,
            },
            TimeProvider.System,
            loggers);
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
