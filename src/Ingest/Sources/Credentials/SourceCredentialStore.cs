using Dapper;
using ZtStream.Platform.Store;

namespace ZtStream.Ingest.Sources.Credentials;

/// <summary>A source as listed: never its key.</summary>
internal sealed record SourceInfo
{
    public required string Name { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }
}

/// <summary>The outcome of <see cref="SourceCredentialStore.AddAsync"/>.</summary>
internal enum AddSourceResult
{
    Added,
    AlreadyActive,
}

/// <summary>Source credentials in the store (table <c>ingest_sources</c>); the SQL is the same in both dialects.</summary>
internal sealed class SourceCredentialStore(IStore store, TimeProvider time)
{
    // A revoked name may be added again (key rotation); an active one may not.
    private const string Upsert = """
        INSERT INTO ingest_sources (name, key_hash, created_at, revoked_at)
        VALUES (@Name, @KeyHash, @CreatedAt, NULL)
        ON CONFLICT (name) DO UPDATE SET key_hash = excluded.key_hash, created_at = excluded.created_at, revoked_at = NULL
        WHERE ingest_sources.revoked_at IS NOT NULL
        """;

    private const string SelectAll = """
        SELECT name AS Name, created_at AS CreatedAt, revoked_at AS RevokedAt
        FROM ingest_sources
        ORDER BY name
        """;

    private const string SelectByHash = """
        SELECT name AS Name, key_hash AS KeyHash, revoked_at AS RevokedAt
        FROM ingest_sources
        WHERE key_hash = @KeyHash
        """;

    private const string Revoke = """
        UPDATE ingest_sources SET revoked_at = @RevokedAt
        WHERE name = @Name AND revoked_at IS NULL
        """;

    public async Task<AddSourceResult> AddAsync(string name, string keyHash, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.ExecuteAsync(new CommandDefinition(
            Upsert, new { Name = name, KeyHash = keyHash, CreatedAt = time.GetUtcNow() }, cancellationToken: cancellationToken));
        return rows == 1 ? AddSourceResult.Added : AddSourceResult.AlreadyActive;
    }

    public async Task<IReadOnlyList<SourceInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<SourceInfo>(new CommandDefinition(SelectAll, cancellationToken: cancellationToken))];
    }

    /// <summary>Revokes an active source; false when there is none of that name.</summary>
    public async Task<bool> RevokeAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            Revoke, new { Name = name, RevokedAt = time.GetUtcNow() }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>The active source whose key has <paramref name="keyHash"/>, or null.</summary>
    public async Task<string?> FindActiveAsync(string keyHash, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<CredentialRow>(new CommandDefinition(
            SelectByHash, new { KeyHash = keyHash }, cancellationToken: cancellationToken));
        return row is { RevokedAt: null } && SourceKeys.HashesEqual(row.KeyHash, keyHash) ? row.Name : null;
    }

    private sealed record CredentialRow
    {
        public required string Name { get; init; }

        public required string KeyHash { get; init; }

        public DateTimeOffset? RevokedAt { get; init; }
    }
}
