namespace ZtStream.Contracts.Commands;

/// <summary>Revoke one token (by jti) or one session.</summary>
public sealed record RevokeToken
{
    /// <summary>Action id; consumers do the work once per id.</summary>
    public required Guid ActionId { get; init; }
    /// <summary>The alert that led to the action.</summary>
    public string? AlertId { get; init; }
    /// <summary>Token id to revoke.</summary>
    public string? Jti { get; init; }
    /// <summary>Session id to revoke.</summary>
    public string? SessionId { get; init; }
    /// <summary>Subject owning the token.</summary>
    public string? SubjectId { get; init; }
    /// <summary>OAuth client id the token was issued to.</summary>
    public string? ClientId { get; init; }
    /// <summary>When the token expires (its <c>exp</c>), when known: its revocation entry is kept until then.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
    /// <summary>Why, for the audit trail and the SET.</summary>
    public required string Reason { get; init; }
    /// <summary>Who asked: <c>policy:NAME</c> or a user.</summary>
    public required string RequestedBy { get; init; }
}

/// <summary>Revoke every session of a subject issued before now.</summary>
public sealed record RevokeSubjectSessions
{
    /// <summary>Action id.</summary>
    public required Guid ActionId { get; init; }
    /// <summary>The alert that led to the action.</summary>
    public string? AlertId { get; init; }
    /// <summary>Subject whose sessions end.</summary>
    public required string SubjectId { get; init; }
    /// <summary>Tokens issued before this time are revoked.</summary>
    public required DateTimeOffset NotBefore { get; init; }
    /// <summary>When the last token issued before <see cref="NotBefore"/> expires, when known; else the Responder's default lifetime applies.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
    /// <summary>Why.</summary>
    public required string Reason { get; init; }
    /// <summary>Who asked.</summary>
    public required string RequestedBy { get; init; }
}

/// <summary>Cut a workload off the network.</summary>
public sealed record IsolateWorkload
{
    /// <summary>Action id.</summary>
    public required Guid ActionId { get; init; }
    /// <summary>The alert that led to the action.</summary>
    public string? AlertId { get; init; }
    /// <summary>Workload id.</summary>
    public required string WorkloadId { get; init; }
    /// <summary>Namespace (Kubernetes) of the workload.</summary>
    public string? Namespace { get; init; }
    /// <summary>Workload name (pod, container, netns).</summary>
    public string? Name { get; init; }
    /// <summary>
    /// The cluster the workload runs in (an alert's <c>workload.cluster</c>); null when its evidence named none. An
    /// isolator acts only in a cluster it is configured for: <c>prod/api</c> in two clusters is two workloads.
    /// </summary>
    public string? Cluster { get; init; }
    /// <summary>Release automatically at this time unless extended.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
    /// <summary>Why.</summary>
    public required string Reason { get; init; }
    /// <summary>Who asked.</summary>
    public required string RequestedBy { get; init; }
}

/// <summary>Undo exactly what an isolation did.</summary>
public sealed record ReleaseWorkload
{
    /// <summary>Action id of this release.</summary>
    public required Guid ActionId { get; init; }
    /// <summary>The isolation being undone.</summary>
    public required Guid IsolationActionId { get; init; }
    /// <summary>Workload id.</summary>
    public required string WorkloadId { get; init; }
    /// <summary>Namespace.</summary>
    public string? Namespace { get; init; }
    /// <summary>Name.</summary>
    public string? Name { get; init; }
    /// <summary>The cluster the isolation was made in (its <see cref="IsolateWorkload.Cluster"/>); null when it named none.</summary>
    public string? Cluster { get; init; }
    /// <summary>Why.</summary>
    public required string Reason { get; init; }
    /// <summary>Who asked.</summary>
    public required string RequestedBy { get; init; }
}

/// <summary>An action finished; <see cref="Detail"/> says what changed or that nothing needed to.</summary>
public sealed record ActionCompleted
{
    /// <summary>Action id.</summary>
    public required Guid ActionId { get; init; }
    /// <summary>revoke_token, revoke_subject_sessions, isolate_workload, release_workload.</summary>
    public required string Kind { get; init; }
    /// <summary>What the driver did.</summary>
    public required string Detail { get; init; }
    /// <summary>True when the work had already been done (idempotent replay).</summary>
    public bool NoOp { get; init; }
    /// <summary>When.</summary>
    public required DateTimeOffset CompletedAt { get; init; }
}

/// <summary>An action failed after its retries.</summary>
public sealed record ActionFailed
{
    /// <summary>Action id.</summary>
    public required Guid ActionId { get; init; }
    /// <summary>Action kind.</summary>
    public required string Kind { get; init; }
    /// <summary>The failure, as the analyst will read it.</summary>
    public required string Reason { get; init; }
    /// <summary>When.</summary>
    public required DateTimeOffset FailedAt { get; init; }
}

/// <summary>Action kind names.</summary>
public static class ActionKinds
{
    /// <summary>Revoke a token or a session.</summary>
    public const string RevokeToken = "revoke_token";
    /// <summary>Revoke all sessions of a subject.</summary>
    public const string RevokeSubjectSessions = "revoke_subject_sessions";
    /// <summary>Isolate a workload.</summary>
    public const string IsolateWorkload = "isolate_workload";
    /// <summary>Release an isolated workload.</summary>
    public const string ReleaseWorkload = "release_workload";
    /// <summary>Record and notify only.</summary>
    public const string Notify = "notify";
}
