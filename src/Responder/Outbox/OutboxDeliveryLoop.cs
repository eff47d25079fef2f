namespace ZtStream.Responder.Outbox;

/// <summary>
/// The loop every outbox is drained by: take the wake signal, run a pass over what is due, report the depth, then wait
/// for the signal (something was queued) or the poll interval (retries coming due). A failed pass is logged and the
/// next one tries again: the outbox keeps everything meanwhile. Each kind says how a pass delivers.
/// Due times are wall-clock times, so that another Responder or a restart picks an item up; before each pass the loop
/// brings back what a step back of the wall clock stranded (<see cref="ReleaseStrandedAsync"/>).
/// </summary>
internal abstract class OutboxDeliveryLoop(OutboxTable table, WakeSignal signal, TimeProvider time, ILogger logger) : BackgroundService
{
    // Beyond the longest wait the loop sets: room for the small skew between Responders' clocks that NTP leaves.
    private static readonly TimeSpan StepMargin = TimeSpan.FromMinutes(1);
    private const int StrandedBatch = 100;

    // Items due further ahead than any wait this loop sets: the due time seen, and when it was first seen (monotonic).
    private readonly Dictionary<long, (DateTimeOffset DueAt, long Since)> stranded = [];

    protected TimeProvider Time { get; } = time;

    protected abstract TimeSpan PollInterval { get; }

    /// <summary>The most one attempt may take; an item is leased for twice this.</summary>
    protected abstract TimeSpan AttemptTimeout { get; }

    /// <summary>The longest backoff the kind sets between attempts.</summary>
    protected abstract TimeSpan MaxBackoff { get; }

    private TimeSpan Lease => AttemptTimeout + AttemptTimeout;

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
                await ReleaseStrandedAsync(stoppingToken);
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
    /// Makes due now each item whose due time lies further ahead than any wait this loop sets (the longer of
    /// <see cref="MaxBackoff"/> and the lease, plus a margin) and has stayed so, unchanged, for a lease by the monotonic
    /// clock. Such a due time was set before the wall clock stepped back (or by a Responder whose clock
    /// was ahead), and would otherwise hold its item for the length of the step. Waiting out a lease first keeps the
    /// exclusion leases give: an attempt in flight, here or at another Responder, ends within its lease and changes the
    /// item, so what is released is an item nobody holds.
    /// </summary>
    private async Task ReleaseStrandedAsync(CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow();
        var longest = (MaxBackoff > Lease ? MaxBackoff : Lease) + StepMargin;
        var ahead = await table.DueBeyondAsync(now + longest, StrandedBatch, cancellationToken);
        var seenAt = Time.GetTimestamp();
        var current = ahead.Select(a => a.Id).ToHashSet();
        foreach (var id in stranded.Keys.Where(id => !current.Contains(id)).ToList())
        {
            stranded.Remove(id);
        }

        foreach (var (id, dueAt) in ahead)
        {
            if (!stranded.TryGetValue(id, out var seen) || seen.DueAt != dueAt)
            {
                stranded[id] = (dueAt, seenAt);
                continue;
            }

            if (Time.GetElapsedTime(seen.Since, seenAt) < Lease)
            {
                continue;
            }

            stranded.Remove(id);
            if (await table.MoveDueAsync(id, dueAt, now, cancellationToken))
            {
                DriverLog.OutboxItemReleased(logger, table.Name, id, dueAt);
            }
        }
    }

    /// <summary>
    /// Claims each due item for one attempt (leased for twice <see cref="AttemptTimeout"/>) and delivers the ones it
    /// got; returns how many were attempted. An item another Responder claimed first is left to it.
    /// </summary>
    protected async Task<int> AttemptEachAsync<TItem>(
        IReadOnlyList<TItem> due, Func<TItem, Task> deliver, CancellationToken cancellationToken, Func<TItem, bool>? skip = null)
        where TItem : OutboxRow
    {
        ArgumentNullException.ThrowIfNull(due);
        ArgumentNullException.ThrowIfNull(deliver);
        var attempted = 0;
        foreach (var item in due)
        {
            if (skip?.Invoke(item) == true || !await table.ClaimAsync(item, Time.GetUtcNow() + Lease, cancellationToken))
            {
                continue;
            }

            attempted++;
            await deliver(item);
        }

        return attempted;
    }
}
