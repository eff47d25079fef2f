namespace ZtStream.Responder.Actions;

internal sealed record ActionQuery(string? State = null, string? Kind = null, string? AlertId = null, int Limit = 100, int Offset = 0, string? Cluster = null);

/// <summary>Action state in the store. Changes are compare-and-set on the state, so two deliveries cannot both win.</summary>
internal sealed class ActionStore(IStore store)
{
    /// <summary>The most actions one query answers (<c>GET /v1/actions</c>); a larger <c>limit</c> is capped to it.</summary>
    public const int MaxPage = 1000;

    private const string Columns = """
        id AS Id, kind AS Kind, mode AS Mode, state AS State, alert_id AS AlertId, rule AS Rule, principal AS Principal,
        subject_id AS SubjectId, jti AS Jti, session_id AS SessionId, client_id AS ClientId, token_expires_at AS TokenExpiresAt, workload_id AS WorkloadId,
        namespace AS Namespace, workload_name AS WorkloadName, cluster AS Cluster, isolation_action_id AS IsolationActionId,
        ttl_seconds AS TtlSeconds, reason AS Reason, decision AS Decision, requested_by AS RequestedBy,
        created_at AS CreatedAt, updated_at AS UpdatedAt, decided_at AS DecidedAt, decided_by AS DecidedBy,
        approval_expires_at AS ApprovalExpiresAt, expires_at AS ExpiresAt, attempts AS Attempts, detail AS Detail, error AS Error
        """;

    private const string Insert = """
        INSERT INTO responder_actions (id, kind, mode, state, alert_id, rule, principal, subject_id, jti, session_id, client_id,
            token_expires_at, workload_id, namespace, workload_name, cluster, isolation_action_id, ttl_seconds, reason, decision, requested_by,
            created_at, updated_at, decided_at, decided_by, approval_expires_at, expires_at, attempts, detail, error)
        VALUES (@Id, @Kind, @Mode, @State, @AlertId, @Rule, @Principal, @SubjectId, @Jti, @SessionId, @ClientId,
            @TokenExpiresAt, @WorkloadId, @Namespace, @WorkloadName, @Cluster, @IsolationActionId, @TtlSeconds, @Reason, @Decision, @RequestedBy,
            @CreatedAt, @UpdatedAt, @DecidedAt, @DecidedBy, @ApprovalExpiresAt, @ExpiresAt, @Attempts, @Detail, @Error)
        ON CONFLICT (id) DO NOTHING
        """;

    private const string Update = """
        UPDATE responder_actions SET state = @State, mode = @Mode, decision = @Decision, updated_at = @UpdatedAt,
            decided_at = @DecidedAt, decided_by = @DecidedBy, approval_expires_at = @ApprovalExpiresAt,
            expires_at = @ExpiresAt, attempts = @Attempts, detail = @Detail, error = @Error, ttl_seconds = @TtlSeconds
        WHERE id = @Id AND state = @ExpectedState
        """;

    /// <summary>Inserts unless an action with that id exists; true when this call created it.</summary>
    public async Task<bool> TryInsertAsync(ActionRecord action, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await TryInsertAsync(action, connection, null, cancellationToken);
    }

    /// <summary>As <see cref="TryInsertAsync(ActionRecord, CancellationToken)"/>, inside the caller's transaction (the audit entry's).</summary>
    public static async Task<bool> TryInsertAsync(ActionRecord action, DbConnection connection, DbTransaction? tx, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition(Insert, ToRow(action), tx, cancellationToken: cancellationToken)) == 1;

    /// <summary>Writes <paramref name="updated"/> only if the stored state is still <paramref name="expectedState"/>.</summary>
    public async Task<bool> TryUpdateAsync(ActionRecord updated, string expectedState, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await TryUpdateAsync(updated, expectedState, connection, null, cancellationToken);
    }

    /// <summary>As <see cref="TryUpdateAsync(ActionRecord, string, CancellationToken)"/>, inside the caller's transaction (the audit entry's).</summary>
    public static async Task<bool> TryUpdateAsync(ActionRecord updated, string expectedState, DbConnection connection, DbTransaction? tx, CancellationToken cancellationToken)
    {
        var p = new DynamicParameters(ToRow(updated));
        p.Add("ExpectedState", expectedState);
        return await connection.ExecuteAsync(new CommandDefinition(Update, p, tx, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<ActionRecord?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM responder_actions WHERE id = @Id", new { Id = id.ToString() }, cancellationToken: cancellationToken));
        return row is null ? null : FromRow(row);
    }

    public async Task<IReadOnlyList<ActionRecord>> QueryAsync(ActionQuery query, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"SELECT {Columns} FROM responder_actions");
        var where = new SqlWhere(sql);
        var p = new DynamicParameters();
        where.AddIf(query.State, "state = @State", p, "State");
        where.AddIf(query.Kind, "kind = @Kind", p, "Kind");
        where.AddIf(query.AlertId, "alert_id = @AlertId", p, "AlertId");
        where.AddIf(query.Cluster, "cluster = @Cluster", p, "Cluster");
        sql.Append(" ORDER BY created_at DESC, id LIMIT @Limit OFFSET @Offset");
        p.Add("Limit", Math.Clamp(query.Limit, 1, MaxPage));
        p.Add("Offset", Math.Max(0, query.Offset));
        return await QueryRowsAsync(sql.ToString(), p, cancellationToken);
    }

    /// <summary>Active isolations whose time to live has passed.</summary>
    public Task<IReadOnlyList<ActionRecord>> DueIsolationsAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        InStateUntilAsync(ActionStates.Active, "expires_at", now, cancellationToken);

    public Task<IReadOnlyList<ActionRecord>> ExpiredApprovalsAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        InStateUntilAsync(ActionStates.PendingApproval, "approval_expires_at", now, cancellationToken);

    public Task<IReadOnlyList<ActionRecord>> StaleQueuedAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        InStateUntilAsync(ActionStates.Queued, "updated_at", before, cancellationToken);

    /// <summary>Actions whose command was sent before <paramref name="before"/> and never finished: the command may have been lost.</summary>
    public Task<IReadOnlyList<ActionRecord>> StaleDispatchedAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        InStateUntilAsync(ActionStates.Dispatched, "updated_at", before, cancellationToken);

    /// <summary>
    /// The actions in <paramref name="state"/> whose time <paramref name="column"/> is at or before <paramref name="at"/>,
    /// oldest first; a NULL time never is.
    /// </summary>
    private Task<IReadOnlyList<ActionRecord>> InStateUntilAsync(string state, string column, DateTimeOffset at, CancellationToken cancellationToken) =>
        QueryRowsAsync(
            $"SELECT {Columns} FROM responder_actions WHERE state = @State AND {column} <= @At ORDER BY {column}",
            new { State = state, At = at.ToUnixTimeMilliseconds() },
            cancellationToken);

    private async Task<IReadOnlyList<ActionRecord>> QueryRowsAsync(string sql, object args, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(sql, args, cancellationToken: cancellationToken));
        return [.. rows.Select(FromRow)];
    }

    private static Row ToRow(ActionRecord a) => new()
    {
        Id = a.Id.ToString(),
        Kind = a.Kind,
        Mode = a.Mode,
        State = a.State,
        AlertId = a.AlertId,
        Rule = a.Rule,
        Principal = a.Principal,
        SubjectId = a.SubjectId,
        Jti = a.Jti,
        SessionId = a.SessionId,
        ClientId = a.ClientId,
        TokenExpiresAt = a.TokenExpiresAt?.ToUnixTimeMilliseconds(),
        WorkloadId = a.WorkloadId,
        Namespace = a.Namespace,
        WorkloadName = a.WorkloadName,
        Cluster = a.Cluster,
        IsolationActionId = a.IsolationActionId?.ToString(),
        TtlSeconds = a.TtlSeconds,
        Reason = a.Reason,
        Decision = a.Decision,
        RequestedBy = a.RequestedBy,
        CreatedAt = a.CreatedAt.ToUnixTimeMilliseconds(),
        UpdatedAt = a.UpdatedAt.ToUnixTimeMilliseconds(),
        DecidedAt = a.DecidedAt?.ToUnixTimeMilliseconds(),
        DecidedBy = a.DecidedBy,
        ApprovalExpiresAt = a.ApprovalExpiresAt?.ToUnixTimeMilliseconds(),
        ExpiresAt = a.ExpiresAt?.ToUnixTimeMilliseconds(),
        Attempts = a.Attempts,
        Detail = a.Detail,
        Error = a.Error,
    };

    private static ActionRecord FromRow(Row r) => new()
    {
        Id = Guid.Parse(r.Id),
        Kind = r.Kind,
        Mode = r.Mode,
        State = r.State,
        AlertId = r.AlertId,
        Rule = r.Rule,
        Principal = r.Principal,
        SubjectId = r.SubjectId,
        Jti = r.Jti,
        SessionId = r.SessionId,
        ClientId = r.ClientId,
        TokenExpiresAt = UnixTime.FromMilliseconds(r.TokenExpiresAt),
        WorkloadId = r.WorkloadId,
        Namespace = r.Namespace,
        WorkloadName = r.WorkloadName,
        Cluster = r.Cluster,
        IsolationActionId = r.IsolationActionId is null ? null : Guid.Parse(r.IsolationActionId),
        TtlSeconds = r.TtlSeconds,
        Reason = r.Reason,
        Decision = r.Decision,
        RequestedBy = r.RequestedBy,
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt),
        UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.UpdatedAt),
        DecidedAt = UnixTime.FromMilliseconds(r.DecidedAt),
        DecidedBy = r.DecidedBy,
        ApprovalExpiresAt = UnixTime.FromMilliseconds(r.ApprovalExpiresAt),
        ExpiresAt = UnixTime.FromMilliseconds(r.ExpiresAt),
        Attempts = (int)r.Attempts,
        Detail = r.Detail,
        Error = r.Error,
    };

    private sealed class Row
    {
        public string Id { get; set; } = "";
        public string Kind { get; set; } = "";
        public string Mode { get; set; } = "";
        public string State { get; set; } = "";
        public string? AlertId { get; set; }
        public string? Rule { get; set; }
        public string? Principal { get; set; }
        public string? SubjectId { get; set; }
        public string? Jti { get; set; }
        public string? SessionId { get; set; }
        public string? ClientId { get; set; }
        public long? TokenExpiresAt { get; set; }
        public string? WorkloadId { get; set; }
        public string? Namespace { get; set; }
        public string? WorkloadName { get; set; }
        public string? Cluster { get; set; }
        public string? IsolationActionId { get; set; }
        public long? TtlSeconds { get; set; }
        public string Reason { get; set; } = "";
        public string Decision { get; set; } = "";
        public string RequestedBy { get; set; } = "";
        public long CreatedAt { get; set; }
        public long UpdatedAt { get; set; }
        public long? DecidedAt { get; set; }
        public string? DecidedBy { get; set; }
        public long? ApprovalExpiresAt { get; set; }
        public long? ExpiresAt { get; set; }
        public long Attempts { get; set; }
        public string? Detail { get; set; }
        public string? Error { get; set; }
    }
}
