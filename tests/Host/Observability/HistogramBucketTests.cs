using System.Diagnostics.Metrics;

namespace ZtStream.Host.Tests.Observability;

/// <summary>
/// A histogram of seconds without buckets of its own gets OpenTelemetry's default boundaries (0, 5, 10 … 10000), made
/// for milliseconds: every answer below five seconds falls into one bucket and its quantiles say nothing.
/// </summary>
public sealed class HistogramBucketTests
{
    public static TheoryData<string> SecondsHistograms() =>
        new(ExportedSeries.Names.Values.OfType<Histogram<double>>().Where(h => h.Unit == "s").Select(h => h.Name).Distinct().Order());

    [Theory]
    [MemberData(nameof(SecondsHistograms))]
    public void SecondsHistogram_HasBucketsOfSeconds(string name)
    {
        var histogram = ExportedSeries.Names.Values.OfType<Histogram<double>>().First(h => h.Name == name);

        var buckets = histogram.Advice?.HistogramBucketBoundaries;

        Assert.True(buckets is { Count: > 0 }, $"{name} sets no bucket boundaries, so the exporter's millisecond defaults apply");
        Assert.True(buckets[0] <= 0.01, $"{name}: the first bucket ends at {buckets[0]} s; answers in milliseconds are not told apart");
        Assert.True(buckets[^1] <= 3600, $"{name}: the last bucket ends at {buckets[^1]} s");
    }

    [Fact]
    public void SecondsHistograms_IncludeIngestBatchDuration() =>
        Assert.Contains("ztstream.ingest.batch.duration", SecondsHistograms().Select(row => row.Data));
}
