namespace ZtStream.Responder.Tests.Drivers;

/// <summary>
/// Fires every timer at once and records the delays asked for, so backoff is asserted without waiting; given a time, the
/// clock stands still there, so a wait computed from it (an HTTP-date <c>Retry-After</c>) does not shrink on a slow machine.
/// </summary>
internal sealed class RecordingTimeProvider(DateTimeOffset? now = null) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now ?? base.GetUtcNow();

    private readonly List<TimeSpan> delays = [];

    public IReadOnlyList<TimeSpan> Delays
    {
        get
        {
            lock (delays)
            {
                return [.. delays];
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (delays)
        {
            delays.Add(dueTime);
        }

        return base.CreateTimer(callback, state, TimeSpan.Zero, period);
    }
}
