using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using ZtStream.Platform.EventLog;
using ZtStream.Platform.EventLog.FileLog;
using ZtStream.Platform.Options;

namespace ZtStream.Benchmarks.EventLog;

/// <summary>
/// The durable embedded log's candidates side by side (issue 10): segment files (<see cref="FileEventLog"/>, under
/// each fsync policy) and SQLite in WAL mode (<see cref="SqliteWalLogCandidate"/>). <c>Append</c>: four concurrent
/// writers each append batches of <see cref="BatchSize"/> records of 300 bytes (500: Ingest's unit from a log shipper;
/// 10: an SDK flushing small batches), every append waiting for its acknowledgement — 20,000 records per operation,
/// reported per record. <c>Consume</c>: 20,000 records read back from
/// the start of their partitions in batches of 256, as a consumer group does. A fresh folder per iteration.
/// </summary>
[MemoryDiagnoser]
public class EmbeddedLogBenchmarks
{
    private const int Writers = 4;
    private const int Records = 20_000;
    private const string Topic = "zt.bench.v1";

    private readonly byte[] _value = new byte[300];
    private LogRecord[][] _batches = [];
    private string _folder = "";
    private FileEventLog? _file;
    private SqliteWalLogCandidate? _sqlite;

    /// <summary><c>file-group</c>, <c>file-always</c>, <c>file-os</c> or <c>sqlite-wal</c>.</summary>
    [Params("file-group", "file-always", "file-os", "sqlite-wal")]
    public string Candidate { get; set; } = "file-group";

    [Params(500, 10)]
    public int BatchSize { get; set; } = 500;

    private int BatchesPerWriter => Records / Writers / BatchSize;

    [GlobalSetup]
    public void Setup()
    {
        Random.Shared.NextBytes(_value);
        _batches = [.. Enumerable.Range(0, Writers).Select(w =>
            Enumerable.Range(0, BatchSize).Select(i => new LogRecord($"principal-{(w * 1000) + (i % 250)}", _value, new Dictionary<string, string> { ["zt-source"] = "bench" })).ToArray())];
    }

    [IterationSetup(Target = nameof(Append))]
    public void OpenEmpty() => Open();

    [IterationSetup(Target = nameof(Consume))]
    public void OpenFilled()
    {
        Open();
        AppendAllAsync().GetAwaiter().GetResult();
    }

    [IterationCleanup]
    public void Close()
    {
        _file?.Dispose();
        _sqlite?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _file = null;
        _sqlite = null;
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public Task Append() => AppendAllAsync();

    [Benchmark(OperationsPerInvoke = Records)]
    public async Task<int> Consume()
    {
        var total = 0;
        for (var partition = 0; partition < 3; partition++)
        {
            if (_file is not null)
            {
                long from = 0;
                while (true)
                {
                    var batch = await _file.ReadAsync(Topic, partition, from, 256, CancellationToken.None);
                    if (batch.Count == 0)
                    {
                        break;
                    }

                    total += batch.Count;
                    from = batch[^1].Offset + 1;
                }
            }
            else
            {
                total += await _sqlite!.ReadAllAsync(Topic, partition, 256);
            }
        }

        return total == Records ? total : throw new InvalidOperationException($"read {total} of {Records}");
    }

    private void Open()
    {
        _folder = Directory.CreateTempSubdirectory("ztstream-logbench-").FullName;
        if (Candidate == "sqlite-wal")
        {
            _sqlite = new SqliteWalLogCandidate(Path.Combine(_folder, "log.db"), 3);
            return;
        }

        var fsync = Candidate["file-".Length..];
        _file = new FileEventLog(new EventLogOptions { Kind = EventLogOptions.File, Path = _folder, Fsync = fsync }, TimeProvider.System, NullLogger.Instance);
    }

    private Task AppendAllAsync() => Task.WhenAll(_batches.Select(async batch =>
    {
        for (var i = 0; i < BatchesPerWriter; i++)
        {
            if (_file is not null)
            {
                await _file.AppendAsync(Topic, batch, CancellationToken.None);
            }
            else
            {
                await _sqlite!.AppendAsync(Topic, batch);
            }
        }
    }));
}
