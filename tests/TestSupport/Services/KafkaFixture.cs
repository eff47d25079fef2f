using System.Net.Sockets;
using Confluent.Kafka;
using Testcontainers.Kafka;
using Xunit;

namespace ZtStream.TestSupport.Services;

/// <summary>
/// A Kafka for tests, found in this order: bootstrap servers in <c>ZTSTREAM_TEST_KAFKA</c>; a container through
/// Testcontainers when a Docker engine answers; librdkafka's in-process mock cluster (three brokers speaking the
/// real protocol). Whatever it started is stopped in <see cref="DisposeAsync"/>, which xunit runs also when tests fail.
/// </summary>
public sealed class KafkaFixture : IAsyncLifetime
{
    public const string Variable = "ZTSTREAM_TEST_KAFKA";

    private static readonly TimeSpan DockerProbeTimeout = TimeSpan.FromSeconds(2);

    private KafkaContainer? _container;
    private IAdminClient? _mockCluster;
    private string _unavailableReason = "not initialised";

    /// <summary>Bootstrap servers, or null when no Kafka could be had.</summary>
    public string? BootstrapServers { get; private set; }

    /// <summary>Where the Kafka came from: environment, docker or mock cluster.</summary>
    public string Source { get; private set; } = "none";

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

    /// <summary>Bootstrap servers; skips the test (or fails it when services are required) when there is no Kafka.</summary>
    public string Require()
    {
        if (BootstrapServers is null)
        {
            ServiceRequirement.Unavailable("Kafka", _unavailableReason);
        }

        return BootstrapServers!;
    }

    /// <summary>A topic name no other test uses, in the <c>name.vN</c> shape the dead-letter naming expects.</summary>
    public static string UniqueTopic(string name = "test") => $"zt.test.{name}.{Guid.NewGuid():N}.v1";

    /// <summary>A consumer group no other test uses.</summary>
    public static string UniqueGroup(string name = "test") => $"zt-test-{name}-{Guid.NewGuid():N}";

    public async ValueTask InitializeAsync()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            BootstrapServers = fromEnvironment;
            Source = "environment";
            return;
        }

        List<string> tried = [$"{Variable} is not set"];
        var docker = await ProbeDockerAsync().ConfigureAwait(false);
        if (docker is null)
        {
            try
            {
                _container = new KafkaBuilder("confluentinc/cp-kafka:7.5.12").Build();
                using var starting = new CancellationTokenSource(TimeSpan.FromMinutes(3));
                await _container.StartAsync(starting.Token).ConfigureAwait(false);
                BootstrapServers = _container.GetBootstrapAddress();
                Source = "docker";
                return;
            }
            catch (Exception ex)
            {
                tried.Add($"Testcontainers could not start Kafka ({ex.GetType().Name}: {ex.Message})");
                await DisposeContainerAsync().ConfigureAwait(false);
            }
        }
        else
        {
            tried.Add(docker);
        }

        try
        {
            StartMockCluster();
            return;
        }
        catch (Exception ex)
        {
            tried.Add($"librdkafka's mock cluster did not start ({ex.GetType().Name}: {ex.Message})");
            _mockCluster?.Dispose();
            _mockCluster = null;
        }

        _unavailableReason = string.Join("; ", tried);
    }

    public async ValueTask DisposeAsync()
    {
        await DisposeContainerAsync().ConfigureAwait(false);
        _mockCluster?.Dispose();
        _mockCluster = null;
    }

    private void StartMockCluster()
    {
        // Any client configured with test.mock.num.brokers starts the mock cluster inside itself; it lives as long
        // as this client does, and its metadata names the brokers' loopback addresses for other clients.
        var config = new AdminClientConfig { BootstrapServers = string.Empty };
        config.Set("test.mock.num.brokers", "3");
        _mockCluster = new AdminClientBuilder(config).SetLogHandler((_, _) => { }).Build();
        var metadata = _mockCluster.GetMetadata(TimeSpan.FromSeconds(10));
        if (metadata.Brokers.Count == 0)
        {
            throw new InvalidOperationException("the mock cluster reported no brokers");
        }

        BootstrapServers = string.Join(",", metadata.Brokers.Select(b => $"{b.Host}:{b.Port}"));
        Source = "mock cluster";
    }

    /// <summary>Null when a Docker engine answers quickly, else why not.</summary>
    private static async Task<string?> ProbeDockerAsync()
    {
        var dockerHost = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (!string.IsNullOrEmpty(dockerHost) && !dockerHost.StartsWith("unix://", StringComparison.Ordinal))
        {
            return null; // a remote engine: let Testcontainers try it
        }

        var socketPath = string.IsNullOrEmpty(dockerHost) ? "/var/run/docker.sock" : dockerHost["unix://".Length..];
        if (!File.Exists(socketPath))
        {
            return $"no Docker engine ({socketPath} is missing)";
        }

        try
        {
            using var timeout = new CancellationTokenSource(DockerProbeTimeout);
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), timeout.Token).ConfigureAwait(false);
            await socket.SendAsync("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"u8.ToArray(), SocketFlags.None, timeout.Token).ConfigureAwait(false);
            var buffer = new byte[64];
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            var status = System.Text.Encoding.ASCII.GetString(buffer, 0, read);
            return status.Contains(" 200 ", StringComparison.Ordinal) ? null : $"the Docker engine at {socketPath} did not answer its ping";
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
        {
            return $"the Docker engine at {socketPath} did not answer within {DockerProbeTimeout.TotalSeconds:0}s ({ex.GetType().Name})";
        }
    }

    private async Task DisposeContainerAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync().ConfigureAwait(false);
            _container = null;
        }
    }
}
