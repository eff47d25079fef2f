using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using ZtStream.Platform.EventLog;
using ZtStream.Platform.EventLog.FileLog;
using ZtStream.Platform.Options;

namespace ZtStream.Benchmarks.EventLog;

/// <summary>
/// A consumer that keeps up with the file log (what the Verifier's loops do under <c>EventLog:MaxConsumerLag</c>):
/// 2,000 records of a simulated event's size (835 bytes), just appended in two requests of 1,000, read back from the
/// start of their partitions in batches of 256 — from the partitions' in-memory tail (<see cref="TailBytes"/> 2 MiB,
/// the default) or from the segment files (0). A fresh folder per iteration; reported per record.
/// </summary>
[MemoryDiagnoser]
public class FileLogTailBenchmarks
{
    private const int Records = 2_000;
    private const string Topic = "zt.bench.v1";

    private LogRecord[][] _requests = [];
    private string _folder = "";
    private FileEventLog? _log;

    [Params(0L, 2L * 1024 * 1024)]
    public long TailBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var value = new byte[835];
        Random.Shared.NextBytes(value);
        var headers = new Dictionary<string, string> { ["zt-source"] = "bench" };
        _requests = [.. Enumerable.Range(0, 2).Select(r =>
            Enumerable.Range(0, Records / 2).Select(i => new LogRecord($"principal-{(r * 1000) + i}", value, headers)).ToArray())];
    }

    [IterationSetup]
    public void AppendRequests()
    {
        _folder = Directory.CreateTempSubdirectory("ztstream-tailbench-").FullName;
        _log = new FileEventLog(new EventLogOptions { Kind = EventLogOptions.File, Path = _folder, TailBytes = TailBytes }, TimeProvider.System, NullLogger.Instance);
        foreach (var request in _requests)
        {
            _log.AppendAsync(Topic, request, CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    [IterationCleanup]
    public void Close()
    {
        _log?.Dispose();
        _log = null;
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public async Task<int> ReadBack()
    {
        var total = 0;
        for (var partition = 0; partition < 3; partition++)
        {
            long from = 0;
            while (true)
            {
                var batch = await _log!.ReadAsync(Topic, partition, from, 256, CancellationToken.None);
                if (batch.Count == 0)
                {
                    break;
                }

                total += batch.Count;
                from = batch[^1].Offset + 1;
            }
        }

        return total == Records ? total : throw new InvalidOperationException($"read {total} of {Records}");
    }
}
