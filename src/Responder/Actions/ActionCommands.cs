namespace ZtStream.Responder.Actions;

/// <summary>
/// How an action and its command map to each other, one kind at a time: <see cref="ToCommand"/> when the Responder
/// sends a stored action's command, <c>FromCommand</c> when a command arrives that no stored action sent (another
/// tool on the bus). A new command kind adds one arm to each.
/// </summary>
internal static class ActionCommands
{
    /// <summary>The command that carries out <paramref name="action"/>; null for a kind with none (notify).</summary>
    /// <param name="ttl">How long an isolation stays in force from <paramref name="now"/>.</param>
    public static object? ToCommand(ActionRecord action, DateTimeOffset now, TimeSpan ttl)
    {
        ArgumentNullException.ThrowIfNull(action);
        var by = action.DecidedBy ?? action.RequestedBy;
        return action.Kind switch
        {
            // Each arm: what every command carries (action, alert, reason, who), then what this kind needs.
            ActionKinds.RevokeToken => new RevokeToken
            {
                ActionId = action.Id, AlertId = action.AlertId, Reason = action.Reason, RequestedBy = by,
                Jti = action.Jti, SessionId = action.SessionId, SubjectId = action.SubjectId, ClientId = action.ClientId,
                ExpiresAt = action.TokenExpiresAt,
            },
            ActionKinds.RevokeSubjectSessions => new RevokeSubjectSessions
            {
                ActionId = action.Id, AlertId = action.AlertId, Reason = action.Reason, RequestedBy = by,
                SubjectId = action.SubjectId ?? throw new InvalidOperationException("revoke_subject_sessions without a subject"),
                NotBefore = action.DecidedAt ?? now, ExpiresAt = action.TokenExpiresAt,
            },
            ActionKinds.IsolateWorkload => new IsolateWorkload
            {
                ActionId = action.Id, AlertId = action.AlertId, Reason = action.Reason, RequestedBy = by,
                WorkloadId = action.WorkloadId ?? throw new InvalidOperationException("isolate_workload without a workload"),
                Namespace = action.Namespace, Name = action.WorkloadName, Cluster = action.Cluster, ExpiresAt = now + ttl,
            },
            ActionKinds.ReleaseWorkload => new ReleaseWorkload
            {
                ActionId = action.Id, Reason = action.Reason, RequestedBy = by,
                IsolationActionId = action.IsolationActionId ?? throw new InvalidOperationException("release_workload without its isolation"),
                WorkloadId = action.WorkloadId ?? "", Namespace = action.Namespace, Name = action.WorkloadName, Cluster = action.Cluster,
            },
            _ => null,
        };
    }

    public static ActionRecord FromCommand(RevokeToken m, DateTimeOffset now) =>
        Received(m.ActionId, ActionKinds.RevokeToken, m.AlertId, m.Reason, m.RequestedBy, now) with
        {
            Jti = m.Jti,
            SessionId = m.SessionId,
            SubjectId = m.SubjectId,
            ClientId = m.ClientId,
            TokenExpiresAt = m.ExpiresAt,
            Principal = m.SubjectId,
        };

    public static ActionRecord FromCommand(RevokeSubjectSessions m, DateTimeOffset now) =>
        Received(m.ActionId, ActionKinds.RevokeSubjectSessions, m.AlertId, m.Reason, m.RequestedBy, now) with
        {
            SubjectId = m.SubjectId,
            TokenExpiresAt = m.ExpiresAt,
            Principal = m.SubjectId,
        };

    public static ActionRecord FromCommand(IsolateWorkload m, DateTimeOffset now) =>
        OnWorkload(Received(m.ActionId, ActionKinds.IsolateWorkload, m.AlertId, m.Reason, m.RequestedBy, now), m.WorkloadId, m.Namespace, m.Name, m.Cluster) with
        {
            TtlSeconds = m.ExpiresAt is { } at && at > now ? (long)(at - now).TotalSeconds : null,
        };

    public static ActionRecord FromCommand(ReleaseWorkload m, DateTimeOffset now) =>
        OnWorkload(Received(m.ActionId, ActionKinds.ReleaseWorkload, null, m.Reason, m.RequestedBy, now), m.WorkloadId, m.Namespace, m.Name, m.Cluster) with
        {
            IsolationActionId = m.IsolationActionId,
        };

    /// <summary>What every received command's action starts as.</summary>
    private static ActionRecord Received(Guid id, string kind, string? alertId, string reason, string requestedBy, DateTimeOffset now) => new()
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

    /// <summary>
    /// A received isolation's or release's action on its workload; the command names no principal, so the workload is it.
    /// </summary>
    private static ActionRecord OnWorkload(ActionRecord received, string workloadId, string? ns, string? name, string? cluster) => received with
    {
        WorkloadId = workloadId,
        Namespace = ns,
        WorkloadName = name,
        Cluster = cluster,
        Principal = workloadId,
    };
}
