using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using ZtStream.Platform.EventLog;
using ZtStream.Platform.EventLog.FileLog;
using ZtStream.Platform.EventLog.Local;
using ZtStream.Platform.Options;

namespace ZtStream.Benchmarks.EventLog;

/// <summary>
/// The file log's read-back as its local consumer does it (issue 12): <see cref="Records"/> records of ≈ 900 bytes (an
/// access event's size) read from the start of their partitions in batches of 256, every value's bytes summed, into
/// arrays of their own per read (<see cref="OwnArrays"/>: what a browser's read does, and the consumer did before) or
/// into pooled arrays handed back once the batch was handled (<see cref="Pooled"/>: the consumer now; the browser's read
/// also allocates its result list, ≈ 16 bytes a record of the difference). One log, filled once and read from the page
/// cache; reported per record.
/// </summary>
[MemoryDiagnoser]
public class ReadBackBenchmarks
{
    private const int Records = 20_000;
    private const int Batch = 256;
    private const int Partitions = 3;
    private const string Topic = "zt.bench.v1";

    private readonly List<ConsumedRecord> _batch = new(Batch);
    private readonly ReadBuffers _buffers = new();
    private string _folder = "";
    private FileEventLog? _log;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("ztstream-readback-").FullName;
        _log = new FileEventLog(new EventLogOptions { Kind = EventLogOptions.File, Path = _folder, Partitions = Partitions }, TimeProvider.System, NullLogger.Instance);
        var value = new byte[900];
        Random.Shared.NextBytes(value);
        var headers = new Dictionary<string, string> { ["zt-source"] = "bench" };
        for (var first = 0; first < Records; first += 1_000)
        {
            _log.AppendAsync(Topic, [.. Enumerable.Range(first, 1_000).Select(i => new LogRecord($"principal-{i % 1_000}", value, headers))], CancellationToken.None)
                .GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _log?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Records)]
    public long OwnArrays() => ReadAll(pooled: false);

    [Benchmark(OperationsPerInvoke = Records)]
    public long Pooled() => ReadAll(pooled: true);

    private long ReadAll(bool pooled)
    {
        var partitions = (ILocalPartitions)_log!;
        long bytes = 0, records = 0;
        for (var partition = 0; partition < Partitions; partition++)
        {
            for (long from = 0; ; from = _batch[^1].Offset + 1)
            {
                _batch.Clear();
                if (pooled)
                {
                    _buffers.ReturnAll();
                    partitions.Read(Topic, partition, from, Batch, _batch, _buffers);
                }
                else
                {
                    _batch.AddRange(_log!.ReadAsync(Topic, partition, from, Batch, CancellationToken.None).GetAwaiter().GetResult());
                }

                if (_batch.Count == 0)
                {
                    break;
                }

                foreach (var record in _batch)
                {
                    foreach (var b in record.Value.Span)
                    {
                        bytes += b;
                    }
                }

                records += _batch.Count;
            }
        }

        _buffers.ReturnAll();
        return records == Records ? bytes : throw new InvalidOperationException($"read {records} of {Records}");
    }
}
