namespace ZtStream.Responder.Actions;

/// <summary>
/// What every command consumer does around its driver call: do the work once per action id, and hand the outcome
/// to <see cref="ActionService"/>, which makes every state change; after the last retry the action ends as failed
/// with the reason (published as <see cref="ActionFailed"/>).
/// </summary>
internal sealed class ActionExecutor(
    ActionStore actions,
    ActionService service,
    IOptions<ResponderOptions> options,
    TimeProvider time,
    ILogger<ActionExecutor> logger)
{
    /// <param name="actionId">The action the command carries out.</param>
    /// <param name="fromCommand">The action as the command describes it, stored only when no stored action sent it.</param>
    /// <param name="work">Calls the drivers; returns what they did and whether the action stays active (isolation).</param>
    public async Task ExecuteAsync(
        ConsumeContext context,
        Guid actionId,
        Func<DateTimeOffset, ActionRecord> fromCommand,
        Func<ActionRecord, CancellationToken, Task<WorkDone>> work)
    {
        var ct = context.CancellationToken;
        var action = await actions.GetAsync(actionId, ct);
        if (action is null)
        {
            var received = fromCommand(time.GetUtcNow());
            (action, _) = await service.CreateAsync(received, received.RequestedBy, ct);
        }

        if (!ActionStates.Executable.Contains(action.State))
        {
            ResponderLog.DuplicateCommand(logger, action.Kind, action.Id, action.State);
            return;
        }

        WorkDone done;
        using var activity = ResponderTelemetry.Source.StartActivity("responder.execute " + action.Kind);
        activity?.SetTag("ztstream.action.id", action.Id.ToString());
        activity?.SetTag("ztstream.action.kind", action.Kind);
        activity?.SetTag("ztstream.action.target", action.Target);
        try
        {
            done = await work(action, ct);
        }
        catch (ActionRejectedException ex)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
            await FailAsync(context, action, ex.Message, ct);
            return;
        }
        catch (Drivers.DriverFailedException ex) when (ex.Permanent)
        {
            // Bad credentials, an unknown workload, an IdP's 400: retrying cannot help, so fail now with the driver's words.
            await FailAsync(context, action, ex.Message, ct);
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var attempt = context.GetRetryAttempt();
            var reason = $"{ex.GetType().Name}: {ex.Message}";
            if (attempt >= options.Value.CommandRetries)
            {
                await FailAsync(context, action, $"{reason} (gave up after {attempt + 1} attempts)", ct);
                return;
            }

            ResponderLog.AttemptFailed(logger, action.Kind, action.Id, attempt + 1, ex);
            var (_, stored) = await service.AttemptFailedAsync(action.Id, attempt + 1, reason, ct);
            if (stored is not null && !ActionStates.Executable.Contains(stored.State))
            {
                // Another delivery of this command ended the action meanwhile: nothing is left to retry.
                ResponderLog.DuplicateCommand(logger, stored.Kind, stored.Id, stored.State);
                return;
            }

            throw;
        }

        var (change, after) = await service.CompleteAsync(action, done, ct);
        if (change != ActionChange.Done || after is null)
        {
            ResponderLog.DuplicateCommand(logger, action.Kind, action.Id, after?.State ?? "missing");
            return;
        }

        ResponderLog.ActionCompleted(logger, after.Kind, after.Id, done.Detail);
        await context.Publish(
            new ActionCompleted { ActionId = after.Id, Kind = after.Kind, Detail = done.Detail, NoOp = !done.Changed, CompletedAt = after.UpdatedAt },
            ct);
    }

    private async Task FailAsync(ConsumeContext context, ActionRecord action, string reason, CancellationToken ct)
    {
        var (change, after) = await service.FailAsync(action, reason, ct);
        if (change != ActionChange.Done || after is null)
        {
            return;
        }

        ResponderLog.ActionFailed(logger, after.Kind, after.Id, reason);
        await context.Publish(new ActionFailed { ActionId = after.Id, Kind = after.Kind, Reason = reason, FailedAt = after.UpdatedAt }, ct);
    }
}
