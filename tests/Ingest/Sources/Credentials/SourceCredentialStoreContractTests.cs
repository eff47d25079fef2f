namespace ZtStream.Ingest.Tests.Sources.Credentials;

/// <summary>The credential store's SQL (table <c>ingest_sources</c>) on both dialects, each test on a fresh database.</summary>
public abstract class SourceCredentialStoreContractTests
{
    private protected abstract Task<StoreOptions> CreateDatabaseAsync();

    private async Task<(IStore Store, SourceCredentialStore Credentials)> StoreAsync()
    {
        var store = await MigratedStores.CreateAsync(await CreateDatabaseAsync(), new IngestMigrations());
        return (store, new SourceCredentialStore(store, TimeProvider.System));
    }

    [Fact]
    public async Task Scope_EveryDimensionIncludingClustersAndTenants_IsStoredReadAndReplaced()
    {
        var (_, credentials) = await StoreAsync();
        var scope = new SourceScope(Kinds: [EventKinds.K8sAudit], Subjects: ["user:*"], Namespaces: ["shop"], Workloads: ["shop/web-*"], Clusters: ["prod-eu", "prod-us-*"],
            Tenants: ["acme", "acme-*"]);

        Assert.Equal(AddSourceResult.Added, await credentials.AddAsync("eks-prod", "hash-1", Ct, scope));

        var found = await credentials.FindActiveSourceAsync("hash-1", Ct);
        Assert.Equal(scope.Describe(), found!.Scope.Describe());
        Assert.Equal(["prod-eu", "prod-us-*"], found.Scope.Clusters);
        Assert.Equal(["acme", "acme-*"], found.Scope.Tenants);
        Assert.Equal(scope.Describe(), (await credentials.FindScopeAsync("eks-prod", Ct)).Describe());
        Assert.Equal(scope.Describe(), Assert.Single(await credentials.ListAsync(Ct)).Scope.Describe());

        Assert.True(await credentials.UpdateScopeAsync("eks-prod", scope with { Clusters = ["staging"] }, Ct));
        Assert.Equal(["staging"], (await credentials.FindKeyHolderAsync("hash-1", Ct))!.Scope.Clusters);
        Assert.True(await credentials.UpdateScopeAsync("eks-prod", scope with { Clusters = null }, Ct));
        Assert.Null((await credentials.FindActiveSourceAsync("hash-1", Ct))!.Scope.Clusters);

        Assert.True(await credentials.UpdateScopeAsync("eks-prod", scope with { Tenants = ["globex"] }, Ct));
        Assert.Equal(["globex"], (await credentials.FindKeyHolderAsync("hash-1", Ct))!.Scope.Tenants);
        Assert.True(await credentials.UpdateScopeAsync("eks-prod", scope with { Tenants = null }, Ct));
        var lifted = (await credentials.FindActiveSourceAsync("hash-1", Ct))!.Scope;
        Assert.Null(lifted.Tenants);
        Assert.Equal(["prod-eu", "prod-us-*"], lifted.Clusters);
    }

    [Fact]
    public async Task ClusterLabel_IsStoredReadListedReplacedAndLifted_BesideTheClusterLimit()
    {
        var (_, credentials) = await StoreAsync();
        var scope = new SourceScope(Kinds: [EventKinds.K8sAudit], Clusters: ["prod-*"], Cluster: "prod-eu");

        Assert.Equal(AddSourceResult.Added, await credentials.AddAsync("kube-prod-eu", "hash-2", Ct, scope));

        Assert.Equal("prod-eu", (await credentials.FindActiveSourceAsync("hash-2", Ct))!.Scope.Cluster);
        Assert.Equal("prod-eu", (await credentials.FindScopeAsync("kube-prod-eu", Ct)).Cluster);
        Assert.Equal("kinds=k8s.audit cluster=prod-eu clusters=prod-*", Assert.Single(await credentials.ListAsync(Ct)).Scope.Describe());

        Assert.True(await credentials.UpdateScopeAsync("kube-prod-eu", scope with { Cluster = "prod-us" }, Ct));
        Assert.Equal("prod-us", (await credentials.FindKeyHolderAsync("hash-2", Ct))!.Scope.Cluster);
        Assert.True(await credentials.UpdateScopeAsync("kube-prod-eu", scope with { Cluster = null }, Ct));
        var lifted = (await credentials.FindActiveSourceAsync("hash-2", Ct))!.Scope;
        Assert.Null(lifted.Cluster);
        Assert.Null(lifted.Label);
        Assert.Equal(["prod-*"], lifted.Clusters);

        // A revoked name added again takes the new key's label, not the old one's.
        Assert.True(await credentials.UpdateScopeAsync("kube-prod-eu", scope, Ct));
        Assert.True(await credentials.RevokeAsync("kube-prod-eu", Ct));
        Assert.Equal(AddSourceResult.Added, await credentials.AddAsync("kube-prod-eu", "hash-3", Ct, new SourceScope(Kinds: [EventKinds.K8sAudit])));
        Assert.Null((await credentials.FindActiveSourceAsync("hash-3", Ct))!.Scope.Cluster);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task SourceAddedBeforeClusterOrTenantScopesOrLabels_KeepsItsScope_AndSpeaksForAnyClusterAndTenant_Unlabelled(int version)
    {
        // A database at the schema before cluster scopes (migrations 1 and 2), tenant scopes (1 to 3) or cluster labels
        // (1 to 4), with a source registered then.
        var options = await CreateDatabaseAsync();
        var before = new IngestMigrations().Migrations.Where(m => m.Version <= version).ToArray();
        var store = await MigratedStores.CreateAsync(options, new FixedMigrations(before));
        await using (var connection = await store.OpenAsync(Ct))
        {
            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO ingest_sources (name, key_hash, created_at, scope_namespaces) VALUES ('old', 'hash-old', "
                + (options.Kind == StoreOptions.Postgres ? "now()" : "'2026-11-28T12:00:00.000000Z'") + ", 'shop')";
            await insert.ExecuteNonQueryAsync(Ct);
        }

        await MigratedStores.MigrateAsync(store, new IngestMigrations());

        var found = await new SourceCredentialStore(store, TimeProvider.System).FindActiveSourceAsync("hash-old", Ct);
        Assert.Equal(["shop"], found!.Scope.Namespaces);
        Assert.Null(found.Scope.Clusters);
        Assert.Null(found.Scope.Tenants);
        Assert.Null(found.Scope.Cluster);
    }

    private sealed class FixedMigrations(IReadOnlyList<Migration> migrations) : IMigrationSource
    {
        public IEnumerable<Migration> Migrations => migrations;
    }
}

public sealed class SqliteSourceCredentialStoreContractTests(SqliteFiles files) : SourceCredentialStoreContractTests, IClassFixture<SqliteFiles>
{
    private protected override Task<StoreOptions> CreateDatabaseAsync() => Task.FromResult(files.NewStore());
}

public sealed class PostgresSourceCredentialStoreContractTests(PostgresFixture postgres) : SourceCredentialStoreContractTests, IClassFixture<PostgresFixture>
{
    private protected override Task<StoreOptions> CreateDatabaseAsync() => postgres.CreateStoreAsync(Ct);
}
