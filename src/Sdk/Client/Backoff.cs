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

    /// <summary>The server's <c>Retry-After</c> (seconds or date), or null.</summary>
    public static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now)
    {
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - now;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }
}
