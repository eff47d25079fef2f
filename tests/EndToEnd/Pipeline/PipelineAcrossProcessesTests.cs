namespace ZtStream.EndToEnd.Pipeline;

/// <summary>
/// The real binary as separate Processes — ingest, two verifiers in one group, responder — over Kafka, PostgreSQL
/// and RabbitMQ, with an SDK-protected sample app: an attack sent through Ingest's HTTP endpoint is detected,
/// the token is revoked and the app refuses it; a verifier killed mid-stream loses and duplicates no alert.
/// </summary>
public sealed class PipelineAcrossProcessesTests(KafkaFixture kafka, PostgresFixture postgres, RabbitMqFixture rabbit) : ProcessTests("zt-e2e-")
{
    private const string ApiToken = "e2e-responder-token-0123456789abcdef0123456789";
    private const string FeedToken = "e2e-feed-token-0123456789abcdef0123456789abcd";
    private static readonly TimeSpan DetectionTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Attack_IsDetectedRevokedAndRefused_AndAVerifierCrashLosesAndDuplicatesNothing()
    {
        var ct = Ct;
        var bootstrap = kafka.Require();
        var database = await postgres.CreateDatabaseAsync(ct);
        var amqp = await rabbit.CreateVirtualHostAsync(ct);
        var policy = await ResponsePolicies.RevokeTokensAsync(Processes.Folder, "high");
        string[] seams =
        [
            // Its own names on the shared cluster, so another test's deployment never joins its groups or reads its events.
            "--event-log", "kafka", "--kafka", bootstrap, "--kafka-prefix", $"zt-e2e-{Guid.NewGuid():N}.", "--store", "postgres", "--postgres", database,
            "--bus", "rabbitmq", "--rabbitmq", amqp.ToString(), "--urls", "http://127.0.0.1:0",
            "--set", "EventLog:KafkaConsumerSettings:session.timeout.ms=6000",
            "--set", "EventLog:KafkaConsumerSettings:heartbeat.interval.ms=500",
            "--set", "EventLog:TopicCreationTimeout=00:00:02",
        ];

        // A source credential, made by the CLI against the same store the roles use; trusted to speak for any subject, so
        // its evidence may revoke automatically.
        var key = await Processes.AddSourceAsync("e2e-app", ["--subjects", "*", .. seams], ct);

        // The responder first: it applies the store's migrations and owns the revocation feed.
        var responder = await StartAsync("responder", ["run", "--roles", "responder", .. seams,
            "--set", $"Responder:PolicyPath={policy}",
            .. ZtStreamApi.ApiToken("responder", ApiToken), "--set", "Responder:SchedulerInterval=00:00:01",
            "--set", $"Responder:Feed:Token={FeedToken}"], true, ct);
        var started = await Task.WhenAll(
            StartAsync("ingest", ["run", "--roles", "ingest", .. seams], true, ct),
            StartAsync("verifier-1", ["run", "--roles", "verifier", .. seams], true, ct),
            StartAsync("verifier-2", ["run", "--roles", "verifier", .. seams], true, ct));
        var (ingest, verifier1) = (started[0], started[1]);

        // The SDK-protected sample app, fed by this Ingest and enforcing this Responder's feed.
        await using var sdk = await SdkProbe.StartAsync(ingest.Url, key, responder.Url, FeedToken);
        using var ingestHttp = ZtStreamApi.Client(ingest.Url, key);
        using var api = ZtStreamApi.Client(responder.Url, ApiToken);

        // Alice's token works at the app before the attack.
        var jti = $"jti-{Guid.NewGuid():N}";
        using (var before = await sdk.GetAsync("alice", jti))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        // The attack: Alice's token, bound to shop/web-1, replayed from another workload.
        await IngestEvents.PostAcceptedAsync(ingestHttp, IngestEvents.StolenToken("alice", jti));
        var alert = await ZtStreamApi.WaitForAlertsAsync(api, "alice", 1, ct, DetectionTimeout, () => Processes.Output);
        Assert.Contains(alert[0].GetProperty("alert").GetProperty("severity").GetString(), new[] { "high", "critical" });

        // The token is revoked and the app refuses it, without restarting.
        await sdk.AssertRefusesAsync("alice", jti);

        // A verifier dies mid-stream; attacks on several principals (spread over the partitions) still each raise one alert.
        verifier1.Kill();
        var victims = Enumerable.Range(1, 6).Select(i => $"victim-{i}").ToArray();
        foreach (var victim in victims)
        {
            await IngestEvents.PostAcceptedAsync(ingestHttp, IngestEvents.StolenToken(victim, $"jti-{Guid.NewGuid():N}"));
        }

        await ZtStreamApi.WaitForEachAlertedAsync(api, victims, ct, DetectionTimeout, () => Processes.Output);

        // Let any redelivery from the dead member's uncommitted offsets play out, then count again.
        await Task.Delay(TimeSpan.FromSeconds(8), ct);
        foreach (var principal in victims.Append("alice"))
        {
            var alerts = await ZtStreamApi.AlertsAsync(api, principal, ct);
            Assert.True(alerts.Count == 1, $"{principal}: expected exactly one alert, got {alerts.Count}");
        }
    }

    private Task<ZtStreamProcess> StartAsync(string name, string[] args, bool waitForListening, CancellationToken ct) =>
        Processes.StartAsync(name, args, waitForListening, ct);
}
