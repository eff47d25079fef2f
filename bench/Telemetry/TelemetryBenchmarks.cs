using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using ZtStream.Platform.EventLog;
using ZtStream.Platform.Telemetry;
using ZtStream.Verifier.Telemetry;

namespace ZtStream.Benchmarks.Telemetry;

/// <summary>
/// What telemetry adds to each event on the hot paths, with the OpenTelemetry SDK's meter provider listening as in
/// `ztstream run`: the consumer's per-record counter and lag, the Verifier's scored counter and score histogram, and
/// the consumer span when tracing is off. Each must allocate nothing per event.
/// </summary>
[MemoryDiagnoser]
public class TelemetryBenchmarks
{
    private readonly ConsumedRecord _record = new("zt.events.v1", 1, 41, "principal-1", new byte[300], new Dictionary<string, string>(), DateTimeOffset.UnixEpoch);
    private EventLogMetrics _eventLog = null!;
    private VerifierTelemetry _verifier = null!;
    private IHost _host = null!;
    private int _score;

    [GlobalSetup]
    public void Setup()
    {
        // As `ztstream run` composes it (AddTelemetry: the SDK's meter provider, Prometheus exporter, instrumentation),
        // in a started host whose IMeterFactory makes the meters.
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Services.AddTelemetry(builder.Configuration, "verifier");
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<VerifierTelemetry>();
        _host = builder.Build();
        _host.Start();
        // The SDK's provider listens to the meters, so the instruments record as they do in a running host.
        _ = _host.Services.GetRequiredService<MeterProvider>();
        _eventLog = new EventLogMetrics("bench", () => 0);
        _verifier = _host.Services.GetRequiredService<VerifierTelemetry>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _eventLog.Dispose();
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
    }

    /// <summary>Per consumed record: the consumed counter (group, topic) and the partition's lag.</summary>
    [Benchmark]
    public void ConsumerFinished() => _eventLog.Finished("zt-verifier", _record, 100);

    /// <summary>Per scored event: the scored counter and the score histogram.</summary>
    [Benchmark]
    public void VerifierScored() => _verifier.Scored(_score = (_score + 7) % 100, duplicate: false);

    /// <summary>Per consumed record with no exporter configured: no span is made.</summary>
    [Benchmark]
    public object? ProcessSpanWithTracingOff() => EventLogTracing.StartProcess("zt-verifier", _record);
}
