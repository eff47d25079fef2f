namespace ZtStream.Platform.EventLog;

/// <summary>
/// An awaitable auto-reset flag: a consumer resets it, checks for work, then waits; a <see cref="Set"/> after the
/// reset (new records, a rebalance) completes the wait, so no wake-up is missed and nothing polls.
/// </summary>
internal sealed class WakeSignal
{
    private TaskCompletionSource _source = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Set() => Volatile.Read(ref _source).TrySetResult();

    public void Reset()
    {
        var current = Volatile.Read(ref _source);
        if (current.Task.IsCompleted)
        {
            Interlocked.CompareExchange(ref _source, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), current);
        }
    }

    public Task WaitAsync(CancellationToken cancellationToken) => Volatile.Read(ref _source).Task.WaitAsync(cancellationToken);
}
