namespace ZtStream.Ingest.Sources.Credentials;

/// <summary>A source as listed: never its key.</summary>
internal sealed record SourceInfo
{
    public required string Name { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }

    public SourceScope Scope { get; init; } = SourceScope.None;
}

/// <summary>A source whose key was verified, with what it may speak for.</summary>
internal sealed record AuthenticatedSource(string Name, SourceScope Scope);

/// <summary>The outcome of <see cref="SourceCredentialStore.AddAsync"/>.</summary>
internal enum AddSourceResult
{
    Added,
    AlreadyActive,
}

/// <summary>The source a key was registered to, and when it was revoked (null while it is active).</summary>
internal sealed record KeyHolder(string Name, DateTimeOffset? RevokedAt, SourceScope Scope);

/// <summary>Source credentials and scopes in the store (table <c>ingest_sources</c>); the SQL is the same in both dialects.</summary>
internal sealed class SourceCredentialStore(IStore store, TimeProvider time)
{
    // A revoked name may be added again (key rotation); an active one may not.
    private const string Upsert = """
        INSERT INTO ingest_sources (name, key_hash, created_at, revoked_at, scope_kinds, scope_subjects, scope_namespaces, scope_workloads, scope_clusters, scope_tenants, cluster_label, tenant_label)
        VALUES (@Name, @KeyHash, @CreatedAt, NULL, @Kinds, @Subjects, @Namespaces, @Workloads, @Clusters, @Tenants, @Cluster, @Tenant)
        ON CONFLICT (name) DO UPDATE SET key_hash = excluded.key_hash, created_at = excluded.created_at, revoked_at = NULL,
            scope_kinds = excluded.scope_kinds, scope_subjects = excluded.scope_subjects,
            scope_namespaces = excluded.scope_namespaces, scope_workloads = excluded.scope_workloads, scope_clusters = excluded.scope_clusters,
            scope_tenants = excluded.scope_tenants, cluster_label = excluded.cluster_label, tenant_label = excluded.tenant_label
        WHERE ingest_sources.revoked_at IS NOT NULL
        """;

    private const string ScopeColumns = """
        scope_kinds AS Kinds, scope_subjects AS Subjects, scope_namespaces AS Namespaces, scope_workloads AS Workloads, scope_clusters AS Clusters,
        scope_tenants AS Tenants, cluster_label AS Cluster, tenant_label AS Tenant
        """;

    private const string SelectAll = $"""
        SELECT name AS Name, created_at AS CreatedAt, revoked_at AS RevokedAt, {ScopeColumns}
        FROM ingest_sources
        ORDER BY name
        """;

    private const string SelectByHash = $"""
        SELECT name AS Name, key_hash AS KeyHash, revoked_at AS RevokedAt, {ScopeColumns}
        FROM ingest_sources
        WHERE key_hash = @KeyHash
        """;

    private const string SelectScopeByName = $"""
        SELECT {ScopeColumns}
        FROM ingest_sources
        WHERE name = @Name AND revoked_at IS NULL
        """;

    private const string Revoke = """
        UPDATE ingest_sources SET revoked_at = @RevokedAt
        WHERE name = @Name AND revoked_at IS NULL
        """;

    private const string UpdateScope = """
        UPDATE ingest_sources SET scope_kinds = @Kinds, scope_subjects = @Subjects, scope_namespaces = @Namespaces, scope_workloads = @Workloads,
            scope_clusters = @Clusters, scope_tenants = @Tenants, cluster_label = @Cluster, tenant_label = @Tenant
        WHERE name = @Name AND revoked_at IS NULL
        """;

    public async Task<AddSourceResult> AddAsync(string name, string keyHash, CancellationToken cancellationToken, SourceScope? scope = null)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.ExecuteAsync(new CommandDefinition(
            Upsert, Parameters(name, scope ?? SourceScope.None, new { KeyHash = keyHash, CreatedAt = time.GetUtcNow() }), cancellationToken: cancellationToken));
        return rows == 1 ? AddSourceResult.Added : AddSourceResult.AlreadyActive;
    }

    /// <summary>Replaces an active source's scope; false when there is no active source of that name.</summary>
    public async Task<bool> UpdateScopeAsync(string name, SourceScope scope, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(UpdateScope, Parameters(name, scope, null), cancellationToken: cancellationToken)) == 1;
    }

    public async Task<IReadOnlyList<SourceInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<SourceRow>(new CommandDefinition(SelectAll, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new SourceInfo { Name = r.Name, CreatedAt = r.CreatedAt, RevokedAt = r.RevokedAt, Scope = r.ToScope() })];
    }

    /// <summary>Revokes an active source; false when there is none of that name.</summary>
    public async Task<bool> RevokeAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            Revoke, new { Name = name, RevokedAt = time.GetUtcNow() }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>The active source whose key has <paramref name="keyHash"/>, or null.</summary>
    public async Task<string?> FindActiveAsync(string keyHash, CancellationToken cancellationToken) =>
        (await FindActiveSourceAsync(keyHash, cancellationToken))?.Name;

    /// <summary>The active source whose key has <paramref name="keyHash"/>, with its scope, or null.</summary>
    public async Task<AuthenticatedSource?> FindActiveSourceAsync(string keyHash, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<CredentialRow>(new CommandDefinition(
            SelectByHash, new { KeyHash = keyHash }, cancellationToken: cancellationToken));
        return row is { RevokedAt: null } && SourceKeys.HashesEqual(row.KeyHash, keyHash) ? new AuthenticatedSource(row.Name, row.ToScope()) : null;
    }

    /// <summary>
    /// The source registered with <paramref name="keyHash"/>, active or revoked, or null: a key belongs to one source, once,
    /// so a revoked key can be told from a new one and is never made valid again.
    /// </summary>
    public async Task<KeyHolder?> FindKeyHolderAsync(string keyHash, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<CredentialRow>(new CommandDefinition(
            SelectByHash, new { KeyHash = keyHash }, cancellationToken: cancellationToken));
        return row is null ? null : new KeyHolder(row.Name, row.RevokedAt, row.ToScope());
    }

    /// <summary>The scope of the active source <paramref name="name"/>; none for an unknown name (it cannot have sent anything).</summary>
    public async Task<SourceScope> FindScopeAsync(string name, CancellationToken cancellationToken) =>
        (await FindActiveByNameAsync(name, cancellationToken))?.Scope ?? SourceScope.None;

    /// <summary>The active source <paramref name="name"/>, with its scope, or null when there is none (unknown or revoked).</summary>
    public async Task<AuthenticatedSource?> FindActiveByNameAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<ScopeRow>(new CommandDefinition(SelectScopeByName, new { Name = name }, cancellationToken: cancellationToken));
        return row is null ? null : new AuthenticatedSource(name, row.ToScope());
    }

    private static DynamicParameters Parameters(string name, SourceScope scope, object? more)
    {
        var p = new DynamicParameters(more);
        p.Add("Name", name);
        p.Add("Kinds", SourceScope.Join(scope.Kinds));
        p.Add("Subjects", SourceScope.Join(scope.Subjects));
        p.Add("Namespaces", SourceScope.Join(scope.Namespaces));
        p.Add("Workloads", SourceScope.Join(scope.Workloads));
        p.Add("Clusters", SourceScope.Join(scope.Clusters));
        p.Add("Tenants", SourceScope.Join(scope.Tenants));
        p.Add("Cluster", scope.Cluster);
        p.Add("Tenant", scope.Tenant);
        return p;
    }

    private record ScopeRow
    {
        public string? Kinds { get; init; }

        public string? Subjects { get; init; }

        public string? Namespaces { get; init; }

        public string? Workloads { get; init; }

        public string? Clusters { get; init; }

        public string? Tenants { get; init; }

        public string? Cluster { get; init; }

        public string? Tenant { get; init; }

        public SourceScope ToScope() =>
            new(SourceScope.Split(Kinds), SourceScope.Split(Subjects), SourceScope.Split(Namespaces), SourceScope.Split(Workloads), SourceScope.Split(Clusters),
                SourceScope.Split(Tenants), Cluster, Tenant);
    }

    private sealed record SourceRow : ScopeRow
    {
        public required string Name { get; init; }

        public required DateTimeOffset CreatedAt { get; init; }

        public DateTimeOffset? RevokedAt { get; init; }
    }

    private sealed record CredentialRow : ScopeRow
    {
        public required string Name { get; init; }

        public required string KeyHash { get; init; }

        public DateTimeOffset? RevokedAt { get; init; }
    }
}
