namespace ZtStream.Responder.Actions;

/// <summary>Where an action stands. Kept in the store so a restart loses nothing.</summary>
internal static class ActionStates
{
    /// <summary>Waits for a responder; expires at <see cref="ActionRecord.ApprovalExpiresAt"/>.</summary>
    public const string PendingApproval = "pending_approval";
    /// <summary>Decided; its command is about to be sent.</summary>
    public const string Queued = "queued";
    /// <summary>Its command was sent.</summary>
    public const string Dispatched = "dispatched";
    /// <summary>An isolation in force (until <see cref="ActionRecord.ExpiresAt"/> unless extended).</summary>
    public const string Active = "active";
    /// <summary>An isolation whose release command was sent.</summary>
    public const string Releasing = "releasing";
    public const string Released = "released";
    public const string Done = "done";
    public const string Failed = "failed";
    public const string Rejected = "rejected";
    /// <summary>Nobody approved it in time.</summary>
    public const string Expired = "expired";
    /// <summary>Recorded what would have happened; nothing was done.</summary>
    public const string DryRun = "dry_run";

    /// <summary>Every state, as <c>GET /v1/actions?state=</c> accepts them.</summary>
    public static readonly string[] All = [PendingApproval, Queued, Dispatched, Active, Releasing, Released, Done, Failed, Rejected, Expired, DryRun];

    /// <summary>States in which a delivered command still has work to do.</summary>
    public static readonly string[] Executable = [Queued, Dispatched];
}

/// <summary>One response action (revoke, isolate, release, notify) and its whole lifecycle.</summary>
internal sealed record ActionRecord
{
    public required Guid Id { get; init; }
    public required string Kind { get; init; }
    /// <summary>automatic, approval, manual, dry_run: how it was decided.</summary>
    public required string Mode { get; init; }
    public required string State { get; init; }
    public string? AlertId { get; init; }
    /// <summary>The policy rule that proposed it.</summary>
    public string? Rule { get; init; }
    public string? Principal { get; init; }
    public string? SubjectId { get; init; }
    public string? Jti { get; init; }
    public string? SessionId { get; init; }
    public string? ClientId { get; init; }
    /// <summary>For a token revocation: when the token expires, if the evidence said; its revocation entry lasts until then.</summary>
    public DateTimeOffset? TokenExpiresAt { get; init; }
    public string? WorkloadId { get; init; }
    public string? Namespace { get; init; }
    public string? WorkloadName { get; init; }
    /// <summary>The cluster the workload runs in (<c>workload.cluster</c> of the alert, or the manual trigger's); null when none was named.</summary>
    public string? Cluster { get; init; }
    /// <summary>For a release: the isolation it undoes.</summary>
    public Guid? IsolationActionId { get; init; }
    /// <summary>For an isolation: how long it lasts once in force.</summary>
    public long? TtlSeconds { get; init; }
    public required string Reason { get; init; }
    /// <summary>Why this mode (e.g. "blast-radius budget exhausted: 5 automatic actions in 00:01:00").</summary>
    public required string Decision { get; init; }
    public required string RequestedBy { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? DecidedAt { get; init; }
    public string? DecidedBy { get; init; }
    public DateTimeOffset? ApprovalExpiresAt { get; init; }
    /// <summary>For an active isolation: when it is released automatically.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
    public int Attempts { get; init; }
    /// <summary>What the drivers did.</summary>
    public string? Detail { get; init; }
    /// <summary>The last failure, as the analyst reads it.</summary>
    public string? Error { get; init; }

    /// <summary>What it acts on, for people.</summary>
    public string Target => Kind switch
    {
        Contracts.Commands.ActionKinds.RevokeToken => Jti is not null ? $"token {Jti}" : $"session {SessionId}",
        Contracts.Commands.ActionKinds.RevokeSubjectSessions => $"subject {SubjectId}",
        Contracts.Commands.ActionKinds.IsolateWorkload or Contracts.Commands.ActionKinds.ReleaseWorkload =>
            Workload + (Cluster is null ? "" : $" in cluster {Cluster}"),
        _ => Principal ?? AlertId ?? "-",
    };

    /// <summary>The workload it acts on, for people, without its cluster: <c>workload prod/api-7d9</c>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Workload => Namespace is null ? $"workload {WorkloadId}" : $"workload {Namespace}/{WorkloadName ?? WorkloadId}";

    /// <summary>
    /// The same alert, kind and target always give the same id, so a redelivered or updated alert cannot
    /// create a second action for what was already decided.
    /// </summary>
    public static Guid DeterministicId(params string?[] parts)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', parts.Select(p => p ?? ""))));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x50); // version 5-style marker (name-based)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }
}
