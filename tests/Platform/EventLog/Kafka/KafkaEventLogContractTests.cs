namespace ZtStream.Platform.Tests.EventLog.Kafka;

public sealed class KafkaEventLogContractTests(KafkaFixture kafka) : EventLogContractTests
{
    private protected override IEventLog CreateLog(EventLogOptions options) =>
        new KafkaEventLog(KafkaTestOptions.For(kafka, options), TimeProvider.System, TestOutputLoggerFactory.Create());

    private protected override int PartitionCount(IEventLog log, string topic) =>
        ((KafkaEventLog)log).PartitionCount(topic, TimeSpan.FromSeconds(10));
}

/// <summary>
/// The same contract behind <c>EventLog:KafkaPrefix</c>: every topic and group on the cluster carries the prefix, and
/// every name the log hands back (records, assignments, dead letters, browsing) is the logical one.
/// </summary>
public sealed class PrefixedKafkaEventLogContractTests(KafkaFixture kafka) : EventLogContractTests
{
    private protected override IEventLog CreateLog(EventLogOptions options) =>
        new KafkaEventLog(KafkaTestOptions.For(kafka, options) with { KafkaPrefix = $"zt-test-{Guid.NewGuid():N}." }, TimeProvider.System, TestOutputLoggerFactory.Create());

    private protected override int PartitionCount(IEventLog log, string topic) =>
        ((KafkaEventLog)log).PartitionCount(topic, TimeSpan.FromSeconds(10));
}

internal static class KafkaTestOptions
{
    /// <summary><paramref name="options"/> pointed at the fixture's Kafka (skips the test when there is none).</summary>
    public static EventLogOptions For(KafkaFixture kafka, EventLogOptions options) => options with
    {
        Kind = EventLogOptions.Kafka,
        BootstrapServers = kafka.Require(),
        KafkaConsumerSettings = new Dictionary<string, string>(kafka.ConsumerSettings),

        // The mock cluster cannot create topics; do not wait long to find that out.
        TopicCreationTimeout = kafka.IsMockCluster ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(10),
    };
}
