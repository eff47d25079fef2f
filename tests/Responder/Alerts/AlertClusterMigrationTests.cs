namespace ZtStream.Responder.Tests.Alerts;

/// <summary>
/// Responder migration 12 fills in the clusters of the alerts a store held before it (docs/response.md: "alerts stored
/// before the filter existed are filled in from the alert they keep"): written at schema 11, then migrated, each is
/// found by the queue's <c>cluster</c> filter as one stored after it would be — by its principal's cluster, or its
/// workload's (the target workload's first) — and one naming no cluster by none. In both dialects, whose fill-ins differ.
/// </summary>
public abstract class AlertClusterMigrationTests
{
    private protected abstract Task<StoreOptions> CreateDatabaseAsync();

    [Fact]
    public async Task AlertsStoredBeforeMigration12_AreFoundByTheirClusters_AfterIt()
    {
        var store = await MigratedStores.CreateAsync(await CreateDatabaseAsync(), new ResponderMigrationsUpTo(11));
        Alert[] alerts =
        [
            // Staging's deployer account: its own cluster and its pod's.
            TestAlerts.Critical("old-sa", "system:serviceaccount:ci:deployer") with
            {
                PrincipalCluster = "staging",
                Workload = new AlertWorkload("ci/deployer-7f9", "ci", "deployer-7f9") { Cluster = "staging" },
            },

            // A person acting from a pod in staging on a pod in prod: the target's cluster is the alert's, not the source pod's.
            TestAlerts.Critical("old-person", "alice@acme.example") with
            {
                Workload = new AlertWorkload("tools/shell-1", "tools", "shell-1") { Cluster = "staging" },
                TargetWorkload = new AlertWorkload("shop/api-1", "shop", "api-1") { Cluster = "prod" },
            },

            // A pod of an AKS cluster, named as Azure writes it.
            TestAlerts.Critical("old-pod", "shop/web-5c8d") with { PrincipalCluster = "AKS-PROD-EU", Workload = new AlertWorkload("shop/web-5c8d", "shop", "web-5c8d") { Cluster = "AKS-PROD-EU" } },
            TestAlerts.Critical("old-none", "bob@acme.example"),
        ];
        // The row as the store wrote it at schema 11: every column but the two migration 12 adds.
        var insert = System.Text.RegularExpressions.Regex.Replace(AlertStore.InsertAlert, @",\s*@?(principal_cluster|PrincipalCluster), @?(workload_cluster|WorkloadCluster)\)", ")");
        Assert.DoesNotContain("cluster", insert, StringComparison.Ordinal);
        await using (var connection = await store.OpenAsync(Ct))
        {
            for (var i = 0; i < alerts.Length; i++)
            {
                await connection.ExecuteAsync(new CommandDefinition(insert, AlertStore.RowOf(alerts[i], 1_764_000_000_000 + i, 1), cancellationToken: Ct));
            }
        }

        await MigratedStores.MigrateAsync(store, new ResponderMigrations());

        var found = new AlertStore(store, TimeProvider.System, new ZtStream.Platform.WakeSignal());
        async Task<string[]> In(string cluster) =>
            [.. (await found.QueryAsync(new AlertQuery(Cluster: cluster, Limit: 10), Ct)).Select(a => a.Alert.Id).Order(StringComparer.Ordinal)];
        Assert.Equal(["old-sa"], await In("staging"));
        Assert.Equal(["old-person"], await In("prod"));
        Assert.Equal(["old-pod"], await In("AKS-PROD-EU"));
        Assert.Empty(await In("aks-prod-eu"));
        Assert.Equal(4, (await found.QueryAsync(new AlertQuery(Limit: 10), Ct)).Count);
    }
}

public sealed class SqliteAlertClusterMigrationTests(SqliteFiles files) : AlertClusterMigrationTests, IClassFixture<SqliteFiles>
{
    private protected override Task<StoreOptions> CreateDatabaseAsync() => Task.FromResult(files.NewStore());
}

public sealed class PostgresAlertClusterMigrationTests(PostgresFixture postgres) : AlertClusterMigrationTests, IClassFixture<PostgresFixture>
{
    private protected override Task<StoreOptions> CreateDatabaseAsync() => postgres.CreateStoreAsync(Ct);
}
