using System.Data.Common;
using Dapper;
using ZtStream.Contracts.Revocations;
using ZtStream.Platform.Store;

namespace ZtStream.Responder.Revocation;

/// <summary>
/// The built-in revocation list. Versions come from a one-row counter bumped in the same transaction as the
/// insert: the row lock orders writers, so a reader that saw version N never later finds a smaller one committed.
/// </summary>
internal sealed class RevocationStore(IStore store, TimeProvider time)
{
    public const string JtiEntry = "jti";
    public const string SessionEntry = "session";
    public const string SubjectEntry = "subject";

    private const string Columns = """
        version AS Version, jti AS Jti, session_id AS SessionId, subject_id AS SubjectId, not_before AS NotBefore,
        revoked_at AS RevokedAt, expires_at AS ExpiresAt, reason AS Reason
        """;

    /// <summary>Adds the entry once per action id and kind; returns it and whether this call added it.</summary>
    public async Task<(Contracts.Revocations.Revocation Entry, bool Added)> AddAsync(RevocationRequest request, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        // Taking the counter's row lock first serialises concurrent adders (PostgreSQL) before the existence check.
        var next = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "UPDATE responder_revocation_version SET version = version + 1 WHERE id = 1 RETURNING version",
            transaction: tx,
            cancellationToken: cancellationToken));
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
            Jti = request.Jti,
            SessionId = request.SessionId,
            SubjectId = request.SubjectId,
            NotBefore = request.NotBefore?.ToUnixTimeMilliseconds(),
            RevokedAt = time.GetUtcNow().ToUnixTimeMilliseconds(),
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
                ActionId = request.ActionId.ToString(),
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

    /// <summary>Every entry in force, and the list's version.</summary>
    public async Task<RevocationSnapshot> SnapshotAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var version = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT version FROM responder_revocation_version WHERE id = 1", transaction: tx, cancellationToken: cancellationToken));
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM responder_revocations WHERE version <= @Version AND (expires_at IS NULL OR expires_at > @Now) ORDER BY version",
            new { Version = version, Now = time.GetUtcNow().ToUnixTimeMilliseconds() },
            tx,
            cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return new RevocationSnapshot { Version = version, Revocations = [.. rows.Select(ToEntry)] };
    }

    /// <summary>Entries with a version above <paramref name="afterVersion"/>, oldest first.</summary>
    public async Task<IReadOnlyList<Contracts.Revocations.Revocation>> SinceAsync(long afterVersion, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM responder_revocations WHERE version > @After ORDER BY version LIMIT @Limit",
            new { After = afterVersion, Limit = limit },
            cancellationToken: cancellationToken));
        return [.. rows.Select(ToEntry)];
    }

    private static Contracts.Revocations.Revocation ToEntry(Row r) => new()
    {
        Version = r.Version,
        Jti = r.Jti,
        SessionId = r.SessionId,
        SubjectId = r.SubjectId,
        NotBefore = r.NotBefore is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.NotBefore.Value),
        RevokedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.RevokedAt),
        ExpiresAt = r.ExpiresAt is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.ExpiresAt.Value),
        Reason = r.Reason,
    };

    private sealed class Row
    {
        public long Version { get; set; }
        public string? Jti { get; set; }
        public string? SessionId { get; set; }
        public string? SubjectId { get; set; }
        public long? NotBefore { get; set; }
        public long RevokedAt { get; set; }
        public long? ExpiresAt { get; set; }
        public string? Reason { get; set; }
    }
}
