using Npgsql;

namespace ZtStream.Responder.Tests;

/// <summary>The responder's SQL on PostgreSQL (a database per test): the same flows the SQLite tests cover.</summary>
public sealed class PostgresResponderTests(PostgresFixture postgres)
{
    private async Task<ResponderTestHost> StartAsync(string policy, Action<IServiceCollection>? services = null)
    {
        var database = await postgres.CreateDatabaseAsync(Ct);
        return await new ResponderTestHost(policy) { ConfigureServices = services }.OnPostgres(database).StartAsync();
    }

    [Fact]
    public async Task Postgres_AlertsBudgetRevocationsAndAudit()
    {
        await using var host = await StartAsync(ResponseFlowTests.RevokeCritical);
        var ct = Ct;
        Assert.Equal(StoreDialect.Postgres, host.Get<IStore>().Dialect);
        var processor = host.Get<AlertProcessor>();

        for (var i = 0; i < 8; i++)
        {
            await processor.HandleAsync(TestAlerts.Critical($"pg-{i}", principal: $"user-{i}"), ct);
        }

        Assert.Equal(AlertUpsertOutcome.Duplicate, await processor.HandleAsync(TestAlerts.Critical("pg-0", principal: "user-0"), ct));
        Assert.Equal(AlertUpsertOutcome.Updated, await processor.HandleAsync(TestAlerts.Critical("pg-0", principal: "user-0", count: 2), ct));
        var actions = await host.Get<ActionStore>().QueryAsync(new ActionQuery(Limit: 100), ct);
        Assert.Equal(8, actions.Count);
        Assert.Equal(5, actions.Count(a => a.Mode == "automatic"));
        Assert.Equal(3, actions.Count(a => a.State == ActionStates.PendingApproval));
        Assert.Single(await host.Get<AlertStore>().QueryAsync(new AlertQuery(Detector: Detectors.Responder), ct));
        await Eventually.HoldsAsync(
            async () => (await host.Get<RevocationStore>().SnapshotAsync(ct)).Revocations.Count == 5, "five revocations listed");
        var snapshot = await host.Get<RevocationStore>().SnapshotAsync(ct);
        Assert.Equal(snapshot.Revocations.Select(r => r.Version).Order(), snapshot.Revocations.Select(r => r.Version));
        Assert.Equal(5, snapshot.Version);
        Assert.Equal(["created", "updated"], (await host.Get<AlertStore>().HistoryAsync("pg-0", ct)).Select(h => h.Change));

        var audit = host.Get<AuditLog>();
        Assert.NotEmpty(await audit.QueryAsync(new AuditQuery(AlertId: "pg-0", Kind: AuditKinds.Decision), ct));
        await using var connection = await host.Get<IStore>().OpenAsync(ct);
        await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("DELETE FROM responder_audit"));
    }

    [Fact]
    public async Task Postgres_AlertsByTechnique_ExactOrWithSubTechniques()
    {
        await using var host = await StartAsync(ResponseFlowTests.RevokeCritical);
        var ct = Ct;
        await Api.TechniqueFilterTests.StoreSampleAsync(host.Get<AlertProcessor>(), ct);
        var store = host.Get<AlertStore>();

        Assert.Equal(["t-creds", "t-secrets"], await Api.TechniqueFilterTests.IdsAsync(store, "T1552", ct));
        Assert.Equal(["t-secrets"], await Api.TechniqueFilterTests.IdsAsync(store, "T1552.007", ct));
        Assert.Equal(["t-escape"], await Api.TechniqueFilterTests.IdsAsync(store, "T1611", ct));
        Assert.Empty(await Api.TechniqueFilterTests.IdsAsync(store, "T1078", ct));
    }

    [Fact]
    public async Task Postgres_IsolationTtlReleaseAndApprovalExpiry()
    {
        var isolator = new RecordingIsolator();
        await using var host = await StartAsync(ResponseFlowTests.IsolateCritical, s => s.AddSingleton<IWorkloadIsolator>(isolator));
        var ct = Ct;
        var id = (await host.RaiseAsync(TestAlerts.Critical("pg-ttl", workload: new AlertWorkload("pod-pg", "shop", "pg")))).Id;
        await host.UntilStateAsync(id, ActionStates.Active);

        await host.PassAsync(TimeSpan.FromMinutes(11));

        await host.UntilStateAsync(id, ActionStates.Released);
        Assert.Equal(["isolate pod-pg", "release pod-pg"], isolator.Calls);
    }
}
