namespace ZtStream.Responder.Audit;

/// <summary>Audit entry kinds.</summary>
internal static class AuditKinds
{
    public const string AlertReceived = "alert.received";
    public const string AlertUpdated = "alert.updated";
    public const string Verdict = "alert.verdict";
    public const string AlertStatus = "alert.status";
    public const string AlertAssigned = "alert.assigned";
    public const string AlertComment = "alert.comment";
    public const string SuppressionCreated = "suppression.created";
    public const string SuppressionNarrowed = "suppression.narrowed";
    public const string SuppressionLifted = "suppression.lifted";
    public const string Forbidden = "api.forbidden";
    public const string SignedIn = "console.signed_in";
    public const string SignedOut = "console.signed_out";
    public const string SessionsEnded = "console.sessions_ended";
    public const string StormRaised = "alert.storm";
    public const string AlertMerged = "alert.merged";
    public const string Decision = "action.decided";
    public const string Approved = "action.approved";
    public const string Rejected = "action.rejected";
    public const string ApprovalExpired = "action.approval_expired";
    public const string Extended = "action.extended";
    public const string ReleaseRequested = "action.release_requested";
    public const string CommandSent = "command.sent";
    public const string AttemptFailed = "action.attempt_failed";
    public const string Completed = "action.completed";
    public const string Failed = "action.failed";
    public const string RevocationLifted = "revocation.lifted";
    public const string NotificationQueued = "notification.queued";
    public const string NotificationThrottled = "notification.throttled";
    public const string NotificationSent = "notification.sent";
    public const string NotificationAttemptFailed = "notification.attempt_failed";
    public const string NotificationFailed = "notification.failed";
}

/// <summary>
/// One audit entry. <see cref="Actor"/> is who decided: <c>policy:NAME</c>, <c>system</c>, <c>ttl</c> or an API user.
/// <see cref="Seq"/> and <see cref="Hash"/> place it in the hash chain (null for entries written before the chain began).
/// </summary>
internal sealed record AuditEntry(
    long Id,
    long? Seq,
    string? Hash,
    DateTimeOffset At,
    string Kind,
    string Actor,
    string? ActionId,
    string? AlertId,
    string? Principal,
    string Summary,
    string? BeforeJson,
    string? AfterJson);

/// <summary>What a change asks <see cref="AuditLog.AppendChangeAsync"/> to record, known only once the change has run.</summary>
internal sealed record AuditRecord(
    string Kind,
    string Actor,
    string Summary,
    string? ActionId = null,
    string? AlertId = null,
    string? Principal = null,
    string? BeforeJson = null,
    string? AfterJson = null);

/// <summary>A row of the chain noted earlier (<c>SEQ:HASH</c>, as <c>ztstream audit verify</c> prints it), which must still be there.</summary>
internal readonly record struct AuditAnchor(long Seq, string Hash);

/// <summary>
/// What <see cref="AuditLog.VerifyAsync"/> found: <see cref="ChainedRows"/> verified links (up to the first broken one),
/// and for a broken trail the first broken link (<see cref="BrokenSeq"/>, <see cref="BrokenId"/>) and why.
/// </summary>
internal sealed record AuditVerification(
    bool Intact, long ChainedRows, long UnchainedRows, long HeadSeq, string HeadHash, long? BrokenSeq, long? BrokenId, string? Problem);

internal sealed record AuditQuery(
    string? ActionId = null,
    string? AlertId = null,
    string? Principal = null,
    string? Actor = null,
    string? Kind = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    int Limit = 100);

/// <summary>
/// The append-only, tamper-evident audit trail: the tables refuse UPDATE, DELETE and (PostgreSQL) TRUNCATE, and every
/// entry is a link of a hash chain (<see cref="AuditChain"/>) whose head is kept beside it, so what a superuser does
/// with the guards switched off still shows in <see cref="VerifyAsync"/>. Appends are serialised across processes
/// (<see cref="StoreTransactions.BeginExclusiveAsync"/>): each reads the head and writes the next link.
/// </summary>
internal sealed class AuditLog(IStore store, TimeProvider time)
{
    /// <summary>The most entries one query answers (<c>GET /v1/audit</c>); a larger <c>limit</c> is capped to it.</summary>
    public const int MaxPage = 1000;

    /// <summary>Advisory lock key of the chain (PostgreSQL): "ztaudit" in ASCII.</summary>
    internal const long ChainLockKey = 0x7a_74_61_75_64_69_74;

    private const string SelectHead = "SELECT seq AS Seq, hash AS Hash, unchained_rows AS UnchainedRows FROM responder_audit_head WHERE id = 1";

    private const string Insert = """
        INSERT INTO responder_audit (at, kind, actor, action_id, alert_id, principal, summary, before_json, after_json, seq, prev_hash, hash)
        VALUES (@At, @Kind, @Actor, @ActionId, @AlertId, @Principal, @Summary, @BeforeJson, @AfterJson, @Seq, @PrevHash, @Hash)
        """;

    private const string MoveHead = "UPDATE responder_audit_head SET seq = @Seq, hash = @Hash WHERE id = 1";

    private const string Columns = """
        id AS Id, seq AS Seq, prev_hash AS PrevHash, hash AS Hash, at AS At, kind AS Kind, actor AS Actor, action_id AS ActionId,
        alert_id AS AlertId, principal AS Principal, summary AS Summary, before_json AS BeforeJson, after_json AS AfterJson
        """;

    private const string Select = $"SELECT {Columns} FROM responder_audit";

    /// <summary>
    /// Appends one entry to the chain. With <paramref name="change"/>, the change and the entry that records it are one
    /// transaction: the change runs first, in the chain's exclusive transaction, and the entry is written only when it
    /// returns true; a failure of either (or a crash before the commit) leaves neither. Returns whether the entry was
    /// written (always true without a change). A change is for a state change whose audit entry must never be missing,
    /// e.g. a notification marked sent.
    /// </summary>
    public async Task<bool> AppendAsync(
        string kind,
        string actor,
        string summary,
        CancellationToken cancellationToken,
        string? actionId = null,
        string? alertId = null,
        string? principal = null,
        string? beforeJson = null,
        string? afterJson = null,
        Func<DbConnection, DbTransaction, CancellationToken, Task<bool>>? change = null)
    {
        var record = new AuditRecord(kind, actor, summary, actionId, alertId, principal, beforeJson, afterJson);
        return await AppendChangeAsync(
            async (connection, tx, ct) => change is null || await change(connection, tx, ct) ? record : null,
            cancellationToken) is not null;
    }

    /// <summary>
    /// Runs <paramref name="change"/> in the chain's exclusive transaction and appends the entry it returns, in the same
    /// transaction: both are committed or neither. For a change whose entry depends on what it did (the row it found,
    /// the version it took). Null from the change: nothing to record, everything rolled back. Returns what was written.
    /// </summary>
    public async Task<AuditRecord?> AppendChangeAsync(
        Func<DbConnection, DbTransaction, CancellationToken, Task<AuditRecord?>> change, CancellationToken cancellationToken)
    {
        var written = await AppendChangesAsync(
            async (connection, tx, ct) => await change(connection, tx, ct) is { } record ? [record] : null, cancellationToken);
        return written.Count == 0 ? null : written[0];
    }

    /// <summary>
    /// As <see cref="AppendChangeAsync"/> for a change of several things each audited on its own (every entry an action
    /// put on the revocation list, lifted at once): the change and all its entries, consecutive links of the chain,
    /// commit together or not at all. Null or none from the change: everything rolled back.
    /// </summary>
    public async Task<IReadOnlyList<AuditRecord>> AppendChangesAsync(
        Func<DbConnection, DbTransaction, CancellationToken, Task<IReadOnlyList<AuditRecord>?>> change, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await store.BeginExclusiveAsync(connection, ChainLockKey, cancellationToken);
        if (await change(connection, tx, cancellationToken) is not { Count: > 0 } records)
        {
            await tx.RollbackAsync(cancellationToken);
            return [];
        }

        var head = await connection.QuerySingleAsync<Head>(new CommandDefinition(SelectHead, transaction: tx, cancellationToken: cancellationToken));
        var (seq, hash) = (head.Seq, head.Hash);
        var at = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var record in records)
        {
            var prev = hash;
            seq++;
            hash = AuditChain.Hash(
                prev, seq, at, record.Kind, record.Actor, record.ActionId, record.AlertId, record.Principal, record.Summary, record.BeforeJson, record.AfterJson);
            await connection.ExecuteAsync(new CommandDefinition(
                Insert,
                new
                {
                    At = at,
                    record.Kind,
                    record.Actor,
                    record.ActionId,
                    record.AlertId,
                    record.Principal,
                    record.Summary,
                    record.BeforeJson,
                    record.AfterJson,
                    Seq = seq,
                    PrevHash = prev,
                    Hash = hash,
                },
                tx,
                cancellationToken: cancellationToken));

            // The head follows each link: the database lets it move one row at a time only.
            await connection.ExecuteAsync(new CommandDefinition(MoveHead, new { Seq = seq, Hash = hash }, tx, cancellationToken: cancellationToken));
        }

        await tx.CommitAsync(cancellationToken);
        return records;
    }

    /// <summary>
    /// Walks the chain from row 1 to the head and reports the first broken link: a row whose content no longer matches
    /// its hash (edited), whose <c>prev_hash</c> is not the hash before it (replaced), a gap in the sequence (deleted),
    /// fewer rows than the head records (truncated or cut short), a missing head, or a row outside the chain. With
    /// <paramref name="anchor"/> (a sequence number and hash noted earlier, e.g. from a previous run), the chain must
    /// still hold that row with that hash, which also catches a trail rewritten whole, head included.
    /// </summary>
    public async Task<AuditVerification> VerifyAsync(AuditAnchor? anchor, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var head = await connection.QuerySingleOrDefaultAsync<Head>(new CommandDefinition(SelectHead, cancellationToken: cancellationToken));
        var unchained = await connection.QuerySingleAsync<Unchained>(new CommandDefinition(
            "SELECT COUNT(*) AS Rows, MAX(id) AS LastId FROM responder_audit WHERE seq IS NULL", cancellationToken: cancellationToken));
        var expected = 1L;
        var prev = AuditChain.Genesis;
        long? firstChainedId = null;
        AuditVerification Broken(long? seq, long? id, string problem) =>
            new(false, expected - 1, unchained.Rows, head?.Seq ?? 0, head?.Hash ?? AuditChain.Genesis, seq, id, problem);

        if (head is null)
        {
            return Broken(null, null, "the chain head (table responder_audit_head) is missing: it was deleted or truncated");
        }

        // Unbuffered: a trail of millions of rows is walked, not held.
        var rows = connection.QueryUnbufferedAsync<Row>($"SELECT {Columns} FROM responder_audit WHERE seq IS NOT NULL ORDER BY seq");
        await foreach (var r in rows.WithCancellation(cancellationToken))
        {
            firstChainedId ??= r.Id;
            var seq = r.Seq!.Value;
            if (seq != expected)
            {
                return Broken(expected, null, seq > expected
                    ? $"row seq {expected} is missing{(seq - 1 > expected ? $" (seq {expected}–{seq - 1} are gone)" : "")}: the next row present is seq {seq} (id {r.Id}); rows were deleted"
                    : $"row id {r.Id} repeats seq {seq}");
            }

            if (!string.Equals(r.PrevHash, prev, StringComparison.Ordinal))
            {
                return Broken(seq, r.Id, $"row seq {seq} (id {r.Id}) does not follow row seq {seq - 1}: its prev_hash is not that row's hash; a row was replaced");
            }

            var hash = AuditChain.Hash(prev, seq, r.At, r.Kind, r.Actor, r.ActionId, r.AlertId, r.Principal, r.Summary, r.BeforeJson, r.AfterJson);
            if (!string.Equals(hash, r.Hash, StringComparison.Ordinal))
            {
                return Broken(seq, r.Id, $"row seq {seq} (id {r.Id}) was changed after it was written: its content does not match its hash");
            }

            if (anchor is { } a && a.Seq == seq && !string.Equals(a.Hash, hash, StringComparison.OrdinalIgnoreCase))
            {
                return Broken(seq, r.Id, $"row seq {seq} (id {r.Id}) is not the row anchored with hash {a.Hash}: the trail was rewritten");
            }

            prev = hash;
            expected++;
        }

        var last = expected - 1;
        if (last < head.Seq)
        {
            return Broken(last + 1, null, last == 0
                ? $"the trail holds no chained rows but its head records {head.Seq}: the table was truncated or emptied"
                : $"rows seq {last + 1}–{head.Seq} are missing: the trail ends at seq {last} but its head records {head.Seq}; it was cut short");
        }

        if (last > head.Seq || !string.Equals(prev, head.Hash, StringComparison.Ordinal))
        {
            return Broken(head.Seq, null, $"the chain head (seq {head.Seq}) does not match the last row (seq {last}): the head or the rows were altered");
        }

        if (unchained.Rows != head.UnchainedRows)
        {
            return Broken(null, unchained.LastId, $"{head.UnchainedRows} rows predate the chain, but {unchained.Rows} unchained rows are there: rows were deleted or added outside the chain");
        }

        if (unchained.LastId is { } lastUnchained && firstChainedId is { } firstChained && lastUnchained > firstChained)
        {
            return Broken(null, lastUnchained, $"row id {lastUnchained} is outside the chain but was written after it began: it was inserted around the trail");
        }

        if (anchor is { } anchored && anchored.Seq > last)
        {
            return Broken(anchored.Seq, null, $"the anchored row seq {anchored.Seq} is gone: the trail ends at seq {last}");
        }

        return new AuditVerification(true, last, unchained.Rows, head.Seq, head.Hash, null, null, null);
    }

    public async Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder(Select);
        var where = new SqlWhere(sql);
        var p = new DynamicParameters();
        where.AddIf(query.ActionId, "action_id = @ActionId", p, "ActionId");
        where.AddIf(query.AlertId, "alert_id = @AlertId", p, "AlertId");
        where.AddIf(query.Principal, "principal = @Principal", p, "Principal");
        where.AddIf(query.Actor, "actor = @Actor", p, "Actor");
        where.AddIf(query.Kind, "kind = @Kind", p, "Kind");
        where.AddIf(query.Since?.ToUnixTimeMilliseconds(), "at >= @Since", p, "Since");
        where.AddIf(query.Until?.ToUnixTimeMilliseconds(), "at < @Until", p, "Until");
        sql.Append(" ORDER BY id LIMIT @Limit");
        p.Add("Limit", Math.Clamp(query.Limit, 1, MaxPage));
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(sql.ToString(), p, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new AuditEntry(
            r.Id, r.Seq, r.Hash, DateTimeOffset.FromUnixTimeMilliseconds(r.At), r.Kind, r.Actor, r.ActionId, r.AlertId, r.Principal, r.Summary, r.BeforeJson, r.AfterJson))];
    }

    private sealed class Head
    {
        public long Seq { get; set; }
        public string Hash { get; set; } = AuditChain.Genesis;
        public long UnchainedRows { get; set; }
    }

    private sealed class Unchained
    {
        public long Rows { get; set; }
        public long? LastId { get; set; }
    }

    private sealed class Row
    {
        public long Id { get; set; }
        public long? Seq { get; set; }
        public string? PrevHash { get; set; }
        public string? Hash { get; set; }
        public long At { get; set; }
        public string Kind { get; set; } = "";
        public string Actor { get; set; } = "";
        public string? ActionId { get; set; }
        public string? AlertId { get; set; }
        public string? Principal { get; set; }
        public string Summary { get; set; } = "";
        public string? BeforeJson { get; set; }
        public string? AfterJson { get; set; }
    }
}
