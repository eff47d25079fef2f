using static ZtStream.EndToEnd.Faults.PostgresOutageEndToEndTests;

namespace ZtStream.EndToEnd.Faults;

/// <summary>
/// The distributed topology as separate processes — Ingest and Verifier in one, the Responder in another — over a Kafka
/// cluster and a PostgreSQL server of this test's own, the server stopped while attacks flow: Ingest keeps acknowledging
/// (the log takes the events, the source's key is cached), the Verifier, checkpointing after every record, pauses on the
/// store, as does the Responder; once the server is back every acknowledged attack is alerted once and its token revoked
/// once.
/// </summary>
public sealed class DistributedStoreOutageTests(KafkaFixture kafka, RabbitMqFixture rabbit) : ProcessTests("zt-dist-outage-")
{
    private const string ApiToken = "dist-outage-responder-token-0123456789abcdef";

    [Fact]
    public async Task PostgresStoppedWhileTheVerifierAlerts_EveryAcknowledgedAttackIsAlertedAndRevokedOnce()
    {
        await using var postgres = new PostgresFixture();
        var database = await postgres.CreateDatabaseAsync(Ct);
        var policy = await ResponsePolicies.RevokeTokensAsync(Processes.Folder, "low");
        var seams = DistributedResponderKillTests.Seams(await kafka.RequireAsync(Ct), database);

        // Trusted for any subject, so its evidence may revoke automatically.
        var key = await Processes.AddSourceAsync("outage-app", ["--subjects", "*", .. seams], Ct);
        var pipeline = await Processes.StartAsync(
            "ingest-verifier",
            ["run", "--roles", "ingest,verifier", .. seams,
             // A checkpoint after every record, so each attack scored in the outage meets the stopped store.
             "--set", "Verifier:CheckpointEveryRecords=1",
             // The source's key stays trusted through the outage, so attacks are acknowledged while the store is down.
             "--set", "Ingest:CredentialCacheTime=00:05:00"],
            waitForListening: true,
            Ct);
        var responder = await Processes.StartAsync(
            "responder",
            ["run", "--roles", "responder", .. seams, "--bus", "rabbitmq", "--rabbitmq", (await rabbit.CreateVirtualHostAsync(Ct)).ToString(),
             .. ResponsePolicies.ResponderSettings(policy, ApiToken)],
            waitForListening: true,
            Ct);
        using var ingest = ZtStreamApi.Client(pipeline.Url, key);
        using var api = ZtStreamApi.Client(responder.Url, ApiToken);

        await PostAttackAsync(ingest, "user:dist-before");
        await WaitForRevokedAsync(api, responder, ["user:dist-before"]);

        await postgres.StopServerAsync();
        // Six victims on fewer partitions: at least one partition scores two, and the second may meet the first's failed
        // checkpoint write.
        var during = Enumerable.Range(1, 6).Select(i => $"user:dist-during-{i}").ToList();
        foreach (var victim in during)
        {
            await PostAttackAsync(ingest, victim);
        }

        // Down until both consumers met it: the Verifier on a checkpoint, the Responder storing an alert. A checkpoint is
        // written in the background and its failure raised by the partition's next record; when the second attack on a
        // partition came while the first's write was still trying the stopped server, no record is left to raise it. So
        // the same attacks are sent again while waiting, as traffic would go on: the Verifier takes them as duplicates
        // (same event ids, no new alert) and each record checkpoints.
        var resent = System.Diagnostics.Stopwatch.StartNew();
        foreach (var (process, group) in new[] { (pipeline, "zt-verifier"), (responder, "zt-responder") })
        {
            var paused = await Eventually.WithinAsync(
                async () =>
                {
                    if (process.Output.Contains($"Group {group}: paused on", StringComparison.Ordinal))
                    {
                        return true;
                    }

                    if (resent.Elapsed > TimeSpan.FromSeconds(3))
                    {
                        resent.Restart();
                        foreach (var victim in during)
                        {
                            await PostAttackAsync(ingest, victim);
                        }
                    }

                    return false;
                },
                ZtStreamApi.Timeout,
                Ct);
            Assert.True(paused, $"{group} never met the outage:\n{process.Output}");
        }

        await postgres.StartServerAsync();

        await WaitForRevokedAsync(api, responder, during);
        await AssertAlertedAndRevokedOnceAsync(api, during.Prepend("user:dist-before"));
    }
}
