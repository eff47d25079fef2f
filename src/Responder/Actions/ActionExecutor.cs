using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZtStream.Contracts.Commands;
using ZtStream.Responder.Audit;
using ZtStream.Responder.Policy;

namespace ZtStream.Responder.Actions;

/// <summary>
/// What every command consumer does around its driver call: do the work once per action id, count attempts,
/// and after the last retry end the action as failed with the reason (published as <see cref="ActionFailed"/>).
/// </summary>
internal sealed class ActionExecutor(
    ActionStore actions,
    ActionService service,
    IOptions<ResponderOptions> options,
    TimeProvider time,
    ILogger<ActionExecutor> logger)
{
    /// <param name="fromCommand">The action as the command describes it, stored if the command came from outside.</param>
    /// <param name="work">Calls the drivers; returns what they did and whether the action stays active (isolation).</param>
    public async Task ExecuteAsync(
        ConsumeContext context,
        ActionRecord fromCommand,
        Func<ActionRecord, CancellationToken, Task<WorkDone>> work)
    {
        var ct = context.CancellationToken;
        var action = await actions.GetAsync(fromCommand.Id, ct);
        if (action is null)
        {
            (action, _) = await service.CreateAsync(fromCommand, fromCommand.RequestedBy, ct);
        }

        if (!ActionStates.Executable.Contains(action.State))
        {
            ResponderLog.DuplicateCommand(logger, action.Kind, action.Id, action.State);
            return;
        }

        WorkDone done;
        try
        {
            done = await work(action, ct);
        }
        catch (ActionRejectedException ex)
        {
            await FailAsync(context, action.Id, ex.Message, ct);
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var attempt = context.GetRetryAttempt();
            var reason = $"{ex.GetType().Name}: {ex.Message}";
            if (attempt >= options.Value.CommandRetries)
            {
                await FailAsync(context, action.Id, $"{reason} (gave up after {attempt + 1} attempts)", ct);
                return;
            }

            ResponderLog.AttemptFailed(logger, action.Kind, action.Id, attempt + 1, ex);
            await service.TransitionAsync(
                action.Id,
                ActionStates.Executable,
                a => a with { Attempts = a.Attempts + 1, Error = reason, UpdatedAt = time.GetUtcNow() },
                AuditKinds.AttemptFailed,
                "system",
                a => $"attempt {attempt + 1} of {a.Kind} on {a.Target} failed: {reason}",
                ct);
            throw;
        }

        var now = time.GetUtcNow();
        var (change, after) = await service.TransitionAsync(
            action.Id,
            ActionStates.Executable,
            a => a with
            {
                State = done.StaysActive ? ActionStates.Active : ActionStates.Done,
                ExpiresAt = done.StaysActive ? now + service.Ttl(a) : a.ExpiresAt,
                Attempts = a.Attempts + 1,
                Detail = done.Detail,
                Error = null,
                UpdatedAt = now,
            },
            AuditKinds.Completed,
            "system",
            a => $"{a.Kind} on {a.Target}: {done.Detail}",
            ct);
        if (change != ActionChange.Done || after is null)
        {
            ResponderLog.DuplicateCommand(logger, action.Kind, action.Id, after?.State ?? "missing");
            return;
        }

        ResponderLog.ActionCompleted(logger, after.Kind, after.Id, done.Detail);
        await context.Publish(
            new ActionCompleted { ActionId = after.Id, Kind = after.Kind, Detail = done.Detail, NoOp = !done.Changed, CompletedAt = now },
            ct);
    }

    private async Task FailAsync(ConsumeContext context, Guid id, string reason, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var (change, after) = await service.TransitionAsync(
            id,
            ActionStates.Executable,
            a => a with { State = ActionStates.Failed, Attempts = a.Attempts + 1, Error = reason, UpdatedAt = now },
            AuditKinds.Failed,
            "system",
            a => $"{a.Kind} on {a.Target} failed: {reason}",
            ct);
        if (change != ActionChange.Done || after is null)
        {
            return;
        }

        ResponderLog.ActionFailed(logger, after.Kind, after.Id, reason);
        if (after.Kind == ActionKinds.ReleaseWorkload && after.IsolationActionId is { } isolationId)
        {
            // The workload is still isolated: put it back to active so a responder can try the release again.
            await service.TransitionAsync(
                isolationId,
                [ActionStates.Releasing],
                a => a with { State = ActionStates.Active, Error = $"release failed: {reason}", UpdatedAt = now },
                AuditKinds.Failed,
                "system",
                a => $"release of {a.Target} failed; isolation stays in force",
                ct);
        }

        await context.Publish(new ActionFailed { ActionId = after.Id, Kind = after.Kind, Reason = reason, FailedAt = now }, ct);
    }
}

/// <summary>What the drivers did.</summary>
/// <param name="StaysActive">True for an isolation now in force (released later).</param>
internal sealed record WorkDone(string Detail, bool Changed, bool StaysActive = false);

/// <summary>Builds the stored form of a command that arrived without a stored action (sent by another tool).</summary>
internal static class ActionFromCommand
{
    public static ActionRecord Create(Guid id, string kind, string? alertId, string reason, string requestedBy, DateTimeOffset now) => new()
    {
        Id = id,
        Kind = kind,
        Mode = ResponseModes.Manual,
        // The command is already on its way (it is what we are handling), so nothing is sent again.
        State = ActionStates.Dispatched,
        AlertId = alertId,
        Reason = reason,
        Decision = $"command received from {requestedBy}",
        RequestedBy = requestedBy,
        CreatedAt = now,
        UpdatedAt = now,
        DecidedAt = now,
        DecidedBy = requestedBy,
    };
}
