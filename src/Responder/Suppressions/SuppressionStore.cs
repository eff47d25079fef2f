namespace ZtStream.Responder.Suppressions;

internal sealed record SuppressionQuery(string? State = null, string? AlertId = null, string? Principal = null, int Limit = 200, string? Cluster = null);

/// <summary>The suppressions made from verdicts, with who made, narrowed and lifted them. The Verifier's copy follows through <c>zt.feedback.v1</c>.</summary>
internal sealed class SuppressionStore(IStore store, TimeProvider time)
{
    /// <summary>The most suppressions one query answers (<c>GET /v1/suppressions</c>); a larger <c>limit</c> is capped to it.</summary>
    public const int MaxPage = 1000;

    private const string Select = """
        SELECT id AS Id, alert_id AS AlertId, scope AS Scope, principal AS Principal, namespace AS Namespace,
               resource_class AS ResourceClass, cluster AS Cluster, rules AS Rules, created_by AS CreatedBy, created_at AS CreatedAt,
               updated_at AS UpdatedAt, expires_at AS ExpiresAt, note AS Note, lifted_at AS LiftedAt, lifted_by AS LiftedBy,
               lift_reason AS LiftReason, version AS Version
        FROM responder_suppressions
        """;

    /// <summary>
    /// Stores a new suppression in the caller's transaction (with its <c>suppression.created</c> entry) unless one with its
    /// id exists; true when this call stored it.
    /// </summary>
    public async Task<bool> TryInsertAsync(DbConnection connection, DbTransaction tx, SuppressionRecord s, CancellationToken cancellationToken)
    {
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO responder_suppressions (id, alert_id, scope, principal, namespace, resource_class, cluster, rules, created_by,
                created_at, updated_at, expires_at, note, version)
            VALUES (@Id, @AlertId, @Scope, @Principal, @Namespace, @ResourceClass, @Cluster, @Rules, @CreatedBy, @CreatedAt, @UpdatedAt, @ExpiresAt, @Note, @Version)
            ON CONFLICT (id) DO NOTHING
            """,
            new
            {
                s.Id,
                s.AlertId,
                s.Scope,
                s.Principal,
                s.Namespace,
                s.ResourceClass,
                s.Cluster,
                Rules = string.Join('\n', s.Rules),
                s.CreatedBy,
                CreatedAt = s.CreatedAt.ToUnixTimeMilliseconds(),
                UpdatedAt = s.UpdatedAt.ToUnixTimeMilliseconds(),
                ExpiresAt = s.ExpiresAt.ToUnixTimeMilliseconds(),
                s.Note,
                s.Version,
            },
            tx,
            cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>
    /// Replaces scope, rules and expiry of a suppression with <paramref name="after"/> (at the version after
    /// <paramref name="before"/>'s), in the caller's transaction, only while it is active and still at
    /// <paramref name="before"/>'s version (the one the narrowing was decided on): false when it was lifted or narrowed
    /// meanwhile, so a narrowing decided on the wider suppression never writes its wider rules over another's.
    /// </summary>
    public async Task<bool> NarrowAsync(DbConnection connection, DbTransaction tx, SuppressionRecord before, SuppressionRecord after, CancellationToken cancellationToken)
    {
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE responder_suppressions SET scope = @Scope, principal = @Principal, namespace = @Namespace,
                resource_class = @ResourceClass, cluster = @Cluster, rules = @Rules, expires_at = @ExpiresAt, updated_at = @UpdatedAt, version = @Version
            WHERE id = @Id AND lifted_at IS NULL AND version = @BeforeVersion
            """,
            new
            {
                after.Id,
                after.Scope,
                after.Principal,
                after.Namespace,
                after.ResourceClass,
                after.Cluster,
                Rules = string.Join('\n', after.Rules),
                ExpiresAt = after.ExpiresAt.ToUnixTimeMilliseconds(),
                UpdatedAt = after.UpdatedAt.ToUnixTimeMilliseconds(),
                after.Version,
                BeforeVersion = before.Version,
            },
            tx,
            cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>
    /// Marks a suppression lifted in the caller's transaction, taking its next version, and answers it as lifted (read in
    /// that transaction); null when it was lifted already or, with <paramref name="version"/>, is no longer at it.
    /// </summary>
    public async Task<SuppressionRecord?> LiftAsync(
        DbConnection connection, DbTransaction tx, string id, string by, string reason, long? version, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var lifted = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE responder_suppressions SET lifted_at = @Now, lifted_by = @By, lift_reason = @Reason, updated_at = @Now, version = version + 1 WHERE id = @Id AND lifted_at IS NULL"
                + (version is null ? "" : " AND version = @Version"),
            new { Id = id, By = by, Reason = reason, Now = now, Version = version ?? 0 },
            tx,
            cancellationToken: cancellationToken)) == 1;
        return lifted ? await GetAsync(connection, tx, id, cancellationToken) : null;
    }

    public async Task<SuppressionRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await GetAsync(connection, null, id, cancellationToken);
    }

    private async Task<SuppressionRecord?> GetAsync(DbConnection connection, DbTransaction? tx, string id, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(Select + " WHERE id = @Id", new { Id = id }, tx, cancellationToken: cancellationToken));
        return row is null ? null : ToRecord(row);
    }

    /// <summary>Newest first. <see cref="SuppressionQuery.State"/>: active, expired, lifted, or null for all.</summary>
    public async Task<IReadOnlyList<SuppressionRecord>> QueryAsync(SuppressionQuery query, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder(Select);
        var where = new SqlWhere(sql);
        var p = new DynamicParameters();
        p.Add("Now", time.GetUtcNow().ToUnixTimeMilliseconds());
        switch (query.State)
        {
            case SuppressionStates.Active:
                where.Add("lifted_at IS NULL AND expires_at > @Now");
                break;
            case SuppressionStates.Expired:
                where.Add("lifted_at IS NULL AND expires_at <= @Now");
                break;
            case SuppressionStates.Lifted:
                where.Add("lifted_at IS NOT NULL");
                break;
        }

        where.AddIf(query.AlertId, "alert_id = @AlertId", p, "AlertId");
        where.AddIf(query.Principal, "principal = @Principal", p, "Principal");
        where.AddIf(query.Cluster, "cluster = @Cluster", p, "Cluster");
        sql.Append(" ORDER BY created_at DESC, id LIMIT @Limit");
        p.Add("Limit", Math.Clamp(query.Limit, 1, MaxPage));
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(sql.ToString(), p, cancellationToken: cancellationToken));
        return [.. rows.Select(ToRecord)];
    }

    private SuppressionRecord ToRecord(Row r)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return new SuppressionRecord
        {
            Id = r.Id,
            AlertId = r.AlertId,
            Scope = r.Scope,
            Principal = r.Principal,
            Namespace = r.Namespace,
            ResourceClass = r.ResourceClass,
            Cluster = r.Cluster,
            Rules = r.Rules.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            CreatedBy = r.CreatedBy,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt),
            UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.UpdatedAt),
            ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(r.ExpiresAt),
            Note = r.Note,
            LiftedAt = UnixTime.FromMilliseconds(r.LiftedAt),
            LiftedBy = r.LiftedBy,
            LiftReason = r.LiftReason,
            Version = r.Version,
            State = r.LiftedAt is not null ? SuppressionStates.Lifted : r.ExpiresAt <= now ? SuppressionStates.Expired : SuppressionStates.Active,
        };
    }

    private sealed class Row
    {
        public string Id { get; set; } = "";
        public string AlertId { get; set; } = "";
        public string Scope { get; set; } = "";
        public string Principal { get; set; } = "";
        public string? Namespace { get; set; }
        public string? ResourceClass { get; set; }
        public string? Cluster { get; set; }
        public string Rules { get; set; } = "";
        public string CreatedBy { get; set; } = "";
        public long CreatedAt { get; set; }
        public long UpdatedAt { get; set; }
        public long ExpiresAt { get; set; }
        public string? Note { get; set; }
        public long? LiftedAt { get; set; }
        public string? LiftedBy { get; set; }
        public string? LiftReason { get; set; }
        public long Version { get; set; }
    }
}
