namespace ZtStream.Platform;

/// <summary>
/// How long to wait before trying again, the one way every retry loop here computes it: the event log's handlers,
/// the outboxes (notifications, SETs) and the drivers that call out. The SDK, which ships without the platform,
/// keeps its own with jitter.
/// </summary>
internal static class Backoff
{
    /// <summary>
    /// <paramref name="initial"/> doubled per failed attempt (<paramref name="attempt"/> counts from 1), at most
    /// <paramref name="max"/>; a longer wait the other side asked for (<paramref name="retryAfter"/>) is honoured up to
    /// <paramref name="max"/> too.
    /// </summary>
    public static TimeSpan Exponential(long attempt, TimeSpan initial, TimeSpan max, TimeSpan? retryAfter = null)
    {
        var doubled = initial.Ticks * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30));
        var backoff = TimeSpan.FromTicks((long)Math.Min(max.Ticks, doubled));
        return retryAfter is { } asked && asked > backoff ? (asked < max ? asked : max) : backoff;
    }

    /// <summary>
    /// The wait an HTTP answer asks for in <c>Retry-After</c> (RFC 9110 §10.2.3: seconds, or a date, which in the past
    /// means now), or null when it asks for none.
    /// </summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta < TimeSpan.Zero ? TimeSpan.Zero : delta,
            { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
            _ => null,
        };
    }
}
