using Microsoft.Data.Sqlite;

namespace ZtStream.Responder.Tests.Audit;

public sealed class AuditLogTests
{
    [Fact]
    public async Task Query_FiltersByActionAlertPrincipalActorKindAndTime()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var audit = host.Get<AuditLog>();
        var ct = Ct;
        var t0 = host.Time.GetUtcNow();
        await audit.AppendAsync("k.one", "policy:a", "first", ct, actionId: "act-1", alertId: "al-1", principal: "alice");
        host.Time.Advance(TimeSpan.FromMinutes(1));
        await audit.AppendAsync("k.two", "rex", "second", ct, actionId: "act-1", alertId: "al-1", principal: "alice");
        host.Time.Advance(TimeSpan.FromMinutes(1));
        await audit.AppendAsync("k.one", "rex", "third", ct, actionId: "act-2", alertId: "al-2", principal: "bob");

        static string[] Summaries(IReadOnlyList<AuditEntry> e) => [.. e.Select(x => x.Summary)];
        Assert.Equal(["first", "second"], Summaries(await audit.QueryAsync(new AuditQuery(ActionId: "act-1"), ct)));
        Assert.Equal(["third"], Summaries(await audit.QueryAsync(new AuditQuery(AlertId: "al-2"), ct)));
        Assert.Equal(["first", "second"], Summaries(await audit.QueryAsync(new AuditQuery(Principal: "alice"), ct)));
        Assert.Equal(["second", "third"], Summaries(await audit.QueryAsync(new AuditQuery(Actor: "rex"), ct)));
        Assert.Equal(["first", "third"], Summaries(await audit.QueryAsync(new AuditQuery(Kind: "k.one"), ct)));
        Assert.Equal(["second"], Summaries(await audit.QueryAsync(new AuditQuery(Since: t0.AddSeconds(30), Until: t0.AddSeconds(90)), ct)));
        Assert.Equal(["first"], Summaries(await audit.QueryAsync(new AuditQuery(Limit: 1), ct)));
    }

    [Fact]
    public async Task AuditTable_RefusesUpdateAndDelete()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var ct = Ct;
        await host.Get<AuditLog>().AppendAsync("k", "rex", "kept", ct);
        await using var connection = await host.Get<IStore>().OpenAsync(ct);

        await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("UPDATE responder_audit SET summary = 'changed'"));
        await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("DELETE FROM responder_audit"));
        Assert.Equal("kept", await connection.ExecuteScalarAsync<string>("SELECT summary FROM responder_audit"));
    }
}
