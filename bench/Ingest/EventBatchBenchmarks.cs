using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;
using ZtStream.Contracts.Events;
using ZtStream.Contracts.Serialization;
using ZtStream.Ingest.Endpoints;
using ZtStream.Ingest.Options;
using ZtStream.Ingest.Validation;
using ZtStream.Verifier.Simulation;

namespace ZtStream.Benchmarks.Ingest;

/// <summary>
/// <c>POST /v1/events</c> without the HTTP: a body of 1,000 canonical events (simulated traffic, no <c>source</c>, as a
/// sender posts them) parsed and validated, and each accepted event turned into the bytes of its log record, either by
/// serialising the validated event again with the stamped source (before) or by forwarding the item's own bytes with
/// the source spliced in (after). One operation = one body of 1,000 events.
/// </summary>
[MemoryDiagnoser]
public class EventBatchBenchmarks
{
    private const int Events = 1_000;
    private readonly EventBatchParser parser = new(new EventValidator(Options.Create(new IngestOptions()), TimeProvider.System));
    private byte[] body = [];

    [GlobalSetup]
    public void Setup()
    {
        var now = DateTimeOffset.UtcNow;
        var monday = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(-7 - (((int)now.DayOfWeek + 6) % 7));
        var events = new TrafficSimulator(new SimulationOptions { Principals = 200, Days = 1, Seed = 3, Start = monday })
            .Generate().Take(Events).Select(e => e.Event with { Source = null }).ToList();
        body = JsonSerializer.SerializeToUtf8Bytes(events, ContractsJsonContext.Default.ListAccessEvent);
    }

    [Benchmark(Baseline = true)]
    public int Reserialize()
    {
        var total = 0;
        foreach (var item in parser.Parse(body, EventsFormat.Json).Items)
        {
            total += ContractJson.Serialize(item.Event with { Source = "bench" }).Length;
        }

        return total;
    }

    [Benchmark]
    public int Forward()
    {
        var stamp = "\"source\":\"bench\","u8.ToArray();
        var total = 0;
        foreach (var item in parser.Parse(body, EventsFormat.Json).Items)
        {
            total += EventAppender.Stamped(item.Json!, stamp).Length;
        }

        return total;
    }
}
