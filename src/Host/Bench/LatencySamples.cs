namespace ZtStream.Host.Bench;

/// <summary>
/// Latencies of one stage in whole milliseconds, counted in fixed buckets so that recording one (on the hot path, for
/// every record) allocates nothing and the heap measured around the run does not grow with it.
/// </summary>
internal sealed class LatencySamples
{
    private const int MaxMilliseconds = 120_000;
    private readonly long[] buckets = new long[MaxMilliseconds + 1];
    private long count;

    public long Count => Interlocked.Read(ref count);

    public void Add(double milliseconds)
    {
        var bucket = milliseconds <= 0 ? 0 : milliseconds >= MaxMilliseconds ? MaxMilliseconds : (int)Math.Round(milliseconds);
        Interlocked.Increment(ref buckets[bucket]);
        Interlocked.Increment(ref count);
    }

    /// <summary>The <paramref name="quantile"/> (0–1) in milliseconds, or null when nothing was recorded.</summary>
    public double? Quantile(double quantile)
    {
        var total = Count;
        if (total == 0)
        {
            return null;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        long seen = 0;
        for (var i = 0; i < buckets.Length; i++)
        {
            seen += Interlocked.Read(ref buckets[i]);
            if (seen >= rank)
            {
                return i;
            }
        }

        return MaxMilliseconds;
    }

    public JsonObject ToJson() => new() { ["p50"] = Quantile(0.50), ["p99"] = Quantile(0.99), ["count"] = Count };
}
