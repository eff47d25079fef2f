namespace ZtStream.Responder.Actions;

/// <summary>Revokes one token or session through every registered token revoker.</summary>
internal sealed class RevokeTokenConsumer(ActionExecutor executor, IEnumerable<ITokenRevoker> revokers) : IConsumer<RevokeToken>
{
    public Task Consume(ConsumeContext<RevokeToken> context)
    {
        var m = context.Message;
        return executor.ExecuteAsync(context, m.ActionId, now => ActionCommands.FromCommand(m, now), (_, ct) => Revokers.RunAsync(revokers, r => r.RevokeTokenAsync(m, ct)));
    }
}

/// <summary>Revokes every session of a subject through every registered token revoker.</summary>
internal sealed class RevokeSubjectSessionsConsumer(ActionExecutor executor, IEnumerable<ITokenRevoker> revokers) : IConsumer<RevokeSubjectSessions>
{
    public Task Consume(ConsumeContext<RevokeSubjectSessions> context)
    {
        var m = context.Message;
        return executor.ExecuteAsync(context, m.ActionId, now => ActionCommands.FromCommand(m, now), (_, ct) => Revokers.RunAsync(revokers, r => r.RevokeSubjectSessionsAsync(m, ct)));
    }
}

/// <summary>Isolates a workload through the configured isolator.</summary>
internal sealed class IsolateWorkloadConsumer(ActionExecutor executor, IsolatorSelector isolators) : IConsumer<IsolateWorkload>
{
    public Task Consume(ConsumeContext<IsolateWorkload> context)
    {
        var m = context.Message;
        return executor.ExecuteAsync(context, m.ActionId, now => ActionCommands.FromCommand(m, now), (action, ct) => isolators.RunAsync(action, m.Cluster, i => i.IsolateAsync(m, ct), staysActive: true));
    }
}

/// <summary>Undoes an isolation through the configured isolator (the service then marks the isolation released).</summary>
internal sealed class ReleaseWorkloadConsumer(ActionExecutor executor, IsolatorSelector isolators) : IConsumer<ReleaseWorkload>
{
    public Task Consume(ConsumeContext<ReleaseWorkload> context)
    {
        var m = context.Message;
        return executor.ExecuteAsync(context, m.ActionId, now => ActionCommands.FromCommand(m, now), (action, ct) => isolators.RunAsync(action, m.Cluster, i => i.ReleaseAsync(m, ct)));
    }
}
