using System.Diagnostics.Metrics;

namespace ZtStream.TestSupport.Telemetry;

/// <summary>
/// Sums what a counter of meter <paramref name="meter"/> named <paramref name="instrument"/> records, from any meter
/// of that name, only measurements carrying <paramref name="tag"/> when one is given. Start it before what is counted.
/// </summary>
public sealed class CountedMeasurements : IDisposable
{
    private readonly MeterListener listener = new();
    private long total;

    public CountedMeasurements(string meter, string instrument, KeyValuePair<string, object?>? tag = null)
    {
        listener.InstrumentPublished = (published, l) =>
        {
            if (published.Meter.Name == meter && published.Name == instrument)
            {
                l.EnableMeasurementEvents(published);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            if (tag is not { } wanted)
            {
                Interlocked.Add(ref total, value);
                return;
            }

            foreach (var t in tags)
            {
                if (t.Key == wanted.Key && Equals(t.Value, wanted.Value))
                {
                    Interlocked.Add(ref total, value);
                }
            }
        });
        listener.Start();
    }

    public long Total => Interlocked.Read(ref total);

    public void Dispose() => listener.Dispose();
}
