namespace ZtStream.Responder.Revocation;

/// <summary>One thing the feed publishes, in version order: an entry listed, or an entry lifted.</summary>
internal sealed record FeedItem(long Version, Contracts.Revocations.Revocation? Entry, RevocationLift? Lift);

/// <summary>An entry an action listed, with its lift and who lifted it when it was lifted.</summary>
internal sealed record ActionEntry(Contracts.Revocations.Revocation Entry, RevocationLift? Lift, string? LiftedBy);

/// <summary>What <see cref="RevocationStore.LiftAsync"/> did.</summary>
internal enum LiftOutcome
{
    Lifted,
    NotFound,
    AlreadyLifted,
}

/// <summary>
/// The built-in revocation list. Versions come from a one-row counter bumped in the same transaction as each insert
/// and each lift: the row lock orders writers, so a reader that saw version N never later finds a smaller one
/// committed. A lift keeps the entry's row (the audit and the action still point at it) and gives the lift a version
/// of its own, which is how the stream tells clients to drop the entry.
/// </summary>
internal sealed class RevocationStore(IStore store, TimeProvider time)
{
    public const string JtiEntry = "jti";
    public const string SessionEntry = "session";
    public const string SubjectEntry = "subject";

    private const string Columns = """
        version AS Version, action_id AS ActionId, jti AS Jti, session_id AS SessionId, subject_id AS SubjectId, not_before AS NotBefore,
        revoked_at AS RevokedAt, expires_at AS ExpiresAt, reason AS Reason, lifted_version AS LiftedVersion, lifted_at AS LiftedAt,
        lifted_by AS LiftedBy, lift_reason AS LiftReason
        """;

    private const string InForceWhere = """
        version <= @Version AND (lifted_version IS NULL OR lifted_version > @Version) AND (expires_at IS NULL OR expires_at > @Now)
        """;

    private const string InForce = $"SELECT {Columns} FROM responder_revocations WHERE {InForceWhere} ORDER BY version";

    private const string InForceOfAction = $"SELECT {Columns} FROM responder_revocations WHERE action_id = @ActionId AND {InForceWhere} ORDER BY version";

    private const string NextVersion = "UPDATE responder_revocation_version SET version = version + 1 WHERE id = 1 RETURNING version";

    /// <summary>Adds the entry once per action id and kind; returns it and whether this call added it.</summary>
    public async Task<(Contracts.Revocations.Revocation Entry, bool Added)> AddAsync(RevocationRequest request, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        // Taking the counter's row lock first serialises concurrent adders (PostgreSQL) before the existence check.
        var next = await connection.ExecuteScalarAsync<long>(new CommandDefinition(NextVersion, transaction: tx, cancellationToken: cancellationToken));
        var existing = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM responder_revocations WHERE action_id = @ActionId AND entry_kind = @EntryKind",
            new { ActionId = request.ActionId.ToString(), request.EntryKind },
            tx,
            cancellationToken: cancellationToken));
        if (existing is not null)
        {
            await tx.RollbackAsync(cancellationToken);
            return (ToEntry(existing), false);
        }

        var row = new Row
        {
            Version = next,
            ActionId = request.ActionId.ToString(),
            Jti = request.Jti,
            SessionId = request.SessionId,
            SubjectId = request.SubjectId,
            NotBefore = request.NotBefore?.ToUnixTimeMilliseconds(),
            RevokedAt = time.GetUtcNow().ToUnixTimeMilliseconds(),
            ExpiresAt = request.ExpiresAt.ToUnixTimeMilliseconds(),
            Reason = request.Reason,
        };
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO responder_revocations (version, action_id, entry_kind, jti, session_id, subject_id, not_before, revoked_at, expires_at, reason)
            VALUES (@Version, @ActionId, @EntryKind, @Jti, @SessionId, @SubjectId, @NotBefore, @RevokedAt, @ExpiresAt, @Reason)
            """,
            new
            {
                row.Version,
                row.ActionId,
                request.EntryKind,
                row.Jti,
                row.SessionId,
                row.SubjectId,
                row.NotBefore,
                row.RevokedAt,
                row.ExpiresAt,
                row.Reason,
            },
            tx,
            cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return (ToEntry(row), true);
    }

    /// <summary>
    /// Lifts the entry of version <paramref name="entryVersion"/> in the caller's transaction (the audit log's, so the lift
    /// and the entry recording who lifted it and why commit together): once committed it is out of the snapshot, and
    /// the stream publishes the returned lift at a new feed version. The caller rolls back unless it is
    /// <see cref="LiftOutcome.Lifted"/>.
    /// </summary>
    public async Task<(LiftOutcome Outcome, RevocationLift? Lift, Contracts.Revocations.Revocation? Entry)> LiftAsync(
        DbConnection connection, DbTransaction tx, long entryVersion, string by, string reason, CancellationToken cancellationToken)
    {
        var next = await connection.ExecuteScalarAsync<long>(new CommandDefinition(NextVersion, transaction: tx, cancellationToken: cancellationToken));
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM responder_revocations WHERE version = @Version", new { Version = entryVersion }, tx, cancellationToken: cancellationToken));
        if (row is null || row.LiftedVersion is not null)
        {
            return (row is null ? LiftOutcome.NotFound : LiftOutcome.AlreadyLifted, row is null ? null : ToLift(row), row is null ? null : ToEntry(row));
        }

        var lifted = await LiftRowAsync(connection, tx, row, next, by, reason, cancellationToken);
        return (LiftOutcome.Lifted, ToLift(lifted), ToEntry(lifted));
    }

    /// <summary>
    /// Lifts every entry action <paramref name="actionId"/> has in force, in the caller's transaction (as
    /// <see cref="LiftAsync"/>: all of them commit with their audit entries, or none does), each at a feed version of its
    /// own so the stream publishes each lift as it does one lifted alone. Returns what was lifted (empty when nothing of
    /// the action is in force) and every entry the action ever listed, as it was before, so the caller can say why.
    /// </summary>
    public async Task<(IReadOnlyList<(Contracts.Revocations.Revocation Entry, RevocationLift Lift)> Lifted, IReadOnlyList<ActionEntry> Entries)> LiftActionAsync(
        DbConnection connection, DbTransaction tx, Guid actionId, string by, string reason, CancellationToken cancellationToken)
    {
        // The counter's row lock first, as AddAsync takes it: an entry of this action being listed meanwhile is either
        // committed and seen here, or listed after this lift (and then in force).
        long? next = await connection.ExecuteScalarAsync<long>(new CommandDefinition(NextVersion, transaction: tx, cancellationToken: cancellationToken));
        var rows = (await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM responder_revocations WHERE action_id = @ActionId ORDER BY version",
            new { ActionId = actionId.ToString() },
            tx,
            cancellationToken: cancellationToken))).ToList();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var lifted = new List<(Contracts.Revocations.Revocation, RevocationLift)>();
        foreach (var row in rows.Where(r => r.LiftedVersion is null && (r.ExpiresAt is null || r.ExpiresAt > now)))
        {
            next ??= await connection.ExecuteScalarAsync<long>(new CommandDefinition(NextVersion, transaction: tx, cancellationToken: cancellationToken));
            var after = await LiftRowAsync(connection, tx, row, next.Value, by, reason, cancellationToken);
            next = null;
            lifted.Add((ToEntry(row), ToLift(after)!));
        }

        return (lifted, [.. rows.Select(r => new ActionEntry(ToEntry(r), ToLift(r), r.LiftedBy))]);
    }

    /// <summary>Marks <paramref name="row"/> lifted at feed version <paramref name="next"/> (taken from the counter by the caller).</summary>
    private async Task<Row> LiftRowAsync(DbConnection connection, DbTransaction tx, Row row, long next, string by, string reason, CancellationToken cancellationToken)
    {
        var lifted = row with { LiftedVersion = next, LiftedAt = time.GetUtcNow().ToUnixTimeMilliseconds(), LiftedBy = by, LiftReason = reason };
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE responder_revocations SET lifted_version = @LiftedVersion, lifted_at = @LiftedAt, lifted_by = @LiftedBy, lift_reason = @LiftReason
            WHERE version = @Version AND lifted_version IS NULL
            """,
            new { lifted.LiftedVersion, lifted.LiftedAt, lifted.LiftedBy, lifted.LiftReason, lifted.Version },
            tx,
            cancellationToken: cancellationToken));
        return lifted;
    }

    /// <summary>
    /// Every entry in force (not lifted, not expired), and the list's version; with <paramref name="actionId"/>, only
    /// that action's entries (found through the <c>(action_id, entry_kind)</c> unique index).
    /// </summary>
    public async Task<RevocationSnapshot> SnapshotAsync(CancellationToken cancellationToken, string? actionId = null)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var version = await CurrentVersionAsync(connection, tx, cancellationToken);
        // A lift committed after the version was read has a higher version: the entry is still in this snapshot, and
        // the stream from this version brings the lift.
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            actionId is null ? InForce : InForceOfAction,
            new { Version = version, Now = time.GetUtcNow().ToUnixTimeMilliseconds(), ActionId = actionId },
            tx,
            cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return new RevocationSnapshot { Version = version, Revocations = [.. rows.Select(ToEntry)] };
    }

    /// <summary>The highest feed version handed out.</summary>
    public async Task<long> VersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await CurrentVersionAsync(connection, null, cancellationToken);
    }

    /// <summary>The entry of version <paramref name="version"/> (lifted or not), or null.</summary>
    public async Task<Contracts.Revocations.Revocation?> GetAsync(long version, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM responder_revocations WHERE version = @Version", new { Version = version }, cancellationToken: cancellationToken));
        return row is null ? null : ToEntry(row);
    }

    /// <summary>Entries listed and entries lifted at a feed version above <paramref name="afterVersion"/>, oldest first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<FeedItem>> SinceAsync(long afterVersion, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var added = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM responder_revocations WHERE version > @After ORDER BY version LIMIT @Limit",
            new { After = afterVersion, Limit = limit },
            cancellationToken: cancellationToken));
        var lifted = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM responder_revocations WHERE lifted_version > @After ORDER BY lifted_version LIMIT @Limit",
            new { After = afterVersion, Limit = limit },
            cancellationToken: cancellationToken));

        // Each query's first `limit` holds every item of the merged first `limit`.
        var items = new List<FeedItem>();
        items.AddRange(added.Select(r => new FeedItem(r.Version, ToEntry(r), null)));
        items.AddRange(lifted.Select(r => new FeedItem(r.LiftedVersion!.Value, null, ToLift(r))));
        items.Sort((a, b) => a.Version.CompareTo(b.Version));
        return items.Count > limit ? items.GetRange(0, limit) : items;
    }

    private static Task<long> CurrentVersionAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? tx, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT version FROM responder_revocation_version WHERE id = 1", transaction: tx, cancellationToken: cancellationToken));

    private static Contracts.Revocations.Revocation ToEntry(Row r) => new()
    {
        Version = r.Version,
        Jti = r.Jti,
        SessionId = r.SessionId,
        SubjectId = r.SubjectId,
        NotBefore = UnixTime.FromMilliseconds(r.NotBefore),
        RevokedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.RevokedAt),
        ExpiresAt = UnixTime.FromMilliseconds(r.ExpiresAt),
        Reason = r.Reason,
        ActionId = r.ActionId,
    };

    private static RevocationLift? ToLift(Row r) => r.LiftedVersion is { } version
        ? new RevocationLift
        {
            Version = version,
            Lifts = r.Version,
            Jti = r.Jti,
            SessionId = r.SessionId,
            SubjectId = r.SubjectId,
            LiftedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.LiftedAt ?? 0),
            Reason = r.LiftReason,
        }
        : null;

    private sealed record Row
    {
        public long Version { get; set; }
        public string ActionId { get; set; } = "";
        public string? Jti { get; set; }
        public string? SessionId { get; set; }
        public string? SubjectId { get; set; }
        public long? NotBefore { get; set; }
        public long RevokedAt { get; set; }
        public long? ExpiresAt { get; set; }
        public string? Reason { get; set; }
        public long? LiftedVersion { get; set; }
        public long? LiftedAt { get; set; }
        public string? LiftedBy { get; set; }
        public string? LiftReason { get; set; }
    }
}
