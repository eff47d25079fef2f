using Npgsql;

namespace ZtStream.Responder.Tests.Suppressions;

/// <summary>
/// A suppression's creation when the store goes away between telling the Verifier and storing it: its PostgreSQL
/// server (one of this test's own) is stopped while the write waits in a trigger. The creation is answered 5xx and the
/// Verifier is told the suppression lifted even though the store cannot be read to say what it holds: it must not keep
/// rules switched off for a suppression the store never had. Before, telling it again needed the store, so a store
/// outage left the suppression applied and invisible to the console.
/// </summary>
public sealed class SuppressionStoreOutageTests
{
    [Fact]
    public async Task Create_StoreGoesDownDuringTheWrite_Is5xx_AndTheVerifierIsToldItLifted()
    {
        await using var postgres = new PostgresFixture();
        var database = await postgres.CreateDatabaseAsync(Ct);
        await using var host = await ResponderTestHost.WithAlertsAsync(
            new ResponderTestHost().OnPostgres(database).StartAsync(), SuppressionApiTests.TwoReasons("sp-store-down"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        await host.ExecuteSqlAsync($"""
            CREATE FUNCTION hold_entries() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(60); RETURN NEW; END $$;
            CREATE TRIGGER hold_entries BEFORE INSERT ON responder_audit
                FOR EACH ROW WHEN (NEW.kind = '{AuditKinds.SuppressionCreated}') EXECUTE FUNCTION hold_entries();
            """);

        var posting = analyst.PostAsJsonAsync("/v1/suppressions", new { alert_id = "sp-store-down" }, Ct);
        await Eventually.HoldsAsync(() => HeldAsync(database), "the suppression's write to wait in the trigger");
        Assert.Equal([false], SuppressionApiTests.Feedback(host).Select(f => f.Lifted)); // told before its write
        await postgres.StopServerAsync();
        using var failed = await posting;

        await HttpProblem.ReadServerErrorAsync(failed, "a suppression that was not stored");
        var told = SuppressionApiTests.Feedback(host);
        Assert.Equal([false, true], told.Select(f => f.Lifted));
        Assert.Single(told.Select(f => f.SuppressionId).Distinct());

        await postgres.StartServerAsync();
        await Eventually.HoldsAsync(
            async () => (await host.Get<SuppressionStore>().QueryAsync(new SuppressionQuery(AlertId: "sp-store-down"), Ct)).Count == 0,
            "the store, back, to hold no suppression of the alert");
    }

    /// <summary>True once a session of the database sleeps in the trigger.</summary>
    private static async Task<bool> HeldAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'", connection);
        return (long)(await command.ExecuteScalarAsync(Ct))! > 0;
    }
}
