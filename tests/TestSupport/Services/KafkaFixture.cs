using Testcontainers.Kafka;

namespace ZtStream.TestSupport.Services;

/// <summary>
/// A Kafka for tests, found as every <see cref="ServiceFixture{TAddress, TContainer}"/> finds its service: bootstrap
/// servers in <c>ZTSTREAM_TEST_KAFKA</c>; a container through Testcontainers when a Docker engine answers; else
/// librdkafka's in-process mock cluster (three brokers speaking the real protocol), which needs no binaries.
/// Whatever it started is stopped on dispose, which xunit runs also when tests fail.
/// </summary>
public sealed class KafkaFixture() : ServiceFixture<string, KafkaContainer>("Kafka", Variable)
{
    public const string Variable = "ZTSTREAM_TEST_KAFKA";

    private IAdminClient? _mockCluster;

    /// <summary>True on librdkafka's mock cluster, which cannot create topics (it auto-creates them) and is slow with large backlogs.</summary>
    public bool IsMockCluster => _mockCluster is not null;

    /// <summary>Consumer settings that keep consumption prompt at test volumes.</summary>
    public IReadOnlyDictionary<string, string> ConsumerSettings { get; } = new Dictionary<string, string>
    {
        ["fetch.wait.max.ms"] = "1",
        ["fetch.min.bytes"] = "1",

        // The mock cluster holds a rejoin until the departed member's session expires (45 s by default), even
        // after it left the group cleanly; 6 s is the smallest session a real broker accepts by default.
        ["session.timeout.ms"] = "6000",
        ["heartbeat.interval.ms"] = "500",
    };

    /// <summary>Bootstrap servers, starting Kafka on first use; skips the test (or fails it when services are required) when there is none.</summary>
    public Task<string> RequireAsync(CancellationToken cancellationToken = default) => GetAddressAsync(cancellationToken);

    /// <summary><see cref="RequireAsync"/> for code that cannot await (building options in a constructor).</summary>
    public string Require() => GetAddressAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>A topic name no other test uses, in the <c>name.vN</c> shape the dead-letter naming expects.</summary>
    public static string UniqueTopic(string name = "test") => $"zt.test.{name}.{Guid.NewGuid():N}.v1";

    /// <summary>A consumer group no other test uses.</summary>
    public static string UniqueGroup(string name = "test") => $"zt-test-{name}-{Guid.NewGuid():N}";

    protected override string FromEnvironment(string value) => value;

    protected override KafkaContainer BuildContainer() => new KafkaBuilder("confluentinc/cp-kafka:7.5.12").Build();

    protected override string AddressOf(KafkaContainer container) => container.GetBootstrapAddress();

    /// <summary>The mock cluster lives in librdkafka, which Confluent.Kafka always brings.</summary>
    protected override string? FindBinaries(out string missing)
    {
        missing = string.Empty;
        return "librdkafka";
    }

    protected override string DescribeLocal(string binaries) => "librdkafka's mock cluster did not start";

    protected override Task<string> StartLocalAsync(string binaries)
    {
        // Any client configured with test.mock.num.brokers starts the mock cluster inside itself; it lives as long
        // as this client does, and its metadata names the brokers' loopback addresses for other clients.
        var config = new AdminClientConfig { BootstrapServers = string.Empty };
        config.Set("test.mock.num.brokers", "3");
        _mockCluster = new AdminClientBuilder(config).SetLogHandler((_, _) => { }).Build();
        var metadata = _mockCluster.GetMetadata(TimeSpan.FromSeconds(10));
        if (metadata.Brokers.Count == 0)
        {
            _mockCluster.Dispose();
            _mockCluster = null;
            throw new InvalidOperationException("the mock cluster reported no brokers");
        }

        return Task.FromResult(string.Join(",", metadata.Brokers.Select(b => $"{b.Host}:{b.Port}")));
    }

    protected override ValueTask StopLocalAsync()
    {
        _mockCluster?.Dispose();
        _mockCluster = null;
        return ValueTask.CompletedTask;
    }
}
