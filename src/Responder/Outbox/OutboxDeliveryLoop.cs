namespace ZtStream.Responder.Outbox;

/// <summary>
/// The loop every outbox is drained by: take the wake signal, run a pass over what is due, report the depth, then wait
/// for the signal (something was queued) or the poll interval (retries coming due). A failed pass is logged and the
/// next one tries again: the outbox keeps everything meanwhile. Each kind says how a pass delivers.
/// </summary>
internal abstract class OutboxDeliveryLoop(OutboxTable table, WakeSignal signal, TimeProvider time) : BackgroundService
{
    protected TimeProvider Time { get; } = time;

    protected abstract TimeSpan PollInterval { get; }

    /// <summary>One pass over what is due.</summary>
    protected abstract Task RunPassAsync(CancellationToken cancellationToken);

    /// <summary>Reports the number of pending items to the kind's gauge.</summary>
    protected abstract void ReportDepth(long depth);

    /// <summary>Logs a pass that failed (the store may be briefly unavailable).</summary>
    protected abstract void PassFailed(Exception exception);

    /// <summary>Wakes the loop for another pass now.</summary>
    protected void Wake() => signal.Set();

    /// <summary>Runs once the loop has stopped; the default does nothing.</summary>
    protected virtual Task StoppedAsync() => Task.CompletedTask;

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            // Taken before the pass: items queued while it runs wake the wait below.
            var wake = signal.NextAsync();
            try
            {
                await RunPassAsync(stoppingToken);
                ReportDepth(await table.PendingCountAsync(stoppingToken));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception)
            {
                PassFailed(exception);
            }

            // A stop ends the delay and the loop.
            await Task.WhenAny(wake, Task.Delay(PollInterval, Time, stoppingToken));
        }

        await StoppedAsync();
    }

    /// <summary>
    /// Claims each due item for one attempt (leased for twice <paramref name="attemptTimeout"/>) and delivers the ones
    /// it got; returns how many were attempted. An item another Responder claimed first is left to it.
    /// </summary>
    protected async Task<int> AttemptEachAsync<TItem>(
        IReadOnlyList<TItem> due, TimeSpan attemptTimeout, Func<TItem, Task> deliver, CancellationToken cancellationToken)
        where TItem : OutboxRow
    {
        ArgumentNullException.ThrowIfNull(due);
        ArgumentNullException.ThrowIfNull(deliver);
        var attempted = 0;
        foreach (var item in due)
        {
            if (!await table.ClaimAsync(item, Time.GetUtcNow() + attemptTimeout + attemptTimeout, cancellationToken))
            {
                continue;
            }

            attempted++;
            await deliver(item);
        }

        return attempted;
    }
}
