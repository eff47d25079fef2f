namespace ZtStream.Responder.Actions;

/// <summary>
/// Drives time: releases isolations whose TTL passed, expires approvals nobody gave, sends again at every pass the
/// commands a send left queued in this process (the bus down or slow), and re-sends commands of actions left queued
/// (a crash between deciding and sending) or dispatched past <c>RedispatchAfter</c> (a command lost with a broker or a
/// process). Apart from the commands left queued here (which the last rule also covers), everything it reads is in the
/// store, so it picks up after a restart where the last process left off.
/// </summary>
internal sealed class ActionTimekeeper(
    ActionStore actions,
    ActionService service,
    IOptions<ResponderOptions> options,
    TimeProvider time,
    ILogger<ActionTimekeeper> logger) : BackgroundService
{
    /// <summary>How long one action's step in a pass may take.</summary>
    internal static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(10);

    private readonly TaskCompletionSource _firstPass = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Done when the pass made at start (what a restart left to do) has ended, failed or was cancelled: a caller that
    /// runs its own pass or counts sends from then on does not race it.
    /// </summary>
    internal Task FirstPass => _firstPass.Task;

    /// <summary>
    /// One pass; returns how many actions it moved. Each action is handled on its own: one that fails (a driver,
    /// the bus or a bad stored value) is logged and tried again next pass, and never stops the others.
    /// </summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var moved = 0;
        foreach (var isolation in await actions.DueIsolationsAsync(now, cancellationToken))
        {
            moved += await EachAsync(isolation, "release after its time-to-live", cancellationToken, async step =>
            {
                var (change, _) = await service.ReleaseAsync(
                    isolation.Id, "ttl", $"isolation time-to-live passed at {isolation.ExpiresAt:O}", step);
                return change == ActionChange.Done;
            });
        }

        foreach (var pending in await actions.ExpiredApprovalsAsync(now, cancellationToken))
        {
            moved += await EachAsync(pending, "expire its approval", cancellationToken, async step =>
            {
                var (change, _) = await service.ExpireApprovalAsync(pending, step);
                return change == ActionChange.Done;
            });
        }

        // Left queued by a send the bus refused or did not take in time: tried again every pass, so they go as soon as
        // the bus takes commands again, not RedispatchAfter after their decision.
        moved += await service.RetryLeftQueuedAsync(cancellationToken);

        var stale = now - options.Value.RedispatchAfter;

        // Queued: decided but never sent (a crash in between). Dispatched: sent, but no consumer finished it (the
        // command was lost with a broker or a process); consumers act once per action id, so sending again is safe.
        foreach (var unsent in (await actions.StaleQueuedAsync(stale, cancellationToken)).Concat(await actions.StaleDispatchedAsync(stale, cancellationToken)))
        {
            moved += await EachAsync(unsent, "send its command", cancellationToken, async step =>
            {
                await service.DispatchAsync(unsent, step);
                return true;
            });
        }

        return moved;
    }

    /// <summary>
    /// Runs one action's step with at most <see cref="StepTimeout"/>: a bus that waits for a broker that is down must
    /// not hold up the releases and expiries behind it.
    /// </summary>
    private async Task<int> EachAsync(ActionRecord action, string what, CancellationToken pass, Func<CancellationToken, Task<bool>> step)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(pass);
        limit.CancelAfter(StepTimeout);
        try
        {
            return await step(limit.Token) ? 1 : 0;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !pass.IsCancellationRequested)
        {
            ResponderLog.TimekeeperActionFailed(logger, action.Id, action.Kind, what, ex);
            return 0;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                ResponderLog.TimekeeperFailed(logger, ex);
            }
            finally
            {
                _firstPass.TrySetResult();
            }

            try
            {
                await Task.Delay(options.Value.SchedulerInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
