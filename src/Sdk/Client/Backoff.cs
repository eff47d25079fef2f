using System.Net.Http.Headers;

namespace ZtStream.Sdk.Client;

/// <summary>Retry delays shared by the sender and the revocation feed.</summary>
internal static class Backoff
{
    /// <summary>
    /// Exponential delay for <paramref name="attempt"/> (1-based), capped at <paramref name="max"/>, with "equal
    /// jitter": half fixed, half random, so many clients restarting together spread out but never retry at once.
    /// </summary>
    public static TimeSpan Delay(int attempt, TimeSpan min, TimeSpan max, double random)
    {
        var exponent = Math.Min(Math.Max(attempt - 1, 0), 30);
        var ticks = Math.Min((double)max.Ticks, min.Ticks * Math.Pow(2, exponent));
        return TimeSpan.FromTicks((long)(ticks / 2 + ticks / 2 * Math.Clamp(random, 0, 1)));
    }

    /// <summary>
    /// The longest <c>Retry-After</c> honoured unless the retry cap is longer: Ingest asks for seconds, and a broken
    /// proxy asking for days would hold every event back that long (or, past a timer's range, stop the sender).
    /// </summary>
    public static readonly TimeSpan LongestRetryAfter = TimeSpan.FromMinutes(5);

    /// <summary>The server's <c>Retry-After</c> (seconds or date), at most <paramref name="longest"/>; or null.</summary>
    public static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now, TimeSpan longest)
    {
        var wait = header?.Delta ?? (header?.Date is { } date ? date - now : null);
        return wait is not { } w ? null
            : w < TimeSpan.Zero ? TimeSpan.Zero
            : w > longest ? longest
            : w;
    }
}
