namespace ZtStream.TestSupport.Faults;

/// <summary>
/// The system's clocks with the wall clock stepped by <see cref="Offset"/> (an NTP step, a VM resumed from a snapshot);
/// the monotonic one left alone, as the kernel leaves it. For a test whose background loops really wait.
/// </summary>
public sealed class SteppedSystemClock : TimeProvider
{
    private long offsetTicks;

    public TimeSpan Offset
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref offsetTicks));
        set => Interlocked.Exchange(ref offsetTicks, value.Ticks);
    }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
