namespace ZtStream.TestSupport.Processes;

/// <summary>
/// Waits for what another process does, by asking again: tests wait for a condition with a generous deadline, never
/// for a fixed time, so a loaded machine makes them slower but not flaky.
/// </summary>
public static class Poll
{
    /// <summary>Asks <paramref name="condition"/> every 250 ms until it holds (true) or <paramref name="timeout"/> passes (false).</summary>
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(250, ct);
        }

        return false;
    }
}
