using System.Reflection;
using System.Runtime.InteropServices;

namespace ZtStream.TestSupport.Faults;

/// <summary>
/// A librdkafka mock cluster of the test's own, whose brokers can be taken down and brought back for real
/// (<c>rd_kafka_mock_broker_set_down</c>/<c>_up</c>: the broker closes its connections and refuses new ones). The
/// mock cluster lives inside the client that started it; its handle comes from that client through the same
/// librdkafka Confluent.Kafka loaded.
/// </summary>
public sealed class KafkaMockCluster : IDisposable
{
    private readonly IAdminClient _owner;
    private readonly IntPtr _cluster;
    private readonly SetBroker _setDown;
    private readonly SetBroker _setUp;

    private KafkaMockCluster(IAdminClient owner, IntPtr cluster, SetBroker setDown, SetBroker setUp, string bootstrapServers, int brokers)
    {
        _owner = owner;
        _cluster = cluster;
        _setDown = setDown;
        _setUp = setUp;
        BootstrapServers = bootstrapServers;
        Brokers = brokers;
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr ClusterHandle(IntPtr client);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int SetBroker(IntPtr cluster, int brokerId);

    public string BootstrapServers { get; }

    public int Brokers { get; }

    public static KafkaMockCluster Start(int brokers = 1)
    {
        var config = new AdminClientConfig { BootstrapServers = string.Empty };
        config.Set("test.mock.num.brokers", brokers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var owner = new AdminClientBuilder(config).SetLogHandler((_, _) => { }).Build();
        try
        {
            var metadata = owner.GetMetadata(TimeSpan.FromSeconds(10));
            var library = LoadedLibrdkafka();
            var handleOf = Marshal.GetDelegateForFunctionPointer<ClusterHandle>(NativeLibrary.GetExport(library, "rd_kafka_handle_mock_cluster"));
            var cluster = handleOf(ClientPointer(owner));
            if (cluster == IntPtr.Zero)
            {
                throw new InvalidOperationException("the client has no mock cluster");
            }

            return new KafkaMockCluster(
                owner,
                cluster,
                Marshal.GetDelegateForFunctionPointer<SetBroker>(NativeLibrary.GetExport(library, "rd_kafka_mock_broker_set_down")),
                Marshal.GetDelegateForFunctionPointer<SetBroker>(NativeLibrary.GetExport(library, "rd_kafka_mock_broker_set_up")),
                string.Join(",", metadata.Brokers.Select(b => $"{b.Host}:{b.Port}")),
                brokers);
        }
        catch (Exception ex)
        {
            owner.Dispose();
            ServiceRequirement.Unavailable("a Kafka mock cluster whose brokers can be stopped", $"{ex.GetType().Name}: {ex.Message}");
            throw;
        }
    }

    /// <summary>Every broker down: connections close, nothing is accepted until <see cref="AllUp"/>.</summary>
    public void AllDown()
    {
        for (var broker = 1; broker <= Brokers; broker++)
        {
            Check(_setDown(_cluster, broker), "down", broker);
        }
    }

    public void AllUp()
    {
        for (var broker = 1; broker <= Brokers; broker++)
        {
            Check(_setUp(_cluster, broker), "up", broker);
        }
    }

    public void Dispose() => _owner.Dispose();

    private static void Check(int error, string what, int broker)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"rd_kafka_mock_broker_set_{what}({broker}) returned {error}");
        }
    }

    /// <summary>The librdkafka this process already loaded (Confluent.Kafka picks the file per platform): dlopen gives its handle again.</summary>
    private static IntPtr LoadedLibrdkafka()
    {
        var path = File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault())
            .FirstOrDefault(p => p is not null && p.StartsWith('/') && Path.GetFileName(p).EndsWith("librdkafka.so", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("librdkafka is not loaded");
        return NativeLibrary.Load(path);
    }

    /// <summary>The rd_kafka_t* behind a Confluent.Kafka client (not public API: read through its handle).</summary>
    private static IntPtr ClientPointer(IClient client)
    {
        var property = typeof(Handle).GetProperty("LibrdkafkaHandle", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("Confluent.Kafka's Handle has no LibrdkafkaHandle");
        var handle = (SafeHandle)property.GetValue(client.Handle)!;
        return handle.DangerousGetHandle();
    }
}
