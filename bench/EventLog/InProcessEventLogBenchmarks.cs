using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using ZtStream.Platform.EventLog;
using ZtStream.Platform.EventLog.InProcess;
using ZtStream.Platform.Options;

namespace ZtStream.Benchmarks.EventLog;

/// <summary>The embedded log's append path: key placement and a 500-record batch (Ingest's typical unit).</summary>
[MemoryDiagnoser]
public class InProcessEventLogBenchmarks
{
    private readonly byte[] _value = new byte[300];
    private LogRecord[] _batch = [];
    private InProcessEventLog _log = null!;

    [GlobalSetup]
    public void Setup()
    {
        _batch = [.. Enumerable.Range(0, 500).Select(i => new LogRecord($"principal-{i % 1000}", _value))];

        // No group reads the topic, so retention drops the oldest and the log never refuses.
        _log = new InProcessEventLog(new EventLogOptions { MaxQueuedRecords = 100_000 }, TimeProvider.System, NullLogger<InProcessEventLog>.Instance);
    }

    [GlobalCleanup]
    public void Cleanup() => _log.Dispose();

    [Benchmark]
    public int PartitionFor() => Murmur2Partitioner.PartitionFor("principal-12345", 12);

    [Benchmark(OperationsPerInvoke = 500)]
    public Task AppendBatchOf500() => _log.AppendAsync("zt.bench.v1", _batch, CancellationToken.None);
}
