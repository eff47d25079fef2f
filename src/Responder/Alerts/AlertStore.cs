namespace ZtStream.Responder.Alerts;

/// <summary>A stored alert with its triage state; <see cref="Version"/> grows with every change (the live queue's position).</summary>
internal sealed record StoredAlert(
    Alert Alert, string Status, string? VerdictBy, string? Assignee, long Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>One change of an alert: created, updated, status, assigned, comment.</summary>
internal sealed record AlertHistoryEntry(
    long Id, DateTimeOffset At, string Change, int Count, int Score, string Severity, string Status, string? Actor, string? Detail);

internal enum AlertUpsertOutcome
{
    Created,
    Updated,
    /// <summary>Same id and a count not above the stored one: a redelivery, nothing changed.</summary>
    Duplicate,
}

/// <summary>Where a page of the queue ends: the last alert's <c>last_seen</c> and id (the queue's sort key).</summary>
internal readonly record struct AlertCursor(long LastSeenMs, string Id)
{
    public string Encode() => System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{LastSeenMs}|{Id}"));

    public static bool TryDecode(string text, out AlertCursor cursor)
    {
        cursor = default;
        try
        {
            var raw = Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(text));
            var bar = raw.IndexOf('|', StringComparison.Ordinal);
            if (bar <= 0 || !long.TryParse(raw.AsSpan(0, bar), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var ms))
            {
                return false;
            }

            cursor = new AlertCursor(ms, raw[(bar + 1)..]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <summary>Filters of the queue. <see cref="Assignee"/> <c>none</c> means unassigned; <see cref="Status"/> <c>closed</c> any resolution.</summary>
/// <param name="Technique">An ATT&amp;CK technique id: alerts carrying it, or one of its sub-techniques (T1552 matches T1552.007).</param>
/// <param name="Staged">True: only staged rules' alerts (<see cref="Alert.Staged"/>); false: only live ones; null: both.</param>
internal sealed record AlertQuery(
    string? Status = null,
    string? Severity = null,
    string? Principal = null,
    string? Detector = null,
    string? Assignee = null,
    string? Namespace = null,
    string? Technique = null,
    bool? Staged = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    int Limit = 50,
    int Offset = 0,
    AlertCursor? After = null,
    string? Cluster = null)
{
    public const string Unassigned = "none";
}

/// <summary>Alerts, their triage state and history. Idempotent per alert id and count. Every committed change sets the live queue's signal.</summary>
internal sealed class AlertStore(IStore store, TimeProvider time, [FromKeyedServices(AlertStore.WakeKey)] WakeSignal changed)
{
    /// <summary>The key of the <see cref="WakeSignal"/> set when this process changes an alert.</summary>
    public const string WakeKey = "alerts";

    /// <summary>The most alerts one page of <c>GET /v1/alerts</c> holds; a larger <c>limit</c> is capped to it.</summary>
    public const int MaxPage = 500;

    private const string Columns = """
        alert_json AS AlertJson, status AS Status, verdict_by AS VerdictBy, assignee AS Assignee, change_version AS Version,
        created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    private const string SelectAlert = "SELECT " + Columns + " FROM responder_alerts";

    private const string BumpVersion = "UPDATE responder_alert_version SET version = version + 1 WHERE id = 1 RETURNING version";

    /// <summary>The row of a new alert (status open); the benchmark seeds its store with it.</summary>
    internal const string InsertAlert = """
        INSERT INTO responder_alerts (id, dedup_key, principal, detector, severity, score, count, first_seen, last_seen,
            subject_id, workload_id, namespace, resource_class, raised_by, status, alert_json, created_at, updated_at, change_version, staged,
            principal_cluster, workload_cluster)
        VALUES (@Id, @DedupKey, @Principal, @Detector, @Severity, @Score, @Count, @FirstSeen, @LastSeen,
            @SubjectId, @WorkloadId, @Namespace, @ResourceClass, @RaisedBy, 'open', @AlertJson, @Now, @Now, @Version, @Staged,
            @PrincipalCluster, @WorkloadCluster)
        """;

    private const string UpdateAlert = """
        UPDATE responder_alerts SET severity = @Severity, score = @Score, count = @Count, first_seen = @FirstSeen,
            last_seen = @LastSeen, alert_json = @AlertJson, updated_at = @Now, change_version = @Version
        WHERE id = @Id
        """;

    private const string UpdateTriage = """
        UPDATE responder_alerts SET status = @Status, verdict_by = @VerdictBy, assignee = @Assignee, updated_at = @Now, change_version = @Version
        WHERE id = @Id
        """;

    private const string ClaimMerge = """
        INSERT INTO responder_alert_merges (alert_id, count, flood_id, merged_at) VALUES (@AlertId, @Count, @FloodId, @Now)
        ON CONFLICT (alert_id, count) DO NOTHING
        """;

    private const string DeleteTechniques = "DELETE FROM responder_alert_techniques WHERE alert_id = @AlertId";

    private const string InsertTechnique = """
        INSERT INTO responder_alert_techniques (alert_id, technique) VALUES (@AlertId, @Technique)
        ON CONFLICT (alert_id, technique) DO NOTHING
        """;

    private const string HasTechnique = """
        EXISTS (SELECT 1 FROM responder_alert_techniques t
                WHERE t.alert_id = responder_alerts.id AND (t.technique = @Technique OR t.technique LIKE @TechniquePrefix))
        """;

    private const string InsertHistory = """
        INSERT INTO responder_alert_history (alert_id, at, change, count, score, severity, status, actor, detail, request_id)
        VALUES (@AlertId, @At, @Change, @Count, @Score, @Severity, @Status, @Actor, @Detail, @RequestId)
        """;

    /// <summary>
    /// Open live alerts (raised by the Verifier, not yet given a verdict: open, acknowledged or in progress; not a staged
    /// rule's, which has caps of its own in the Verifier) of <paramref name="principal"/> in <paramref name="cluster"/>,
    /// and of everyone. A principal that exists once per cluster (a Kubernetes service account, <see cref="Alert.PrincipalCluster"/>)
    /// is another principal in each cluster, as the Verifier counts it: <c>default</c>'s service account in twelve clusters
    /// is twelve accounts, not one with twelve times the alerts.
    /// </summary>
    public async Task<(long Principal, long Total)> OpenCountsAsync(string principal, string? cluster, CancellationToken cancellationToken)
    {
        const string count = "SELECT COUNT(*) FROM responder_alerts WHERE status IN ('open', 'acknowledged', 'in_progress') AND raised_by IS NULL AND staged = 0";
        await using var connection = await store.OpenAsync(cancellationToken);
        var mine = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            count + " AND principal = @principal AND COALESCE(principal_cluster, '') = @cluster", new { principal, cluster = cluster ?? "" }, cancellationToken: cancellationToken));
        var all = await connection.ExecuteScalarAsync<long>(new CommandDefinition(count, cancellationToken: cancellationToken));
        return (mine, all);
    }

    /// <summary>
    /// Whether <paramref name="alert"/> tells nothing the stored one does not: a redelivery, or an older version. A later
    /// version has a higher <see cref="Alert.Count"/>, or the same count completed — a Kubernetes request whose outcome
    /// came after its first stage adds the outcome's reasons to the alert that stage raised, and may raise its score,
    /// without being another occurrence.
    /// </summary>
    private static bool IsNoNews(Alert alert, StoredAlert? before) =>
        before is not null
        && (alert.Count < before.Alert.Count
            || (alert.Count == before.Alert.Count && alert.Score <= before.Alert.Score
                && alert.Reasons.All(r => before.Alert.Reasons.Any(b => b.Detector == r.Detector && b.Rule == r.Rule))));

    /// <summary>
    /// Stores a new alert, or updates it when <see cref="Alert.Count"/> grew or the same occurrence was completed
    /// (<see cref="IsNoNews"/>); a redelivery changes nothing.
    /// </summary>
    public async Task<(AlertUpsertOutcome Outcome, StoredAlert? Before)> UpsertAsync(Alert alert, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var before = await GetAsync(connection, tx, alert.Id, cancellationToken);
        if (IsNoNews(alert, before))
        {
            await tx.RollbackAsync(cancellationToken);
            return (AlertUpsertOutcome.Duplicate, before);
        }

        await WriteAsync(connection, tx, alert, before, detail: null, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        changed.Set();
        return (before is null ? AlertUpsertOutcome.Created : AlertUpsertOutcome.Updated, before);
    }

    /// <summary>
    /// <see cref="UpsertAsync(Alert, CancellationToken)"/> in the audit chain's transaction together with the entry
    /// <paramref name="entry"/> returns for what it did (the outcome and the alert as stored before), so an alert is never
    /// kept without the entry that records its arrival: a crash between the two used to leave the alert stored and its
    /// redelivery a duplicate, the entry lost. A redelivery changes nothing and writes no entry.
    /// </summary>
    public async Task<(AlertUpsertOutcome Outcome, StoredAlert? Before)> UpsertAsync(
        AuditLog audit, Alert alert, Func<AlertUpsertOutcome, StoredAlert?, AuditRecord> entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(entry);
        (AlertUpsertOutcome Outcome, StoredAlert? Before) result = (AlertUpsertOutcome.Duplicate, null);
        await audit.AppendChangeAsync(
            async (connection, tx, ct) =>
            {
                var before = await GetAsync(connection, tx, alert.Id, ct);
                if (IsNoNews(alert, before))
                {
                    result = (AlertUpsertOutcome.Duplicate, before);
                    return null;
                }

                await WriteAsync(connection, tx, alert, before, detail: null, ct);
                result = (before is null ? AlertUpsertOutcome.Created : AlertUpsertOutcome.Updated, before);
                return entry(result.Outcome, before);
            },
            cancellationToken);
        if (result.Outcome != AlertUpsertOutcome.Duplicate)
        {
            changed.Set();
        }

        return result;
    }

    /// <summary>
    /// Merges one item — <paramref name="mergedId"/> at <paramref name="mergedCount"/>: a delivery of an alert (its id
    /// and count), or an action held for approval (its id) — into the Responder's alert <paramref name="floodId"/> (an
    /// alert flood, a response storm), in the audit chain's transaction together with the entry
    /// <paramref name="build"/> returns, so the merge and its audit entry are kept both or neither. Idempotent per item:
    /// one handed again after a crash between this commit and the consumer's offset commit finds its row in
    /// <c>responder_alert_merges</c> and changes nothing. <paramref name="build"/> gets the alert as stored (null before
    /// its first merge), read in the same transaction, and returns its next state and the audit entry. Returns that
    /// state, or null for an item merged before.
    /// </summary>
    public async Task<Alert?> MergeAsync(
        AuditLog audit,
        string floodId,
        string mergedId,
        int mergedCount,
        Func<StoredAlert?, (Alert Flood, string Detail, AuditRecord Entry)> build,
        CancellationToken cancellationToken)
    {
        Alert? written = null;
        await audit.AppendChangeAsync(
            async (connection, tx, ct) =>
            {
                var claimed = await connection.ExecuteAsync(new CommandDefinition(
                    ClaimMerge,
                    new { AlertId = mergedId, Count = mergedCount, FloodId = floodId, Now = time.GetUtcNow().ToUnixTimeMilliseconds() },
                    tx,
                    cancellationToken: ct));
                if (claimed == 0)
                {
                    return null;
                }

                var existing = await GetAsync(connection, tx, floodId, ct);
                var (flood, detail, entry) = build(existing);
                await WriteAsync(connection, tx, flood, existing, detail, ct);
                written = flood;
                return entry;
            },
            cancellationToken);
        if (written is not null)
        {
            changed.Set();
        }

        return written;
    }

    /// <summary>
    /// Writes <paramref name="alert"/> (new when <paramref name="before"/> is null) with a new change version and its
    /// history entry, which says <paramref name="detail"/> (e.g. the alert merged into a flood alert).
    /// </summary>
    private async Task WriteAsync(DbConnection connection, DbTransaction tx, Alert alert, StoredAlert? before, string? detail, CancellationToken cancellationToken)
    {
        var version = await connection.ExecuteScalarAsync<long>(new CommandDefinition(BumpVersion, transaction: tx, cancellationToken: cancellationToken));
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var args = RowOf(alert, now, version);
        await connection.ExecuteAsync(new CommandDefinition(before is null ? InsertAlert : UpdateAlert, args, tx, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(DeleteTechniques, new { AlertId = alert.Id }, tx, cancellationToken: cancellationToken));
        if (alert.Techniques.Count > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                InsertTechnique, alert.Techniques.Select(t => new { AlertId = alert.Id, Technique = t }), tx, cancellationToken: cancellationToken));
        }
        await AddHistoryAsync(connection, tx, alert, now, before is null ? "created" : "updated", before?.Status ?? AlertStatuses.Open, alert.RaisedBy ?? "verifier", detail, cancellationToken);
    }

    /// <summary>The parameters of <see cref="InsertAlert"/> and of the update of an alert's row.</summary>
    internal static object RowOf(Alert alert, long now, long version) =>
        new
        {
            alert.Id,
            alert.DedupKey,
            alert.Principal,
            alert.Detector,
            alert.Severity,
            alert.Score,
            alert.Count,
            FirstSeen = alert.FirstSeen.ToUnixTimeMilliseconds(),
            LastSeen = alert.LastSeen.ToUnixTimeMilliseconds(),
            alert.SubjectId,
            WorkloadId = alert.Workload?.Id,
            Namespace = alert.TargetWorkload?.Namespace ?? alert.Workload?.Namespace,
            alert.PrincipalCluster,
            WorkloadCluster = alert.TargetWorkload?.Cluster ?? alert.Workload?.Cluster,
            alert.ResourceClass,
            alert.RaisedBy,
            Staged = alert.Staged ? 1 : 0,
            AlertJson = System.Text.Json.JsonSerializer.Serialize(alert, ContractsJsonContext.Default.Alert),
            Now = now,
            Version = version,
        };

    /// <summary>
    /// Changes an alert's triage state with its history entry and its audit entry, in the audit chain's exclusive
    /// transaction (<see cref="AuditLog.AppendChangeAsync"/>), so what the change is decided on cannot change before it
    /// is written and the entry is never missing: <paramref name="change"/> maps the state read there to the new one
    /// (null: nothing to do); with <paramref name="seen"/> (the alert's version the caller decided on) a change to an
    /// alert whose version has moved since is refused as stale. Two analysts sending the same version: one is written,
    /// the other told. Before, a status change compared the version before the transaction, so both were written.
    /// <paramref name="alongside"/> runs after the write, in the same transaction, and returns its own audit entries: what
    /// must happen with the change and never without it (the lift of an alert's suppressions as it leaves
    /// <c>false_positive</c>); a refused change runs none of it.
    /// </summary>
    public async Task<TriageWrite> ChangeAsync(
        AuditLog audit,
        string alertId,
        string actor,
        long? seen,
        Func<StoredAlert, TriageChange?> change,
        Func<StoredAlert, StoredAlert, AuditRecord> entry,
        CancellationToken cancellationToken,
        Func<DbConnection, DbTransaction, CancellationToken, Task<IReadOnlyList<AuditRecord>>>? alongside = null)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(entry);
        var result = default(TriageWrite);
        await audit.AppendChangesAsync(
            async (connection, tx, ct) =>
            {
                var before = await GetAsync(connection, tx, alertId, ct);
                if (before is null || change(before) is not { } c)
                {
                    result = new TriageWrite(before, null, Stale: false);
                    return null;
                }

                if (seen is { } version && before.Version != version)
                {
                    result = new TriageWrite(before, null, Stale: true);
                    return null;
                }

                // The request wrote this change before (its answer lost in a crash): it is the alert as it stands.
                if (c.RequestId is { } requestId && await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                    "SELECT COUNT(*) FROM responder_alert_history WHERE request_id = @RequestId",
                    new { RequestId = requestId.ToString() },
                    tx,
                    cancellationToken: ct)) > 0)
                {
                    result = new TriageWrite(before, before, Stale: false);
                    return null;
                }

                var next = await connection.ExecuteScalarAsync<long>(new CommandDefinition(BumpVersion, transaction: tx, cancellationToken: ct));
                var nowTime = time.GetUtcNow();
                var now = nowTime.ToUnixTimeMilliseconds();
                await connection.ExecuteAsync(new CommandDefinition(
                    UpdateTriage,
                    new { c.Status, c.VerdictBy, c.Assignee, Now = now, Version = next, Id = alertId },
                    tx,
                    cancellationToken: ct));
                await AddHistoryAsync(connection, tx, before.Alert, now, c.Kind, c.Status, actor, c.Detail, ct, c.RequestId);
                var after = before with { Status = c.Status, VerdictBy = c.VerdictBy, Assignee = c.Assignee, Version = next, UpdatedAt = nowTime };
                result = new TriageWrite(before, after, Stale: false);
                return alongside is null ? [entry(before, after)] : [entry(before, after), .. await alongside(connection, tx, ct)];
            },
            cancellationToken);
        if (result.After is not null)
        {
            changed.Set();
        }

        return result;
    }

    public async Task<StoredAlert?> GetAsync(string alertId, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await GetAsync(connection, null, alertId, cancellationToken);
    }

    /// <summary>A page of the queue, newest <c>last_seen</c> first (ties by id, descending).</summary>
    public async Task<IReadOnlyList<StoredAlert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken)
    {
        var (sql, where, p) = Where(query);
        if (query.After is { } after)
        {
            where.Add("(last_seen < @AfterLastSeen OR (last_seen = @AfterLastSeen AND id < @AfterId))");
            p.Add("AfterLastSeen", after.LastSeenMs);
            p.Add("AfterId", after.Id);
        }

        sql.Append(" ORDER BY last_seen DESC, id DESC LIMIT @Limit OFFSET @Offset");
        // One past a page: the API reads one more than it answers to know whether another page follows.
        p.Add("Limit", Math.Clamp(query.Limit, 1, MaxPage + 1));
        p.Add("Offset", Math.Max(0, query.Offset));
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(sql.ToString(), p, cancellationToken: cancellationToken));
        return [.. rows.Select(ToStored)];
    }

    /// <summary>Alerts matching <paramref name="query"/> changed after <paramref name="version"/>, oldest change first.</summary>
    public async Task<IReadOnlyList<StoredAlert>> ChangedSinceAsync(long version, AlertQuery query, int limit, CancellationToken cancellationToken)
    {
        var (sql, where, p) = Where(query);
        where.Add("change_version > @SinceVersion");
        sql.Append(" ORDER BY change_version LIMIT @Limit");
        p.Add("SinceVersion", version);
        p.Add("Limit", limit);
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(sql.ToString(), p, cancellationToken: cancellationToken));
        return [.. rows.Select(ToStored)];
    }

    /// <summary>The version of the latest change (0 before any).</summary>
    public async Task<long> VersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT version FROM responder_alert_version WHERE id = 1", cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<AlertHistoryEntry>> HistoryAsync(string alertId, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<HistoryRow>(new CommandDefinition(
            """
            SELECT id AS Id, at AS At, change AS Change, count AS Count, score AS Score, severity AS Severity,
                   status AS Status, actor AS Actor, detail AS Detail
            FROM responder_alert_history WHERE alert_id = @AlertId ORDER BY id
            """,
            new { AlertId = alertId },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new AlertHistoryEntry(
            r.Id, DateTimeOffset.FromUnixTimeMilliseconds(r.At), r.Change, (int)r.Count, (int)r.Score, r.Severity, r.Status, r.Actor, r.Detail))];
    }

    private static (StringBuilder Sql, SqlWhere Where, DynamicParameters Parameters) Where(AlertQuery query)
    {
        var sql = new StringBuilder(SelectAlert);
        var where = new SqlWhere(sql);
        var p = new DynamicParameters();
        where.AddIf(query.Status, "status = @Status", p, "Status", AlertStatuses.Closed, "status IN ('true_positive', 'false_positive', 'benign')");

        where.AddIf(query.Severity, "severity = @Severity", p, "Severity");
        where.AddIf(query.Principal, "principal = @Principal", p, "Principal");
        where.AddIf(query.Detector, "detector = @Detector", p, "Detector");
        where.AddIf(query.Assignee, "assignee = @Assignee", p, "Assignee", AlertQuery.Unassigned, "assignee IS NULL");

        where.AddIf(query.Namespace, "namespace = @Namespace", p, "Namespace");
        where.AddIf(query.Cluster, "(principal_cluster = @Cluster OR workload_cluster = @Cluster)", p, "Cluster");
        where.AddIf<int?>(query.Staged is { } staged ? (staged ? 1 : 0) : null, "staged = @Staged", p, "Staged");
        if (query.Technique is { Length: > 0 } technique)
        {
            where.AddIf(technique, HasTechnique, p, "Technique");
            p.Add("TechniquePrefix", technique + ".%");
        }

        where.AddIf(query.Since?.ToUnixTimeMilliseconds(), "last_seen >= @Since", p, "Since");
        where.AddIf(query.Until?.ToUnixTimeMilliseconds(), "last_seen < @Until", p, "Until");
        return (sql, where, p);
    }

    private static Task AddHistoryAsync(
        DbConnection connection, DbTransaction tx, Alert alert, long now, string change, string status, string actor, string? detail, CancellationToken cancellationToken,
        Guid? requestId = null) =>
        connection.ExecuteAsync(new CommandDefinition(
            InsertHistory,
            new
            {
                AlertId = alert.Id,
                At = now,
                Change = change,
                alert.Count,
                alert.Score,
                alert.Severity,
                Status = status,
                Actor = actor,
                Detail = detail,
                RequestId = requestId?.ToString(),
            },
            tx,
            cancellationToken: cancellationToken));

    private static async Task<StoredAlert?> GetAsync(DbConnection connection, DbTransaction? tx, string alertId, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            SelectAlert + " WHERE id = @Id", new { Id = alertId }, tx, cancellationToken: cancellationToken));
        return row is null ? null : ToStored(row);
    }

    private static StoredAlert ToStored(Row r) => new(
        ContractJson.DeserializeAlert(Encoding.UTF8.GetBytes(r.AlertJson)),
        r.Status,
        r.VerdictBy,
        r.Assignee,
        r.Version,
        DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt),
        DateTimeOffset.FromUnixTimeMilliseconds(r.UpdatedAt));

    private sealed class Row
    {
        public string AlertJson { get; set; } = "";
        public string Status { get; set; } = "";
        public string? VerdictBy { get; set; }
        public string? Assignee { get; set; }
        public long Version { get; set; }
        public long CreatedAt { get; set; }
        public long UpdatedAt { get; set; }
    }

    private sealed class HistoryRow
    {
        public long Id { get; set; }
        public long At { get; set; }
        public string Change { get; set; } = "";
        public long Count { get; set; }
        public long Score { get; set; }
        public string Severity { get; set; } = "";
        public string Status { get; set; } = "";
        public string? Actor { get; set; }
        public string? Detail { get; set; }
    }
}

/// <summary>
/// A triage change: the new status, verdict author and assignee, the history entry's kind and detail, and the id of the
/// <c>Idempotency-Key</c> request making it (<see cref="Api.IdempotentRequestId"/>), which writes it once.
/// </summary>
internal sealed record TriageChange(string Kind, string Status, string? VerdictBy, string? Assignee, string? Detail, Guid? RequestId = null);

/// <summary>
/// What <see cref="AlertStore.ChangeAsync"/> found and did: the alert as read (null: no such alert), as written (null:
/// nothing was; the alert as read when the change's request had written it before), and whether the change was refused because the alert had moved past the version it was decided on.
/// </summary>
internal readonly record struct TriageWrite(StoredAlert? Before, StoredAlert? After, bool Stale);
