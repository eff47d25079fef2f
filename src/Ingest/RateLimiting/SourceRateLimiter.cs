namespace ZtStream.Ingest.RateLimiting;

/// <summary>
/// A token bucket per source, counted in events. A request is let in while the bucket holds any token and then
/// pays for every event it carried, possibly into debt; so a batch larger than the bucket still passes once, and
/// the source then waits until the debt is repaid. Time comes from <see cref="TimeProvider"/>.
/// </summary>
internal sealed class SourceRateLimiter(IOptions<IngestOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Bucket> buckets = new(StringComparer.Ordinal);

    /// <summary>False when <paramref name="source"/> must wait; <paramref name="retryAfter"/> says how long.</summary>
    public bool TryEnter(string source, out TimeSpan retryAfter)
    {
        var bucket = buckets.GetOrAdd(source, _ => new Bucket(options.Value.RateBurst, time.GetTimestamp()));
        lock (bucket)
        {
            Refill(bucket);
            if (bucket.Tokens > 0)
            {
                retryAfter = TimeSpan.Zero;
                return true;
            }

            // Time until the bucket holds one whole token again.
            retryAfter = TimeSpan.FromSeconds((1 - bucket.Tokens) / options.Value.RatePerSecond);
            return false;
        }
    }

    /// <summary>The 429 answer to <paramref name="source"/> when <see cref="TryEnter"/> refused it, naming the settings.</summary>
    public Problem Refusal(string source, TimeSpan retryAfter)
    {
        var o = options.Value;
        return Problems.Create(429, "rate-limited", "Source rate limit exceeded",
            $"Source '{source}' may send {o.RatePerSecond:0.##} events per second (Ingest:RatePerSecond), in bursts of up to {o.RateBurst} (Ingest:RateBurst).") with
        {
            RetryAfterSeconds = Problems.RetrySeconds(retryAfter),
        };
    }

    /// <summary>Takes <paramref name="events"/> tokens from the source's bucket.</summary>
    public void Charge(string source, int events)
    {
        var bucket = buckets.GetOrAdd(source, _ => new Bucket(options.Value.RateBurst, time.GetTimestamp()));
        lock (bucket)
        {
            Refill(bucket);
            bucket.Tokens -= events;
        }
    }

    private void Refill(Bucket bucket)
    {
        var now = time.GetTimestamp();
        var elapsed = time.GetElapsedTime(bucket.Stamp, now);
        bucket.Stamp = now;
        var o = options.Value;
        bucket.Tokens = Math.Min(o.RateBurst, bucket.Tokens + (elapsed.TotalSeconds * o.RatePerSecond));
    }

    private sealed class Bucket(double tokens, long stamp)
    {
        public double Tokens = tokens;
        public long Stamp = stamp;
    }
}
