using MassTransit;
using Microsoft.Extensions.Options;
using ZtStream.Contracts.Commands;
using ZtStream.Responder.Isolation;
using ZtStream.Responder.Revocation;

namespace ZtStream.Responder.Actions;

/// <summary>Revokes one token or session through every registered token revoker.</summary>
internal sealed class RevokeTokenConsumer(ActionExecutor executor, IEnumerable<ITokenRevoker> revokers, TimeProvider time) : IConsumer<RevokeToken>
{
    public Task Consume(ConsumeContext<RevokeToken> context)
    {
        var m = context.Message;
        var record = ActionFromCommand.Create(m.ActionId, ActionKinds.RevokeToken, m.AlertId, m.Reason, m.RequestedBy, time.GetUtcNow()) with
        {
            Jti = m.Jti,
            SessionId = m.SessionId,
            SubjectId = m.SubjectId,
            ClientId = m.ClientId,
            Principal = m.SubjectId,
        };
        return executor.ExecuteAsync(context, record, (_, ct) => Revokers.RunAsync(revokers, r => r.RevokeTokenAsync(m, ct)));
    }
}

/// <summary>Revokes every session of a subject through every registered token revoker.</summary>
internal sealed class RevokeSubjectSessionsConsumer(ActionExecutor executor, IEnumerable<ITokenRevoker> revokers, TimeProvider time)
    : IConsumer<RevokeSubjectSessions>
{
    public Task Consume(ConsumeContext<RevokeSubjectSessions> context)
    {
        var m = context.Message;
        var record = ActionFromCommand.Create(m.ActionId, ActionKinds.RevokeSubjectSessions, m.AlertId, m.Reason, m.RequestedBy, time.GetUtcNow()) with
        {
            SubjectId = m.SubjectId,
            Principal = m.SubjectId,
        };
        return executor.ExecuteAsync(context, record, (_, ct) => Revokers.RunAsync(revokers, r => r.RevokeSubjectSessionsAsync(m, ct)));
    }
}

/// <summary>Isolates a workload through the configured isolator.</summary>
internal sealed class IsolateWorkloadConsumer(ActionExecutor executor, IsolatorSelector isolators, TimeProvider time) : IConsumer<IsolateWorkload>
{
    public Task Consume(ConsumeContext<IsolateWorkload> context)
    {
        var m = context.Message;
        var now = time.GetUtcNow();
        var record = ActionFromCommand.Create(m.ActionId, ActionKinds.IsolateWorkload, m.AlertId, m.Reason, m.RequestedBy, now) with
        {
            WorkloadId = m.WorkloadId,
            Namespace = m.Namespace,
            WorkloadName = m.Name,
            Principal = m.WorkloadId,
            TtlSeconds = m.ExpiresAt is { } at && at > now ? (long)(at - now).TotalSeconds : null,
        };
        return executor.ExecuteAsync(context, record, async (_, ct) =>
        {
            var isolator = isolators.Select();
            var result = await isolator.IsolateAsync(m, ct);
            return new WorkDone($"{isolator.Name}: {result.Detail}", result.Changed, StaysActive: true);
        });
    }
}

/// <summary>Undoes an isolation through the configured isolator, then marks the isolation released.</summary>
internal sealed class ReleaseWorkloadConsumer(ActionExecutor executor, ActionService service, IsolatorSelector isolators, TimeProvider time)
    : IConsumer<ReleaseWorkload>
{
    public Task Consume(ConsumeContext<ReleaseWorkload> context)
    {
        var m = context.Message;
        var record = ActionFromCommand.Create(m.ActionId, ActionKinds.ReleaseWorkload, null, m.Reason, m.RequestedBy, time.GetUtcNow()) with
        {
            WorkloadId = m.WorkloadId,
            Namespace = m.Namespace,
            WorkloadName = m.Name,
            Principal = m.WorkloadId,
            IsolationActionId = m.IsolationActionId,
        };
        return executor.ExecuteAsync(context, record, async (_, ct) =>
        {
            var isolator = isolators.Select();
            var result = await isolator.ReleaseAsync(m, ct);
            var now = time.GetUtcNow();
            await service.TransitionAsync(
                m.IsolationActionId,
                [Actions.ActionStates.Active, Actions.ActionStates.Releasing],
                a => a with { State = Actions.ActionStates.Released, UpdatedAt = now, Detail = $"released: {result.Detail}" },
                Audit.AuditKinds.Completed,
                "system",
                a => $"isolation of {a.Target} released",
                ct);
            return new WorkDone($"{isolator.Name}: {result.Detail}", result.Changed);
        });
    }
}

internal static class Revokers
{
    /// <summary>Every revoker gets every revocation; any failure fails the attempt (the others are idempotent on retry).</summary>
    public static async Task<WorkDone> RunAsync(IEnumerable<ITokenRevoker> revokers, Func<ITokenRevoker, Task<DriverResult>> call)
    {
        var details = new List<string>();
        var changed = false;
        foreach (var revoker in revokers)
        {
            var result = await call(revoker);
            changed |= result.Changed;
            details.Add($"{revoker.Name}: {result.Detail}");
        }

        if (details.Count == 0)
        {
            throw new ActionRejectedException("no token revoker is registered");
        }

        return new WorkDone(string.Join("; ", details), changed);
    }
}

/// <summary>Picks the workload isolator: the one named in Responder:Isolator, else the only one registered.</summary>
internal sealed class IsolatorSelector(IEnumerable<IWorkloadIsolator> isolators, IOptions<ResponderOptions> options)
{
    public IWorkloadIsolator Select()
    {
        var all = isolators.ToList();
        var name = options.Value.Isolator;
        if (!string.IsNullOrWhiteSpace(name))
        {
            return all.FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new ActionRejectedException(
                    $"workload isolator '{name}' (Responder:Isolator) is not registered; registered: {(all.Count == 0 ? "none" : string.Join(", ", all.Select(i => i.Name)))}");
        }

        return all.Count switch
        {
            0 => throw new ActionRejectedException(
                "no workload isolator is configured: enable the Kubernetes, nftables or Docker isolator to isolate workloads"),
            1 => all[0],
            _ => throw new ActionRejectedException(
                $"several workload isolators are registered ({string.Join(", ", all.Select(i => i.Name))}): choose one with Responder:Isolator"),
        };
    }
}

/// <summary>Retry with exponential backoff for every command consumer; the last attempt ends the action as failed.</summary>
internal sealed class ResponderConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    private readonly ResponderOptions _options;

    public ResponderConsumerDefinition(IOptions<ResponderOptions> options)
    {
        _options = options.Value;
        // One queue per command kind, named after the consumer (e.g. revoke-token).
        ConcurrentMessageLimit = 8;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        consumerConfigurator.UseMessageRetry(r => r.Exponential(
            _options.CommandRetries,
            _options.RetryMinBackoff,
            _options.RetryMaxBackoff,
            _options.RetryMinBackoff));
    }
}

