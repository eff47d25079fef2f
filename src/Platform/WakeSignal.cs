namespace ZtStream.Platform;

/// <summary>
/// An awaitable pulse, the one way a background loop or a stream is woken instead of polling: take
/// <see cref="NextAsync"/> before looking for work, look, then await the task; a <see cref="Set"/> anywhere after
/// the take completes it, so no wake-up is missed, and any number of waiters may share one signal. Where one
/// process holds several (the revocation feed's, the SSF outbox's), each is a keyed singleton.
/// </summary>
internal sealed class WakeSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A task that completes at the next <see cref="Set"/>.</summary>
    public Task NextAsync() => Volatile.Read(ref _next).Task;

    /// <summary>Wakes every wait taken before now.</summary>
    public void Set() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
