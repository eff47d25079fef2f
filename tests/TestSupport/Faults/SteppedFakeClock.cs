using Microsoft.Extensions.Time.Testing;

namespace ZtStream.TestSupport.Faults;

/// <summary>
/// A fake clock whose wall clock steps by <see cref="Offset"/> (an NTP step, a VM resumed from a snapshot) while its
/// monotonic clock moves only with <see cref="FakeTimeProvider.Advance"/>, as the kernel leaves it.
/// </summary>
public sealed class SteppedFakeClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;

    public override long GetTimestamp() => base.GetUtcNow().Ticks;
}
