using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ZtStream.Responder.Actions;

/// <summary>
/// Drives time: releases isolations whose TTL passed, expires approvals nobody gave, and re-sends commands of
/// actions left queued (a crash between deciding and sending) or dispatched past <c>RedispatchAfter</c> (a command
/// lost with a broker or a process). Everything it reads is in the store, so it picks
/// up after a restart where the last process left off.
/// </summary>
internal sealed class ActionTimekeeper(
    ActionStore actions,
    ActionService service,
    IOptions<ResponderOptions> options,
    TimeProvider time,
    ILogger<ActionTimekeeper> logger) : BackgroundService
{
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
            moved += await EachAsync(isolation, "release after its time-to-live", async () =>
            {
                var (change, _) = await service.ReleaseAsync(
                    isolation.Id, "ttl", $"isolation time-to-live passed at {isolation.ExpiresAt:O}", cancellationToken);
                return change == ActionChange.Done;
            });
        }

        foreach (var pending in await actions.ExpiredApprovalsAsync(now, cancellationToken))
        {
            moved += await EachAsync(pending, "expire its approval", async () =>
            {
                var (change, _) = await service.ExpireApprovalAsync(pending, cancellationToken);
                return change == ActionChange.Done;
            });
        }

        var stale = now - options.Value.RedispatchAfter;

        // Queued: decided but never sent (a crash in between). Dispatched: sent, but no consumer finished it (the
        // command was lost with a broker or a process); consumers act once per action id, so sending again is safe.
        foreach (var unsent in (await actions.StaleQueuedAsync(stale, cancellationToken)).Concat(await actions.StaleDispatchedAsync(stale, cancellationToken)))
        {
            moved += await EachAsync(unsent, "send its command", async () =>
            {
                await service.DispatchAsync(unsent, cancellationToken);
                return true;
            });
        }

        return moved;
    }

    private async Task<int> EachAsync(ActionRecord action, string what, Func<Task<bool>> step)
    {
        try
        {
            return await step() ? 1 : 0;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
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
