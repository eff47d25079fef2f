using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using ZtStream.Verifier.Telemetry;

namespace ZtStream.Verifier.Tests.Telemetry;

public sealed class VerifierTelemetryTests
{
    [Fact]
    public void Gauges_TwoWorkersWatched_ShowTheSumAndEveryPartition_UntilOneStops()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var telemetry = new VerifierTelemetry(factory, TimeProvider.System);
        var now = TimeProvider.System.GetTimestamp();
        var first = telemetry.Watch(new StateBudget(300, 20, 2), () => [new PartitionGauge("events", 0, 7, now), new PartitionGauge("events", 2, 5, now)]);
        using var second = telemetry.Watch(new StateBudget(200, 10, 2), () => [new PartitionGauge("events", 1, 11, now)]);

        var both = Collect(factory);
        Assert.Equal([500L], both["ztstream.verifier.principals.limit"]);
        Assert.Equal([30L], both["ztstream.verifier.alerts.open.limit"]);
        Assert.Equal([5L, 7L, 11L], both["ztstream.verifier.principals"].Order());

        first.Dispose();
        var one = Collect(factory);
        Assert.Equal([200L], one["ztstream.verifier.principals.limit"]);
        Assert.Equal([11L], one["ztstream.verifier.principals"]);
    }

    /// <summary>One collection of the Verifier meter's observable instruments made by <paramref name="factory"/>.</summary>
    private static Dictionary<string, List<long>> Collect(IMeterFactory factory)
    {
        var seen = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == VerifierTelemetry.Name && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Add(seen, instrument.Name, value));
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => Add(seen, instrument.Name, value));
        listener.Start();
        listener.RecordObservableInstruments();
        return seen;
    }

    private static void Add(Dictionary<string, List<long>> seen, string name, long value)
    {
        if (!seen.TryGetValue(name, out var values))
        {
            seen[name] = values = [];
        }

        values.Add(value);
    }
}
