using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace ZtStream.Platform.Tests.EventLog.Kafka;

public sealed class KafkaEventLogTests(KafkaFixture kafka)
{
    [Fact]
    public async Task Consumer_KilledBetweenHandlingAndStoringTheOffset_NextConsumerHandlesTheRecordAgain()
    {
        var topic = KafkaFixture.UniqueTopic("crash");
        var group = KafkaFixture.UniqueGroup("crash");
        using var log = new KafkaEventLog(KafkaTestOptions.For(kafka, new EventLogOptions()), TimeProvider.System, NullLoggerFactory.Instance);
        await log.EnsureTopicsAsync([topic], Ct);
        await log.AppendAsync(topic, [.. Enumerable.Range(0, 3).Select(i => new LogRecord("principal-1", Encoding.UTF8.GetBytes($"{i}")))], Ct);

        // The consumer dies right after handling "1": its effect happened, its offset was never stored.
        log.AfterHandledBeforeStore = record =>
        {
            if (Encoding.UTF8.GetString(record.Value.Span) == "1")
            {
                throw new ConsumerKilled();
            }
        };
        var crashed = new RecordingHandler();
        using var stopCrashed = new CancellationTokenSource();
        var crashing = log.ConsumeAsync(new ConsumerSpec(group, [topic]), crashed, stopCrashed.Token);
        await Assert.ThrowsAsync<ConsumerKilled>(() => crashing.WaitAsync(TimeSpan.FromSeconds(60), Ct));
        Assert.Equal(["0", "1"], crashed.Handled.Select(Value));

        log.AfterHandledBeforeStore = null;
        var next = new RecordingHandler();
        using var stopNext = new CancellationTokenSource();
        var running = log.ConsumeAsync(new ConsumerSpec(group, [topic]), next, stopNext.Token);
        try
        {
            await Eventually.HoldsAsync(() => next.Handled.Count >= 2, "the next consumer handled the rest", TimeSpan.FromSeconds(60));

            // "0" was stored before the crash and is not handed again; "1" was handled but not stored, so it is.
            Assert.Equal(["1", "2"], next.Handled.Select(Value));
        }
        finally
        {
            await stopNext.CancelAsync();
            await running.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        }
    }

    [Fact]
    public async Task TwoDeploymentsOnOneCluster_WithTheirOwnPrefixes_SameTopicAndGroup_EachReadsOnlyItsOwnRecords()
    {
        var topic = KafkaFixture.UniqueTopic("shared");
        var group = KafkaFixture.UniqueGroup("shared");
        var run = Guid.NewGuid().ToString("N")[..8];
        using var east = new KafkaEventLog(KafkaTestOptions.For(kafka, new EventLogOptions { KafkaPrefix = $"east-{run}." }), TimeProvider.System, NullLoggerFactory.Instance);
        using var west = new KafkaEventLog(KafkaTestOptions.For(kafka, new EventLogOptions { KafkaPrefix = $"west_{run}-" }), TimeProvider.System, NullLoggerFactory.Instance);
        await east.EnsureTopicsAsync([topic], Ct);
        await west.EnsureTopicsAsync([topic], Ct);
        await east.AppendAsync(topic, [new LogRecord("principal-1", "east"u8.ToArray())], Ct);
        await west.AppendAsync(topic, [new LogRecord("principal-1", "west"u8.ToArray())], Ct);

        // The same logical topic and group in both: without the prefixes they would be one topic and one group.
        var eastHandler = new RecordingHandler();
        var westHandler = new RecordingHandler();
        using var stop = new CancellationTokenSource();
        var consuming = new[] { east.ConsumeAsync(new ConsumerSpec(group, [topic]), eastHandler, stop.Token), west.ConsumeAsync(new ConsumerSpec(group, [topic]), westHandler, stop.Token) };
        try
        {
            await Eventually.HoldsAsync(() => eastHandler.Handled.Count >= 1 && westHandler.Handled.Count >= 1, "each deployment read its record", TimeSpan.FromSeconds(60));
            await Task.Delay(TimeSpan.FromSeconds(1), Ct);

            Assert.Equal(["east"], eastHandler.Handled.Select(Value));
            Assert.Equal(["west"], westHandler.Handled.Select(Value));
            Assert.All(eastHandler.Handled.Concat(westHandler.Handled), r => Assert.Equal(topic, r.Topic));
            Assert.Equal(1, (await east.PartitionsAsync(topic, Ct)).Sum(p => p.End - p.Start));
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(consuming).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        }

        // On the cluster the names are the prefixed ones; the bare name was never created.
        var config = new AdminClientConfig { BootstrapServers = kafka.Require() };
        using var admin = new AdminClientBuilder(config).Build();
        var names = admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.Where(t => !t.Error.IsError).Select(t => t.Topic).ToHashSet();
        Assert.Contains($"east-{run}.{topic}", names);
        Assert.Contains($"west_{run}-{topic}", names);
        Assert.DoesNotContain(topic, names);
    }

    [Fact]
    public async Task Append_BrokerUnreachable_ThrowsUnavailableWithRetryAfter()
    {
        var options = new EventLogOptions
        {
            Kind = EventLogOptions.Kafka,
            BootstrapServers = "127.0.0.1:1", // nothing listens on port 1
            AppendTimeout = TimeSpan.FromSeconds(2),
        };
        using var log = new KafkaEventLog(options, TimeProvider.System, NullLoggerFactory.Instance);

        var append = log.AppendAsync("zt.unreachable.v1", [new LogRecord("k", "v"u8.ToArray())], Ct);
        var refused = await Assert.ThrowsAsync<EventLogUnavailableException>(() => append.WaitAsync(TimeSpan.FromSeconds(30), Ct));

        Assert.True(refused.RetryAfter > TimeSpan.Zero);
        Assert.Equal(0, log.InFlight);
    }

    /// <summary>
    /// With no broker answering, the topics whose metadata was not yet asked are said in one warning: before, each was
    /// asked in turn, waiting up to 2 s for the same refusal (12 s more at start for <c>run</c>'s six topics).
    /// </summary>
    [Fact]
    public async Task EnsureTopics_NoBrokerAnswers_SaysTheRestInOneWarning()
    {
        using var captured = new CapturedLog();
        using var factory = LoggerFactory.Create(b => b.AddProvider(captured));
        using var log = new KafkaEventLog(Unreachable(), TimeProvider.System, factory);

        await log.EnsureTopicsAsync(["zt.events.v1", "zt.alerts.v1"], Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);

        var warnings = captured.Lines.Where(l => l.Id.Id == 1015).Select(l => l.Message).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.Contains("zt.events.v1, zt.events.dlq.v1, zt.alerts.v1, zt.alerts.dlq.v1", w, StringComparison.Ordinal));
    }

    /// <summary>
    /// Ctrl-C or SIGTERM once CreateTopics gave up stops the metadata asks that follow: before, they went on, each
    /// blocking, and <c>run</c> stopped only once all were asked.
    /// </summary>
    [Fact]
    public async Task EnsureTopics_StoppedOnceCreateTopicsGaveUp_AsksNoMore()
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var captured = new CapturedLog { OnLine = (id, _) => { if (id.Id == 1015) { stop.Cancel(); } } };
        using var factory = LoggerFactory.Create(b => b.AddProvider(captured));
        using var log = new KafkaEventLog(Unreachable(), TimeProvider.System, factory);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => log.EnsureTopicsAsync(["zt.events.v1"], stop.Token).WaitAsync(TimeSpan.FromSeconds(60), Ct));

        Assert.Single(captured.Lines, l => l.Id.Id == 1015);
    }

    private static EventLogOptions Unreachable() => new()
    {
        Kind = EventLogOptions.Kafka,
        BootstrapServers = $"127.0.0.1:{LocalProcess.FreePort()}",
        TopicCreationTimeout = TimeSpan.FromSeconds(1),
    };

    [Fact]
    public async Task Append_ProducerQueueFull_ThrowsUnavailableAtOnce()
    {
        var options = new EventLogOptions
        {
            Kind = EventLogOptions.Kafka,
            BootstrapServers = "127.0.0.1:1",
            MaxQueuedRecords = 1,
            AppendTimeout = TimeSpan.FromSeconds(5),
        };
        using var log = new KafkaEventLog(options, TimeProvider.System, NullLoggerFactory.Instance);
        var waiting = log.AppendAsync("zt.full.v1", [new LogRecord("k", "first"u8.ToArray())], Ct);

        // The one queue slot is taken by a record nobody can acknowledge: the next append is refused, not queued.
        var refused = await Assert.ThrowsAsync<EventLogUnavailableException>(() => log.AppendAsync("zt.full.v1", [new LogRecord("k", "second"u8.ToArray())], Ct));

        Assert.Contains("QueueFull", refused.Message, StringComparison.Ordinal);
        Assert.False(waiting.IsCompleted);
        await Assert.ThrowsAsync<EventLogUnavailableException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(30), Ct));
    }

    /// <summary>
    /// A read is bounded by <c>AppendTimeout</c> on the monotonic clock. Timed on the wall clock, a step forward while
    /// it read (an NTP step) ended it at once, with nothing read.
    /// </summary>
    [Fact]
    public async Task Read_WallClockStepsForwardWhileReading_ReturnsEveryRecordAsked()
    {
        var topic = KafkaFixture.UniqueTopic("read-step");
        using var log = new KafkaEventLog(KafkaTestOptions.For(kafka, new EventLogOptions()), new WallClockStepsWhenRead(), NullLoggerFactory.Instance);
        await log.EnsureTopicsAsync([topic], Ct);
        await log.AppendAsync(topic, [.. Enumerable.Range(0, 4).Select(i => new LogRecord("principal-1", Encoding.UTF8.GetBytes($"{i}")))], Ct);
        var holding = (await log.PartitionsAsync(topic, Ct)).Single(p => p.End > p.Start);

        var read = await log.ReadAsync(topic, holding.Partition, holding.Start + 1, 10, Ct);

        Assert.Equal(["1", "2", "3"], read.Select(Value));
    }

    private static string Value(ConsumedRecord record) => Encoding.UTF8.GetString(record.Value.Span);

    private sealed class ConsumerKilled : Exception;

    /// <summary>The system's clocks, the wall clock an hour further ahead each time it is read; the monotonic one left alone.</summary>
    private sealed class WallClockStepsWhenRead : TimeProvider
    {
        private long reads;

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + TimeSpan.FromHours(Interlocked.Increment(ref reads));
    }
}
