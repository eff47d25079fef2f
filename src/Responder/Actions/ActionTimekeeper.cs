using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ZtStream.Responder.Actions;

/// <summary>
/// Drives time: releases isolations whose TTL passed, expires approvals nobody gave, and re-sends commands of
/// actions left queued (a crash between deciding and sending). Everything it reads is in the store, so it picks
/// up after a restart where the last process left off.
/// </summary>
internal sealed class ActionTimekeeper(
    ActionStore actions,
    ActionService service,
    IOptions<ResponderOptions> options,
    TimeProvider time,
    ILogger<ActionTimekeeper> logger) : BackgroundService
{
    /// <summary>One pass; returns how many actions it moved.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var moved = 0;
        foreach (var isolation in await actions.DueIsolationsAsync(now, cancellationToken))
        {
            var (change, _) = await service.ReleaseAsync(
                isolation.Id, "ttl", $"isolation time-to-live passed at {isolation.ExpiresAt:O}", cancellationToken);
            moved += change == ActionChange.Done ? 1 : 0;
        }

        foreach (var pending in await actions.ExpiredApprovalsAsync(now, cancellationToken))
        {
            var (change, _) = await service.ExpireApprovalAsync(pending, cancellationToken);
            moved += change == ActionChange.Done ? 1 : 0;
        }

        foreach (var queued in await actions.StaleQueuedAsync(now - options.Value.RedispatchAfter, cancellationToken))
        {
            await service.DispatchAsync(queued, cancellationToken);
            moved++;
        }

        return moved;
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
