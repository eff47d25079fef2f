using System.Data.Common;
using System.Text;
using System.Text.Json;
using Dapper;
using ZtStream.Contracts.Alerts;
using ZtStream.Contracts.Serialization;
using ZtStream.Responder.Audit;
using ZtStream.Platform.Store;

namespace ZtStream.Responder.Alerts;

/// <summary>Triage status of an alert.</summary>
internal static class AlertStatuses
{
    public const string Open = "open";
    public const string FalsePositive = "false_positive";
    public const string TruePositive = "true_positive";
}

/// <summary>A stored alert with its triage state.</summary>
internal sealed record StoredAlert(Alert Alert, string Status, string? VerdictBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>One state change of an alert.</summary>
internal sealed record AlertHistoryEntry(
    long Id, DateTimeOffset At, string Change, int Count, int Score, string Severity, string Status, string? Actor, string? Detail);

internal enum AlertUpsertOutcome
{
    Created,
    Updated,
    /// <summary>Same id and a count not above the stored one: a redelivery, nothing changed.</summary>
    Duplicate,
}

/// <param name="Technique">An ATT&amp;CK technique id: alerts carrying it, or one of its sub-techniques (T1552 matches T1552.007).</param>
internal sealed record AlertQuery(
    string? Status = null,
    string? Severity = null,
    string? Principal = null,
    string? Detector = null,
    string? Technique = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    int Limit = 50,
    int Offset = 0);

/// <summary>Alerts and their history. Idempotent per alert id and count.</summary>
internal sealed class AlertStore(IStore store, TimeProvider time)
{
    private const string SelectAlert = """
        SELECT alert_json AS AlertJson, status AS Status, verdict_by AS VerdictBy, created_at AS CreatedAt, updated_at AS UpdatedAt
        FROM responder_alerts
        """;

    private const string InsertAlert = """
        INSERT INTO responder_alerts (id, dedup_key, principal, detector, severity, score, count, first_seen, last_seen,
            subject_id, workload_id, namespace, resource_class, raised_by, status, alert_json, created_at, updated_at)
        VALUES (@Id, @DedupKey, @Principal, @Detector, @Severity, @Score, @Count, @FirstSeen, @LastSeen,
            @SubjectId, @WorkloadId, @Namespace, @ResourceClass, @RaisedBy, 'open', @AlertJson, @Now, @Now)
        """;

    private const string UpdateAlert = """
        UPDATE responder_alerts SET severity = @Severity, score = @Score, count = @Count, first_seen = @FirstSeen,
            last_seen = @LastSeen, alert_json = @AlertJson, updated_at = @Now
        WHERE id = @Id
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
        INSERT INTO responder_alert_history (alert_id, at, change, count, score, severity, status, actor, detail)
        VALUES (@AlertId, @At, @Change, @Count, @Score, @Severity, @Status, @Actor, @Detail)
        """;

    /// <summary>Stores a new alert, or updates it when <see cref="Alert.Count"/> grew; a redelivery changes nothing.</summary>
    public async Task<(AlertUpsertOutcome Outcome, StoredAlert? Before)> UpsertAsync(Alert alert, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var before = await GetAsync(connection, tx, alert.Id, cancellationToken);
        if (before is not null && alert.Count <= before.Alert.Count)
        {
            await tx.RollbackAsync(cancellationToken);
            return (AlertUpsertOutcome.Duplicate, before);
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var args = new
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
            alert.Workload?.Namespace,
            alert.ResourceClass,
            alert.RaisedBy,
            AlertJson = JsonSerializer.Serialize(alert, ContractsJsonContext.Default.Alert),
            Now = now,
        };
        await connection.ExecuteAsync(new CommandDefinition(before is null ? InsertAlert : UpdateAlert, args, tx, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(DeleteTechniques, new { AlertId = alert.Id }, tx, cancellationToken: cancellationToken));
        if (alert.Techniques.Count > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                InsertTechnique, alert.Techniques.Select(t => new { AlertId = alert.Id, Technique = t }), tx, cancellationToken: cancellationToken));
        }
        await connection.ExecuteAsync(new CommandDefinition(
            InsertHistory,
            new
            {
                AlertId = alert.Id,
                At = now,
                Change = before is null ? "created" : "updated",
                alert.Count,
                alert.Score,
                alert.Severity,
                Status = before?.Status ?? AlertStatuses.Open,
                Actor = alert.RaisedBy ?? "verifier",
                Detail = (string?)null,
            },
            tx,
            cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return (before is null ? AlertUpsertOutcome.Created : AlertUpsertOutcome.Updated, before);
    }

    /// <summary>Records a verdict; returns the alert before the change, or null when there is no such alert.</summary>
    public async Task<StoredAlert?> SetVerdictAsync(string alertId, string verdict, string by, string? note, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var before = await GetAsync(connection, tx, alertId, cancellationToken);
        if (before is null)
        {
            return null;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE responder_alerts SET status = @Verdict, verdict_by = @By, updated_at = @Now WHERE id = @Id",
            new { Verdict = verdict, By = by, Now = now, Id = alertId },
            tx,
            cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            InsertHistory,
            new
            {
                AlertId = alertId,
                At = now,
                Change = "verdict",
                before.Alert.Count,
                before.Alert.Score,
                before.Alert.Severity,
                Status = verdict,
                Actor = by,
                Detail = note,
            },
            tx,
            cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return before;
    }

    public async Task<StoredAlert?> GetAsync(string alertId, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await GetAsync(connection, null, alertId, cancellationToken);
    }

    public async Task<IReadOnlyList<StoredAlert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder(SelectAlert);
        var where = new SqlWhere(sql);
        var p = new DynamicParameters();
        where.AddIf(query.Status, "status = @Status", p, "Status");
        where.AddIf(query.Severity, "severity = @Severity", p, "Severity");
        where.AddIf(query.Principal, "principal = @Principal", p, "Principal");
        where.AddIf(query.Detector, "detector = @Detector", p, "Detector");
        if (query.Technique is { Length: > 0 } technique)
        {
            where.AddIf(technique, HasTechnique, p, "Technique");
            p.Add("TechniquePrefix", technique + ".%");
        }

        where.AddIf(query.Since?.ToUnixTimeMilliseconds(), "last_seen >= @Since", p, "Since");
        where.AddIf(query.Until?.ToUnixTimeMilliseconds(), "last_seen < @Until", p, "Until");
        sql.Append(" ORDER BY last_seen DESC, id LIMIT @Limit OFFSET @Offset");
        p.Add("Limit", Math.Clamp(query.Limit, 1, 500));
        p.Add("Offset", Math.Max(0, query.Offset));
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(sql.ToString(), p, cancellationToken: cancellationToken));
        return [.. rows.Select(ToStored)];
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
        DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt),
        DateTimeOffset.FromUnixTimeMilliseconds(r.UpdatedAt));

    private sealed class Row
    {
        public string AlertJson { get; set; } = "";
        public string Status { get; set; } = "";
        public string? VerdictBy { get; set; }
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
