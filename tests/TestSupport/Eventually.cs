namespace ZtStream.TestSupport;

/// <summary>
/// Waiting for what runs in the background — a consumer, the bus, a hosted service, another process — by asking again
/// until it holds: a test waits for a condition with a generous deadline, never for a fixed time, so a loaded machine
/// makes it slower but not flaky. Asks at once, then every 10 ms, backing off to every 250 ms.
/// </summary>
public static class Eventually
{
    /// <summary>How long a condition may take when the test does not say: generous, since CI machines are shared.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LongestPause = TimeSpan.FromMilliseconds(250);

    /// <summary>Waits until <paramref name="condition"/> holds; fails the test naming <paramref name="what"/> when it has not by the deadline.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        if (!await WithinAsync(condition, timeout ?? DefaultTimeout, TestContext.Current.CancellationToken))
        {
            Assert.Fail($"timed out waiting until {what}");
        }
    }

    /// <summary>As <see cref="HoldsAsync(Func{Task{bool}}, string, TimeSpan?)"/> for a condition read without awaiting.</summary>
    public static Task HoldsAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        HoldsAsync(() => Task.FromResult(condition()), what, timeout);

    /// <summary>
    /// Waits until <paramref name="condition"/> holds (true) or <paramref name="timeout"/> passes (false), for a caller
    /// that adds its own evidence to the failure, such as another process's output.
    /// </summary>
    public static async Task<bool> WithinAsync(Func<Task<bool>> condition, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var pause = FirstPause;
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(pause, ct);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPause.Ticks));
        }

        return true;
    }
}
