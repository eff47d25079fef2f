namespace ZtStream.Platform.Telemetry;

/// <summary>Instrument shapes the components' meters share.</summary>
internal static class MeterExtensions
{
    /// <summary>A histogram with explicit bucket boundaries: the SDK's defaults suit milliseconds, ours record seconds and scores.</summary>
    public static Histogram<T> CreateHistogram<T>(this Meter meter, string name, string unit, string description, IReadOnlyList<T> buckets)
        where T : struct =>
        meter.CreateHistogram(name, unit, description, advice: new InstrumentAdvice<T> { HistogramBucketBoundaries = buckets });
}
