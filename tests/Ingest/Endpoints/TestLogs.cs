using ZtStream.Platform.EventLog.InProcess;
using ZtStream.Platform.EventLog.Kafka;

namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>The event-log implementations the endpoint tests run against.</summary>
internal static class TestLogs
{
    public const string InProcess = "inprocess";
    public const string Kafka = "kafka";
    public const string File = "file";

    /// <summary>A fresh in-memory log: what most endpoint tests run on, needing no Kafka.</summary>
    public static IEventLog CreateInProcess() =>
        new InProcessEventLog(new EventLogOptions(), TimeProvider.System, NullLogger<InProcessEventLog>.Instance);

    /// <summary>A fresh log of <paramref name="kind"/>; Kafka skips the test (or fails it under CI) when there is no Kafka.</summary>
    public static IEventLog Create(string kind, KafkaFixture kafka) => kind switch
    {
        InProcess => CreateInProcess(),
        File => new FileEventLog(
            new EventLogOptions { Kind = EventLogOptions.File, Path = Directory.CreateTempSubdirectory("ztstream-ingest-log-").FullName },
            TimeProvider.System,
            NullLogger.Instance),
        _ => new KafkaEventLog(
            new EventLogOptions
            {
                Kind = EventLogOptions.Kafka,
                BootstrapServers = kafka.Require(),
                KafkaConsumerSettings = new Dictionary<string, string>(kafka.ConsumerSettings),
                // The mock cluster auto-creates topics and cannot create them on request; do not wait long to find that out.
                TopicCreationTimeout = kafka.IsMockCluster ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(10),
            },
            TimeProvider.System,
            NullLoggerFactory.Instance),
    };
}
